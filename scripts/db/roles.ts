// One Postgres role per subgraph (DESIGN.md §3): it may read and write the tables of its own
// schema and nothing else: no other subgraph's schema, no DDL, not its migration history.
// Migrations run as the database owner; `pnpm db:migrate` then (re)applies these grants, so
// tables added by later migrations are covered too (and by the default privileges below).
import pg from "pg";
import { quoteIdent } from "./engine.ts";

export interface ServiceRole {
  /** The subgraph, which is also its schema's name. */
  subgraph: string;
  /** The role its service connects as. */
  role: string;
  password: string;
}

export async function grantServiceRoles(databaseUrl: string, roles: ServiceRole[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const { subgraph, role, password } of roles) {
      const r = quoteIdent(role);
      const schema = quoteIdent(subgraph);
      const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]);
      if (exists.rowCount === 0) await client.query(`CREATE ROLE ${r} LOGIN`);
      // ALTER ROLE takes no bind parameters: the password goes in as an escaped literal.
      await client.query(`ALTER ROLE ${r} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${client.escapeLiteral(password)}`);
      await client.query(`REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`);
      await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${r}`);
      await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${r}`);
      await client.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${r}`);
      await client.query(`REVOKE ALL ON ${schema}."_prisma_migrations" FROM ${r}`);
      // Tables the owner creates later (the next migration) get the same grants.
      await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${r}`);
      await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${r}`);
    }
  } finally {
    await client.end();
  }
}

/** Removes roles made by grantServiceRoles (tests make their own per run). */
export async function dropServiceRoles(databaseUrl: string, roles: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const role of roles) {
      if ((await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount === 0) continue;
      await client.query(`DROP OWNED BY ${quoteIdent(role)}`);
      await client.query(`DROP ROLE ${quoteIdent(role)}`);
    }
  } finally {
    await client.end();
  }
}

/** `databaseUrl` with the role's name and password instead of the owner's. */
export function urlForRole(databaseUrl: string, role: ServiceRole): string {
  const url = new URL(databaseUrl);
  url.username = encodeURIComponent(role.role);
  url.password = encodeURIComponent(role.password);
  return url.toString();
}
