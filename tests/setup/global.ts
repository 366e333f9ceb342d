// Once per test run: a fresh database with every migration applied, shared by all test files
// (each test makes its own users, so none depends on another's data), dropped at the end. The
// services connect as their own least-privileged roles (scripts/db/roles.ts), as deployed, so
// every test also checks that those grants are enough; tests that need the owner (DDL) use
// `databaseUrl`.
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { subgraphNames } from "@melodi/kit";
import { migrateAll } from "../../scripts/db/migrations.ts";
import { dropServiceRoles, grantServiceRoles, urlForRole, type ServiceRole } from "../../scripts/db/roles.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The database owner: migrations, DDL. */
    databaseUrl: string;
    /** Each subgraph's own role, by subgraph name (every entry of subgraphs.json). */
    serviceDatabaseUrls: Record<string, string>;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error("DATABASE_URL is not set: run the tests with `pnpm test`.");
  const name = `melodi_test_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // Roles an interrupted run left behind (their database is gone; a running one's is not).
  const orphans = await admin.query<{ rolname: string }>(
    `SELECT rolname FROM pg_roles r WHERE rolname LIKE 'melodi\\_test\\_%' AND NOT EXISTS (SELECT 1 FROM pg_database d WHERE r.rolname LIKE d.datname || '\\_%')`,
  );
  await dropServiceRoles(
    adminUrl,
    orphans.rows.map((r) => r.rolname),
  );
  // Roles are per cluster: names of this run's own.
  const roles: ServiceRole[] = subgraphNames().map((subgraph) => ({
    subgraph,
    role: `${name}_${subgraph}`,
    password: randomBytes(12).toString("hex"),
  }));
  const teardown = async () => {
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropServiceRoles(
        adminUrl,
        roles.map((r) => r.role),
      );
    } finally {
      await admin.end();
    }
  };
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    await migrateAll(url.toString());
    await grantServiceRoles(url.toString(), roles);
    project.provide("databaseUrl", url.toString());
    project.provide(
      "serviceDatabaseUrls",
      Object.fromEntries(roles.map((role) => [role.subgraph, urlForRole(url.toString(), role)])),
    );
    project.provide("redisUrl", process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
