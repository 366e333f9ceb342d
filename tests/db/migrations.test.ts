// The offline migration tool (scripts/db): applying, diffing and drift checks, against a real
// Postgres. process.env.DATABASE_URL is an admin connection; every test database is created
// here with a unique name and dropped afterwards, and prisma/ trees that get modified are
// temporary copies.
import { randomUUID } from "node:crypto";
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { SNAPSHOT_FILE, defaultPrismaDir, listSubgraphs, readMigrationFolders } from "../../scripts/db/engine.ts";
import { checkDrift, diffMigration, migrateAll } from "../../scripts/db/migrations.ts";

const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) throw new Error("tests/db needs DATABASE_URL: an admin connection to a Postgres server");

const databases: string[] = [];
const tempDirs: string[] = [];

async function admin<T>(fn: (c: pg.Client) => Promise<T>, url: string = adminUrl!): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new empty database; returns its URL. */
async function freshDatabase(): Promise<string> {
  const name = `melodi_migtest_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  databases.push(name);
  const url = new URL(adminUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A temporary copy of the repository's prisma/ tree. */
function prismaCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "melodi-prisma-"));
  tempDirs.push(dir);
  cpSync(defaultPrismaDir, dir, { recursive: true });
  return dir;
}

function tables(url: string, schema: string): Promise<string[]> {
  return admin(async (c) => {
    const r = await c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1", [
      schema,
    ]);
    return r.rows.map((row: { table_name: string }) => row.table_name);
  }, url);
}

afterAll(async () => {
  for (const name of databases) await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  // The engine's shadow databases must not outlive a check. Another run on the same cluster (a
  // second checkout's tests) may have one open for a moment: only one that stays counts.
  const shadows = async () =>
    (
      await admin((c) => c.query("SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'"))
    ).rows.map((r: { datname: string }) => r.datname);
  const seen = await shadows();
  let left = seen;
  for (let i = 0; i < 50 && left.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = (await shadows()).filter((name) => seen.includes(name));
  }
  expect(left).toEqual([]);
});

const committed = readMigrationFolders(defaultPrismaDir, "users").map((f) => f.name);
/** Every subgraph's committed migrations, as migrateAll reports them for a fresh database. */
const allCommitted = Object.fromEntries(
  listSubgraphs().map((name) => [name, readMigrationFolders(defaultPrismaDir, name).map((f) => f.name)]),
);
const nothingPending = Object.fromEntries(listSubgraphs().map((name) => [name, []]));

/** A model to add to users' schema.prisma (appended, so the tests do not depend on its text). */
const probeModel = `\nmodel Probe {\n  id    Int    @id\n  label String @db.VarChar(40)\n\n  @@schema("users")\n}\n`;

describe("migrateAll", () => {
  it("applies every migration into a fresh database, and nothing on a second run", async () => {
    expect(committed.length).toBeGreaterThan(0);
    const url = await freshDatabase();
    const logged: string[] = [];
    expect(await migrateAll(url, { log: (m) => logged.push(m) })).toEqual(allCommitted);
    expect(logged).toContain(`users: applied ${committed.join(", ")}`);
    expect(await migrateAll(url)).toEqual(nothingPending);

    // Each subgraph keeps its own history in its own schema; nothing lands in public.
    expect(await tables(url, "users")).toEqual(
      expect.arrayContaining([
        "_prisma_migrations",
        "User",
        "Profile",
        "Follow",
        "Session",
        "RefreshToken",
        "Credential",
      ]),
    );
    expect(await tables(url, "public")).toEqual([]);
  });

  it("runs a hand-written migration whole: semicolons in comments and a dollar-quoted trigger body", async () => {
    const dir = prismaCopy();
    const schema = `datasource db {\n  provider = "postgresql"\n  schemas  = ["probe"]\n}\n\nmodel Note {\n  id   Int    @id\n  body String\n  size Int    @default(0)\n\n  @@schema("probe")\n}\n`;
    mkdirSync(path.join(dir, "probe"));
    writeFileSync(path.join(dir, "probe", "schema.prisma"), schema);
    const url = await freshDatabase();
    const created = await diffMigration(url, "probe", "init", { prismaDir: dir });
    appendFileSync(
      path.join(created!, "migration.sql"),
      `\n-- a comment; with semicolons; in it\nCREATE FUNCTION "probe".note_size() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW."size" := length(NEW."body");\n  RETURN NEW;\nEND\n$$;\nCREATE TRIGGER note_size BEFORE INSERT ON "probe"."Note" FOR EACH ROW EXECUTE FUNCTION "probe".note_size();\n`,
    );
    await migrateAll(url, { prismaDir: dir, subgraphs: ["probe"] });
    const size = await admin(
      async (c) =>
        (await c.query(`INSERT INTO "probe"."Note" (id, body) VALUES (1, 'hello') RETURNING size`)).rows[0].size,
      url,
    );
    expect(size).toBe(5);
    expect(await checkDrift(url, { prismaDir: dir, subgraphs: ["probe"] })).toEqual([]);
  });

  it("keeps one _prisma_migrations per subgraph schema", async () => {
    // One more subgraph beside the real ones: with a shared, unqualified table the second apply
    // would fail with `relation "_prisma_migrations" already exists`.
    const dir = prismaCopy();
    mkdirSync(path.join(dir, "probe"));
    writeFileSync(
      path.join(dir, "probe", "schema.prisma"),
      `datasource db {\n  provider = "postgresql"\n  schemas  = ["probe"]\n}\n\nmodel Track {\n  id    String @id @db.Uuid\n  title String @db.VarChar(200)\n\n  @@schema("probe")\n}\n`,
    );
    const url = await freshDatabase();
    const created = await diffMigration(url, "probe", "init", { prismaDir: dir });
    expect(created).not.toBeNull();
    const result = await migrateAll(url, { prismaDir: dir });
    expect(result).toEqual({ ...allCommitted, probe: [path.basename(created!)] });
    expect(await tables(url, "probe")).toEqual(["Track", "_prisma_migrations"]);
    expect(await tables(url, "users")).toContain("_prisma_migrations");
    expect(await migrateAll(url, { prismaDir: dir, subgraphs: ["probe"] })).toEqual({ probe: [] });
    expect(await checkDrift(url, { prismaDir: dir })).toEqual([]);
  });

  it("refuses an applied migration that was edited since, and checkDrift reports it", async () => {
    const dir = prismaCopy();
    const url = await freshDatabase();
    await migrateAll(url, { prismaDir: dir });
    const first = readMigrationFolders(dir, "users")[0]!;
    appendFileSync(path.join(first.dir, "migration.sql"), "\n-- edited after it was applied\n");

    await expect(migrateAll(url, { prismaDir: dir })).rejects.toThrow(`${first.name} was edited after it was applied`);
    expect(await checkDrift(url, { prismaDir: dir })).toEqual([
      expect.stringContaining(`users: ${first.name} was edited after it was applied`),
    ]);
    // Where it was never applied, the same edit is no problem (it changes no schema).
    expect(await checkDrift(await freshDatabase(), { prismaDir: dir })).toEqual([]);
  });
});

describe("checkDrift", () => {
  it("reports nothing for the repository as committed", async () => {
    const url = await freshDatabase();
    expect(await checkDrift(url)).toEqual([]);
    await migrateAll(url);
    expect(await checkDrift(url)).toEqual([]);
  });

  it("reports a schema.prisma change that no migration carries", async () => {
    const dir = prismaCopy();
    appendFileSync(path.join(dir, "users", "schema.prisma"), probeModel);
    const problems = await checkDrift(await freshDatabase(), { prismaDir: dir });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^users: schema\.prisma has changes that no migration carries/);
    expect(problems[0]).toContain("Probe");
  });

  it("reports a migration without its snapshot, and SQL that does not give its snapshot", async () => {
    const dir = prismaCopy();
    const folders = readMigrationFolders(dir, "users");
    const last = folders.at(-1)!;
    // The latest migration that creates an index, without one of them (hand-written migrations,
    // such as triggers, create none): replaying them all no longer gives the last snapshot.
    const withIndex = folders.findLast((f) =>
      readFileSync(path.join(f.dir, "migration.sql"), "utf8").includes("-- CreateIndex"),
    )!;
    const sqlFile = path.join(withIndex.dir, "migration.sql");
    const original = readFileSync(sqlFile, "utf8");
    const edited = original.replace(/-- CreateIndex\nCREATE INDEX [^\n]*\n/, "");
    expect(edited, `${withIndex.name} creates an index`).not.toBe(original);
    writeFileSync(sqlFile, edited);
    const url = await freshDatabase();
    expect(await checkDrift(url, { prismaDir: dir })).toEqual([
      expect.stringMatching(new RegExp(`^users: replaying the migrations does not give ${last.name}/`)),
    ]);

    rmSync(path.join(last.dir, SNAPSHOT_FILE));
    expect(await checkDrift(url, { prismaDir: dir })).toEqual([`users: ${last.name} has no ${SNAPSHOT_FILE}`]);
    await expect(diffMigration(url, "users", "next", { prismaDir: dir })).rejects.toThrow(`has no ${SNAPSHOT_FILE}`);
  });
});

describe("diffMigration", () => {
  it("writes nothing when schema.prisma matches the last migration", async () => {
    const dir = prismaCopy();
    expect(await diffMigration(await freshDatabase(), "users", "noop", { prismaDir: dir })).toBeNull();
    expect(readMigrationFolders(dir, "users").map((f) => f.name)).toEqual(committed);
  });

  it("writes a new folder with schema-qualified SQL and a snapshot, which then applies", async () => {
    const dir = prismaCopy();
    const url = await freshDatabase();
    await migrateAll(url, { prismaDir: dir });
    const schema = path.join(dir, "users", "schema.prisma");
    appendFileSync(schema, probeModel);
    const changed = readFileSync(schema, "utf8");

    const created = await diffMigration(url, "users", "add_probe", { prismaDir: dir });
    expect(created).not.toBeNull();
    expect(path.dirname(created!)).toBe(path.join(dir, "users", "migrations"));
    expect(path.basename(created!)).toMatch(/^\d{14}_add_probe$/);
    expect(path.basename(created!) > committed.at(-1)!).toBe(true);
    const sql = readFileSync(path.join(created!, "migration.sql"), "utf8");
    expect(sql).toContain(`CREATE TABLE "users"."Probe" (`);
    expect(sql).not.toMatch(/(TABLE|ON) "Probe"/); // every name schema-qualified
    expect(readFileSync(path.join(created!, SNAPSHOT_FILE), "utf8")).toBe(changed);

    expect(await checkDrift(url, { prismaDir: dir })).toEqual([]);
    expect(await migrateAll(url, { prismaDir: dir })).toEqual({ ...nothingPending, users: [path.basename(created!)] });
    expect(await diffMigration(url, "users", "again", { prismaDir: dir })).toBeNull();
  });

  it("starts a subgraph's history from nothing, with the lock file", async () => {
    // The schema as of the first committed migration, with no migrations: the new first
    // migration must be exactly the committed one.
    const dir = prismaCopy();
    const first = readMigrationFolders(dir, "users")[0]!;
    writeFileSync(path.join(dir, "users", "schema.prisma"), first.snapshot!);
    rmSync(path.join(dir, "users", "migrations"), { recursive: true });
    const created = await diffMigration(await freshDatabase(), "users", "init", { prismaDir: dir });
    expect(created).not.toBeNull();
    expect(readFileSync(path.join(dir, "users", "migrations", "migration_lock.toml"), "utf8")).toMatch(
      /^provider = "postgresql"$/m,
    );
    expect(readFileSync(path.join(created!, "migration.sql"), "utf8")).toBe(first.sql);
    expect(readdirSync(created!).sort()).toEqual(["migration.sql", SNAPSHOT_FILE]);
  });

  it("rejects bad names and unknown subgraphs", async () => {
    await expect(diffMigration(adminUrl!, "users", "bad-name")).rejects.toThrow(/letters, digits and _/);
    await expect(diffMigration(adminUrl!, "nope", "init")).rejects.toThrow(/unknown subgraph "nope"/);
  });
});
