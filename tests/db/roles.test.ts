// Each subgraph's Postgres role (scripts/db/roles.ts, ARCHITECTURE.md §3): its own schema's tables and
// nothing else. The whole suite runs the services as these roles (tests/setup/global.ts); this
// file checks what they must not be able to do.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { subgraphNames } from "@melodi/kit";
import { grantServiceRoles } from "../../scripts/db/roles.ts";

const urls = inject("serviceDatabaseUrls");
const clients: Record<string, pg.Client> = {};
beforeAll(async () => {
  for (const [subgraph, url] of Object.entries(urls)) {
    clients[subgraph] = new pg.Client({ connectionString: url });
    await clients[subgraph]!.connect();
  }
});
afterAll(async () => {
  for (const client of Object.values(clients)) await client.end();
});

/** The SQLSTATE a statement fails with, or "ok". */
async function outcome(subgraph: string, sql: string): Promise<string> {
  try {
    await clients[subgraph]!.query(sql);
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}
const DENIED = "42501";

describe("service roles", () => {
  it("read and write their own schema's tables", async () => {
    expect(await outcome("users", `SELECT count(*) FROM "users"."User"`)).toBe("ok");
    expect(await outcome("catalog", `SELECT count(*) FROM "catalog"."Artist"`)).toBe("ok");
    // What catalog's search runs: pg_trgm lives in the catalog schema.
    expect(await outcome("catalog", `SELECT "catalog".similarity('corazon', 'corazn')`)).toBe("ok");
    expect(await outcome("catalog", `BEGIN; UPDATE "catalog"."Genre" SET "name" = "name"; ROLLBACK`)).toBe("ok");
    // The outbox and the record of applied events, in every subgraph that has them.
    for (const subgraph of ["users", "catalog"]) {
      const outbox = `BEGIN; INSERT INTO "${subgraph}"."OutboxEvent" ("id", "type", "payload") VALUES (gen_random_uuid(), 't', '{}');`;
      const relay = `UPDATE "${subgraph}"."OutboxEvent" SET "deliveredAt" = now(); DELETE FROM "${subgraph}"."OutboxEvent";`;
      expect(await outcome(subgraph, `${outbox} ${relay} ROLLBACK`), subgraph).toBe("ok");
    }
    expect(
      await outcome(
        "catalog",
        `BEGIN; INSERT INTO "catalog"."ProcessedEvent" ("id", "type") VALUES (gen_random_uuid(), 't'); ROLLBACK`,
      ),
    ).toBe("ok");
  });

  it("cannot touch another subgraph's schema", async () => {
    // Every pair of subgraphs: none reads another's migration history or tables.
    for (const subgraph of subgraphNames()) {
      for (const other of subgraphNames().filter((o) => o !== subgraph)) {
        expect(
          await outcome(subgraph, `SELECT count(*) FROM "${other}"."_prisma_migrations"`),
          `${subgraph} → ${other}`,
        ).toBe(DENIED);
      }
    }
    expect(await outcome("catalog", `SELECT count(*) FROM "users"."User"`)).toBe(DENIED);
    expect(await outcome("catalog", `SELECT count(*) FROM "users"."Credential"`)).toBe(DENIED);
    expect(await outcome("users", `SELECT count(*) FROM "catalog"."Artist"`)).toBe(DENIED);
  });

  it("cannot change the schema or its migration history", async () => {
    for (const subgraph of subgraphNames()) {
      expect(await outcome(subgraph, `CREATE TABLE "${subgraph}"."intruder" (id int)`), subgraph).toBe(DENIED);
      expect(await outcome(subgraph, `DROP TABLE "${subgraph}"."_prisma_migrations"`), subgraph).toBe(DENIED);
      expect(await outcome(subgraph, `SELECT count(*) FROM "${subgraph}"."_prisma_migrations"`), subgraph).toBe(DENIED);
      expect(await outcome(subgraph, `CREATE SCHEMA "intruder_${subgraph}"`), subgraph).toBe(DENIED);
    }
    expect(await outcome("catalog", `ALTER TABLE "catalog"."Artist" ADD COLUMN "x" int`)).toBe(DENIED);
    expect(await outcome("catalog", `TRUNCATE "catalog"."Artist"`)).toBe(DENIED);
    expect(await outcome("users", `CREATE TABLE public.intruder (id int)`)).toBe(DENIED);
    expect(await outcome("users", `CREATE TEMP TABLE intruder (id int)`)).toBe(DENIED);
  });

  it("grants again without error (every db:migrate does)", async () => {
    const roleOf = (url: string) => decodeURIComponent(new URL(url).username);
    const passwordOf = (url: string) => decodeURIComponent(new URL(url).password);
    const roles = Object.entries(urls).map(([subgraph, url]) => ({
      subgraph,
      role: roleOf(url),
      password: passwordOf(url),
    }));
    await grantServiceRoles(inject("databaseUrl"), roles);
    expect(await outcome("catalog", `SELECT count(*) FROM "catalog"."Song"`)).toBe("ok");
  });
});
