// `pnpm db:check` (CI): fails when a schema.prisma and its migrations disagree, a snapshot is
// missing, or a migration applied in $DATABASE_URL was edited since.
import { localDatabase } from "./databaseUrl.ts";
import { checkDrift } from "./migrations.ts";

const db = await localDatabase();
const url = db.url;
try {
  const problems = await checkDrift(url);
  for (const p of problems) console.error(p);
  console.log(
    problems.length === 0
      ? "db:check: migrations agree with every schema.prisma"
      : `db:check: ${problems.length} problem(s)`,
  );
  await db.stop();
  process.exit(problems.length === 0 ? 0 : 1);
} catch (e) {
  console.error(`db:check failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
