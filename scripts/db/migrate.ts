// `pnpm db:migrate`: applies every subgraph's pending migrations to $DATABASE_URL (as the
// database owner). With USERS_DB_PASSWORD / CATALOG_DB_PASSWORD set, it then creates or updates
// the role each service connects as, melodi_users / melodi_catalog, with rights on its own
// schema's tables only (scripts/db/roles.ts, DESIGN.md §3). Local runs leave them unset and use
// one account.
// Exits explicitly: the engine and pg are disposed, but a CLI should not depend on it.
import { localDatabase } from "./databaseUrl.ts";
import { migrateAll } from "./migrations.ts";
import { grantServiceRoles, type ServiceRole } from "./roles.ts";

const passwords: Record<string, string | undefined> = { users: process.env.USERS_DB_PASSWORD, catalog: process.env.CATALOG_DB_PASSWORD };
const roles: ServiceRole[] = Object.entries(passwords).flatMap(([subgraph, password]) => (password ? [{ subgraph, role: `melodi_${subgraph}`, password }] : []));
// They go into DATABASE_URLs as they are (docker-compose.yml): no characters a URL would mangle.
for (const { subgraph, password } of roles) {
  if (!/^[A-Za-z0-9._~-]{16,}$/.test(password)) {
    console.error(`db:migrate: ${subgraph.toUpperCase()}_DB_PASSWORD must be at least 16 URL-safe characters (letters, digits, . _ ~ -)`);
    process.exit(1);
  }
}

const db = await localDatabase();
const url = db.url;
try {
  await migrateAll(url, { log: (msg) => console.log(msg) });
  if (roles.length > 0) {
    await grantServiceRoles(url, roles);
    console.log(`roles: ${roles.map((r) => `${r.role} (schema ${r.subgraph})`).join(", ")}`);
  }
  await db.stop();
  process.exit(0);
} catch (e) {
  console.error(`db:migrate failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
