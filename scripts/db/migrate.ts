// `pnpm db:migrate`: applies every subgraph's pending migrations to $DATABASE_URL (as the
// database owner). For each subgraph of subgraphs.json whose <NAME>_DB_PASSWORD is set
// (USERS_DB_PASSWORD, ...), it then creates or updates the role its service connects as,
// melodi_<name>, with rights on its own schema's tables only (scripts/db/roles.ts). Local runs
// leave them unset and use one account.
// Exits explicitly: the engine and pg are disposed, but a CLI should not depend on it.
import { localDatabase } from "./databaseUrl.ts";
import { migrateAll } from "./migrations.ts";
import { dbPasswordVariable, subgraphNames } from "@melodi/kit";
import { grantServiceRoles, type ServiceRole } from "./roles.ts";

const roles: ServiceRole[] = subgraphNames().flatMap((subgraph) => {
  const password = process.env[dbPasswordVariable(subgraph)];
  return password ? [{ subgraph, role: `melodi_${subgraph}`, password }] : [];
});
// They go into DATABASE_URLs as they are (docker-compose.yml): no characters a URL would mangle.
for (const { subgraph, password } of roles) {
  if (!/^[A-Za-z0-9._~-]{16,}$/.test(password)) {
    console.error(
      `db:migrate: ${dbPasswordVariable(subgraph)} must be at least 16 URL-safe characters (letters, digits, . _ ~ -)`,
    );
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
