// `pnpm db:diff <subgraph> <name>`: writes prisma/<subgraph>/migrations/<timestamp>_<name>/ from
// the change between the last migration's snapshot and the current schema.prisma. The engine
// needs a reachable Postgres even for this file-to-file diff (any database: nothing is changed).
import path from "node:path";
import { listSubgraphs } from "./engine.ts";
import { diffMigration } from "./migrations.ts";

const usage = `usage: pnpm db:diff <subgraph> <name>
  subgraph: one of ${listSubgraphs().join(", ") || "(none found under prisma/)"}
  name:     letters, digits and _ (e.g. add_user_bio)
  DATABASE_URL must point at a reachable Postgres.`;

const [subgraph, name, ...rest] = process.argv.slice(2);
const url = process.env.DATABASE_URL;
if (!subgraph || !name || rest.length > 0 || !listSubgraphs().includes(subgraph) || !/^[A-Za-z0-9_]+$/.test(name)) {
  console.error(usage);
  process.exit(1);
}
if (!url) {
  console.error(`db:diff: DATABASE_URL is not set\n${usage}`);
  process.exit(1);
}
try {
  const dir = await diffMigration(url, subgraph, name);
  console.log(dir ? `wrote ${path.relative(process.cwd(), dir)}/migration.sql` : `${subgraph}: schema.prisma matches the last migration; nothing written`);
  process.exit(0);
} catch (e) {
  console.error(`db:diff failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
