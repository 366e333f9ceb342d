// `pnpm db:diff <subgraph> <name>`: writes prisma/<subgraph>/migrations/<timestamp>_<name>/ from
// the change between the last migration's snapshot and the current schema.prisma. The engine
// needs a reachable Postgres even for this file-to-file diff (any database: nothing is changed).
import path from "node:path";
import { listSubgraphs } from "./engine.ts";
import { diffMigration } from "./migrations.ts";
import { localDatabase } from "./databaseUrl.ts";

const usage = `usage: pnpm db:diff <subgraph> <name>
  subgraph: one of ${listSubgraphs().join(", ") || "(none found under prisma/)"}
  name:     letters, digits and _ (e.g. add_user_bio)
  Uses DATABASE_URL, or the local embedded Postgres when it is unset.`;

const [subgraph, name, ...rest] = process.argv.slice(2);
if (!subgraph || !name || rest.length > 0 || !listSubgraphs().includes(subgraph) || !/^[A-Za-z0-9_]+$/.test(name)) {
  console.error(usage);
  process.exit(1);
}
const db = await localDatabase();
try {
  const dir = await diffMigration(db.url, subgraph, name);
  await db.stop();
  console.log(
    dir
      ? `wrote ${path.relative(process.cwd(), dir)}/migration.sql`
      : `${subgraph}: schema.prisma matches the last migration; nothing written`,
  );
  process.exit(0);
} catch (e) {
  console.error(`db:diff failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
