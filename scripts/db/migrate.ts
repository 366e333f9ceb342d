// `pnpm db:migrate`: applies every subgraph's pending migrations to $DATABASE_URL.
// Exits explicitly: the engine and pg are disposed, but a CLI should not depend on it.
import { migrateAll } from "./migrations.ts";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("db:migrate: set DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/melodi)");
  process.exit(1);
}
try {
  await migrateAll(url, { log: (msg) => console.log(msg) });
  process.exit(0);
} catch (e) {
  console.error(`db:migrate failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
