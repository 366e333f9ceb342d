// `pnpm db:migrate`: applies every subgraph's pending migrations to $DATABASE_URL.
// Exits explicitly: the engine and pg are disposed, but a CLI should not depend on it.
import { localDatabase } from "./databaseUrl.ts";
import { migrateAll } from "./migrations.ts";

const db = await localDatabase();
const url = db.url;
try {
  await migrateAll(url, { log: (msg) => console.log(msg) });
  await db.stop();
  process.exit(0);
} catch (e) {
  console.error(`db:migrate failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
