// The project's migration tool (ARCHITECTURE.md §5): apply, create and check the SQL migrations of
// every subgraph under prisma/<name>/migrations, offline, through the wasm schema engine.
//
// Each subgraph lives in its own Postgres schema with its own `_prisma_migrations` table there.
// The folders use the standard Prisma layout (checksums are the sha256 of migration.sql, as the
// native engine writes them), so `prisma migrate deploy` would accept them where it can run.
// Beside each migration.sql we keep `schema.prisma.snapshot`, the schema.prisma that migration
// brings the database to: the next migration is the diff from it to the current schema.prisma.
// (Prisma ignores the file: it reads only migration.sql, and the name does not end in .prisma.)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { SchemaEngine } from "@prisma/schema-engine-wasm/schema_engine_bg";
import {
  LOCK_CONTENT,
  LOCK_FILE,
  SNAPSHOT_FILE,
  defaultPrismaDir,
  listSubgraphs,
  migrationsDir,
  noFilters,
  readMigrationFolders,
  schemaExists,
  schemaPath,
  toMigrationsList,
  withEngine,
} from "./engine.ts";

export interface MigrateOptions {
  /** Only these subgraphs (default: every folder under prisma/ with a schema.prisma). */
  subgraphs?: string[];
  log?: (msg: string) => void;
  /** The prisma/ root (default: the repository's); tests point it at a temporary copy. */
  prismaDir?: string;
}

export interface DiffOptions {
  prismaDir?: string;
  /** The migration's timestamp (default: now). */
  now?: Date;
}

export interface CheckOptions {
  subgraphs?: string[];
  prismaDir?: string;
}

function selectSubgraphs(prismaDir: string, wanted: string[] | undefined): string[] {
  const all = listSubgraphs(prismaDir);
  for (const name of wanted ?? []) {
    if (!all.includes(name))
      throw new Error(
        `unknown subgraph "${name}": no ${path.join(prismaDir, name, "schema.prisma")} (known: ${all.join(", ") || "none"})`,
      );
  }
  return wanted ?? all;
}

/** Applies every subgraph's pending migrations, each into its own schema. Returns the names
 * applied per subgraph (empty arrays when up to date). Throws, before applying anything to that
 * subgraph, if its history shows an applied migration whose file was edited since, or a failed
 * one: the engine would otherwise apply the rest silently. */
export async function migrateAll(databaseUrl: string, opts: MigrateOptions = {}): Promise<Record<string, string[]>> {
  const prismaDir = opts.prismaDir ?? defaultPrismaDir;
  const log = opts.log ?? (() => {});
  const applied: Record<string, string[]> = {};
  for (const subgraph of selectSubgraphs(prismaDir, opts.subgraphs)) {
    const folders = readMigrationFolders(prismaDir, subgraph);
    if (folders.length === 0) {
      log(`${subgraph}: no migrations`);
      applied[subgraph] = [];
      continue;
    }
    const missing = folders.filter((f) => f.sql === undefined).map((f) => f.name);
    if (missing.length > 0)
      throw new Error(`${subgraph}: migration folder(s) without migration.sql: ${missing.join(", ")}`);
    const migrationsList = toMigrationsList(prismaDir, subgraph, folders);

    applied[subgraph] = await withEngine(databaseUrl, { schema: subgraph, createSchema: true }, async ({ run }) => {
      const diagnosis = await run((e) =>
        e.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: noFilters }),
      );
      const problems = [
        ...diagnosis.editedMigrationNames.map(
          (n) =>
            `${n} was edited after it was applied (its checksum differs from "${subgraph}"._prisma_migrations); restore it and put the change in a new migration`,
        ),
        ...diagnosis.failedMigrationNames.map(
          (n) => `${n} failed when it was applied; fix the database by hand, then mark it rolled back`,
        ),
      ];
      if (problems.length > 0) throw new Error(`${subgraph}: refusing to migrate:\n  ${problems.join("\n  ")}`);
      const { appliedMigrationNames } = await run((e) => e.applyMigrations({ migrationsList, filters: noFilters }));
      return appliedMigrationNames;
    });
    const names = applied[subgraph];
    log(names.length === 0 ? `${subgraph}: up to date` : `${subgraph}: applied ${names.join(", ")}`);
  }
  return applied;
}

function datamodel(file: string, content: string) {
  return { tag: "schemaDatamodel" as const, files: [{ path: file, content }] };
}

/** UTC `YYYYMMDDHHMMSS`, later than `after` (the last folder's prefix) so the order holds even
 * for two migrations in one second. */
function timestamp(now: Date, after: string | undefined): string {
  const stamp = (d: Date) => d.toISOString().replace(/\D/g, "").slice(0, 14);
  let t = stamp(now);
  if (after !== undefined && /^\d{14}$/.test(after) && t <= after) {
    const n = after.match(/\d\d/g)!.map(Number); // [yy, yy, MM, dd, hh, mm, ss]
    t = stamp(new Date(Date.UTC(n[0]! * 100 + n[1]!, n[2]! - 1, n[3]!, n[4]!, n[5]!, n[6]! + 1)));
  }
  return t;
}

/** Writes prisma/<subgraph>/migrations/<YYYYMMDDHHMMSS>_<name>/ with the schema-qualified SQL
 * from the last migration's snapshot (or from nothing) to the current schema.prisma, plus the
 * new snapshot, and migration_lock.toml if missing. Returns the new folder's path, or null (and
 * writes nothing) when there is nothing to change. */
