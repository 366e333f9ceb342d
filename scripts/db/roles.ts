// One Postgres role per subgraph (ARCHITECTURE.md §3): it may connect to the database and read and
// write the tables of its own schema, and nothing else: no other subgraph's schema, no DDL (not
// even temporary tables), not its migration history. Migrations run as the database owner;
// `pnpm db:migrate` then (re)applies these grants, so tables added by later migrations are
// covered too (and by the default privileges below).
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import pg from "pg";
import { quoteIdent } from "./engine.ts";

export interface ServiceRole {
  /** The subgraph, which is also its schema's name. */
  subgraph: string;
  /** The role its service connects as. */
  role: string;
  password: string;
}

/**
 * The password as Postgres stores it (a SCRAM-SHA-256 verifier), so the statement that sets it
 * never carries the password itself (a failing statement is logged).
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

export async function grantServiceRoles(databaseUrl: string, roles: ServiceRole[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const database = quoteIdent(decodeURIComponent(new URL(databaseUrl).pathname.slice(1)));
  const schemas = roles.map((r) => quoteIdent(r.subgraph));
  try {
    // One migrate at a time, all or nothing.
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext('melodi:service-roles'))");
    // Nobody but the owner and the roles granted below may connect or make temporary tables.
    await client.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
    await client.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
    for (const { subgraph, role, password } of roles) {
      const r = quoteIdent(role);
      const schema = quoteIdent(subgraph);
      const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]);
      if (exists.rowCount === 0) await client.query(`CREATE ROLE ${r}`);
      await client.query(
        `ALTER ROLE ${r} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${client.escapeLiteral(scramVerifier(password))}`,
      );
      await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${r}`);
      // Whatever the role held before in any subgraph's schema goes; then its own, again.
      for (const other of schemas) {
        await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${other} FROM ${r}`);
        await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${other} FROM ${r}`);
        await client.query(`REVOKE ALL ON SCHEMA ${other} FROM ${r}`);
      }
      await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${r}`);
      await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${r}`);
      await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${r}`);
      await client.query(`REVOKE ALL ON ${schema}."_prisma_migrations" FROM ${r}`);
      // Tables the owner (who runs the migrations) creates later get the same grants.
      await client.query(
        `ALTER DEFAULT PRIVILEGES FOR ROLE current_user IN SCHEMA ${schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${r}`,
      );
      await client.query(
        `ALTER DEFAULT PRIVILEGES FOR ROLE current_user IN SCHEMA ${schema} GRANT USAGE, SELECT ON SEQUENCES TO ${r}`,
      );
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}

/** Removes roles made by grantServiceRoles (tests make their own per run), once their database is gone. */
export async function dropServiceRoles(databaseUrl: string, roles: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const role of roles) {
      if ((await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount === 0) continue;
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