export async function diffMigration(
  databaseUrl: string,
  subgraph: string,
  name: string,
  opts: DiffOptions = {},
): Promise<string | null> {
  const prismaDir = opts.prismaDir ?? defaultPrismaDir;
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`migration name "${name}" may hold only letters, digits and _`);
  selectSubgraphs(prismaDir, [subgraph]);
  const folders = readMigrationFolders(prismaDir, subgraph);
  const last = folders.at(-1);
  if (last && last.snapshot === undefined) {
    throw new Error(
      `${subgraph}: ${last.name} has no ${SNAPSHOT_FILE}, so the datamodel as of the last migration is unknown; restore it first`,
    );
  }
  const current = readFileSync(schemaPath(prismaDir, subgraph), "utf8");
  const from = last ? datamodel(path.join(last.dir, SNAPSHOT_FILE), last.snapshot!) : { tag: "empty" as const };

  // No `schema` here: the engine then writes schema-qualified SQL ("users"."User").
  const { exitCode, stdout } = await withEngine(databaseUrl, {}, ({ run }) =>
    run((e) =>
      e.diff({
        from,
        to: datamodel(schemaPath(prismaDir, subgraph), current),
        script: true,
        exitCode: true,
        filters: noFilters,
      }),
    ),
  );
  if (exitCode === 0) return null;

  const base = migrationsDir(prismaDir, subgraph);
  const dir = path.join(base, `${timestamp(opts.now ?? new Date(), last?.name.slice(0, 14))}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "migration.sql"), stdout ?? "");
  writeFileSync(path.join(dir, SNAPSHOT_FILE), current);
  const lock = path.join(base, LOCK_FILE);
  if (!existsSync(lock)) writeFileSync(lock, LOCK_CONTENT);
  return dir;
}

/** Checks that every subgraph's schema.prisma, snapshots and migration.sql files agree, and
 * that no migration applied in the given database was edited since. Returns the problems found
 * (empty: all fine). Reads the database but changes nothing in it (shadow databases aside). */
export async function checkDrift(databaseUrl: string, opts: CheckOptions = {}): Promise<string[]> {
  const prismaDir = opts.prismaDir ?? defaultPrismaDir;
  const problems: string[] = [];
  for (const subgraph of selectSubgraphs(prismaDir, opts.subgraphs)) {
    const report = (msg: string) => problems.push(`${subgraph}: ${msg}`);
    const folders = readMigrationFolders(prismaDir, subgraph);
    const current = readFileSync(schemaPath(prismaDir, subgraph), "utf8");
    const last = folders.at(-1);

    if (folders.length > 0) {
      const lock = path.join(migrationsDir(prismaDir, subgraph), LOCK_FILE);
      if (!existsSync(lock)) report(`migrations/${LOCK_FILE} is missing`);
      else if (!/^\s*provider\s*=\s*"postgresql"\s*$/m.test(readFileSync(lock, "utf8")))
        report(`migrations/${LOCK_FILE} does not say provider = "postgresql"`);
    }
    for (const f of folders) {
      if (f.sql === undefined) report(`${f.name} has no migration.sql`);
      if (f.snapshot === undefined) report(`${f.name} has no ${SNAPSHOT_FILE}`);
    }
    const allSql = folders.every((f) => f.sql !== undefined);

    await withEngine(databaseUrl, {}, async ({ run }) => {
      const diff = (params: Parameters<SchemaEngine["diff"]>[0]) => run((e) => e.diff(params));
      // 1. A schema.prisma change that no migration carries.
      if (!last || last.snapshot !== undefined) {
        const from = last ? datamodel(path.join(last.dir, SNAPSHOT_FILE), last.snapshot!) : { tag: "empty" as const };
        const r = await diff({
          from,
          to: datamodel(schemaPath(prismaDir, subgraph), current),
          script: false,
          exitCode: true,
          filters: noFilters,
        });
        if (r.exitCode !== 0)
          report(
            `schema.prisma has changes that no migration carries; run \`pnpm db:diff ${subgraph} <name>\`\n${indent(r.stdout)}`,
          );
      }
      // 2. migration.sql files that do not produce their snapshot (edited by hand before being
      //    applied anywhere): replay them into a shadow database and compare.
      if (last?.snapshot !== undefined && allSql) {
        const r = await diff({
          from: { tag: "migrations", ...toMigrationsList(prismaDir, subgraph, folders) },
          to: datamodel(path.join(last.dir, SNAPSHOT_FILE), last.snapshot),
          script: false,
          exitCode: true,
          filters: noFilters,
        });
        if (r.exitCode !== 0)
          report(
            `replaying the migrations does not give ${last.name}/${SNAPSHOT_FILE} (was a migration.sql edited?)\n${indent(r.stdout)}`,
          );
      }
    });

    // 3. Migrations applied in this database whose file changed since. (No schema: nothing was
    //    applied, and opening an engine on it would create it.)
    if (folders.length > 0 && allSql && (await schemaExists(databaseUrl, subgraph))) {
      const diagnosis = await withEngine(databaseUrl, { schema: subgraph }, ({ run }) =>
        run((e) =>
          e.diagnoseMigrationHistory({
            migrationsList: toMigrationsList(prismaDir, subgraph, folders),
            optInToShadowDatabase: false,
            filters: noFilters,
          }),
        ),
      );
      for (const n of diagnosis.editedMigrationNames)
        report(`${n} was edited after it was applied (checksum differs from "${subgraph}"._prisma_migrations)`);
      for (const n of diagnosis.failedMigrationNames)
        report(`${n} is recorded as failed in "${subgraph}"._prisma_migrations`);
    }
  }
  return problems;
}

function indent(text: string | null): string {
  return (text ?? "")
    .trimEnd()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}
