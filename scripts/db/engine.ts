// The Prisma schema engine, run offline as WebAssembly over a `pg` pool (ARCHITECTURE.md §5).
//
// The native schema engine cannot be downloaded here, and `@prisma/migrate`'s wrapper looks for a
// wasm file its package does not ship, so we instantiate `@prisma/schema-engine-wasm` ourselves
// and hand it a driver-adapter factory built on `@prisma/adapter-pg`.
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import * as bg from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { MigrationList, SchemaEngine, SchemaFilter } from "@prisma/schema-engine-wasm/schema_engine_bg";
import pg from "pg";

export type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm/schema_engine_bg";

/** No tables or enums are managed outside Prisma. */
export const noFilters: SchemaFilter = { externalTables: [], externalEnums: [] };

// ---------------------------------------------------------------------------------------------
// Loading the wasm module (once per process).

let loaded: Promise<void> | undefined;

// The project's lib settings (es2024, no DOM) carry no WebAssembly types; this is all we use.
const wasmApi = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
    };
  }
).WebAssembly;

function loadWasm(): Promise<void> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const jsPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bytes = readFileSync(path.join(path.dirname(jsPath), "schema_engine_bg.wasm"));
    // The wasm imports its JS glue under this module name. We pass the glue as is, except for
    // setTimeout: the engine arms ~10 s timers (e.g. after applyMigrations) and never clears
    // them, which would keep a CLI or a test worker alive. Unref'd timers still fire while the
    // process has other work, so the engine behaves the same; they just never hold it open.
    const glue: Record<string, unknown> = { ...bg };
    for (const name of Object.keys(glue)) {
      if (name.startsWith("__wbg_setTimeout_")) {
        glue[name] = (callback: () => void, ms: number) => setTimeout(callback, ms >>> 0).unref();
      }
    }
    const { instance } = await wasmApi.instantiate(bytes, { "./schema_engine_bg.js": glue });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return loaded;
}

/** The engine's own version hash; must equal the `prisma` CLI's engine hash. */
export async function engineVersion(): Promise<string> {
  await loadWasm();
  return bg.version();
}

// ---------------------------------------------------------------------------------------------
// The pg pools and the driver-adapter factory.

/** Workaround 1: adapter-pg maps no column type for Postgres OID 18 (`"char"`, used by the
 * catalog columns the engine introspects, e.g. pg_constraint.contype) and fails with
 * "Column type 'char' could not be deserialized". pg already parsed the values as strings, so
 * relabelling those result fields as `text` (OID 25) is all that is needed. Done in the client
 * so that both pool queries and transaction queries get it. */
const CHAR_OID = 18;
const TEXT_OID = 25;

function charAsText<T>(result: T): T {
  for (const r of Array.isArray(result) ? result : [result]) {
    for (const field of (r as pg.QueryResult | undefined)?.fields ?? []) {
      if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
    }
  }
  return result;
}

class CharAsTextClient extends pg.Client {
  // pg.Pool calls client.query(config, values, callback); adapter-pg's transactions call
  // client.query(config) and await the promise. Both forms are covered.
  // biome-ignore lint/suspicious/noExplicitAny: pg.Client.query is overloaded (a promise or void); this override serves both.
  override query(...args: unknown[]): any {
    const callback = args.at(-1);
    const query = super.query as (...a: unknown[]) => unknown;
    if (typeof callback === "function") {
      args[args.length - 1] = (err: unknown, res: unknown) => callback(err, err ? res : charAsText(res));
      return query.apply(this, args);
    }
    const result = query.apply(this, args);
    return result instanceof Promise ? result.then(charAsText) : result;
  }
}

function newPool(databaseUrl: string, schema: string | undefined, database?: string): pg.Pool {
  return new pg.Pool({
    // pg lets the connection string win over `database`, so another database has to be written
    // into the URL rather than passed beside it (adapter-pg's own connectToShadowDb does the
    // latter, which for a URL-configured pool would replay migrations into the main database).
    connectionString: database ? withDatabase(databaseUrl, database) : databaseUrl,
    // The engine creates `_prisma_migrations` unqualified: with the subgraph's schema first on
    // the search path each subgraph gets its own table instead of five colliding in `public`.
    ...(schema ? { options: `-c search_path=${quoteIdent(schema)}` } : {}),
    Client: CharAsTextClient,
    max: 4,
    // Idle connections never keep the process alive, even if a caller forgets dispose().
    allowExitOnIdle: true,
  });
}

function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

// ---------------------------------------------------------------------------------------------
// Opening an engine.

export interface EngineOptions {
  /** The subgraph's Postgres schema. Set it to apply or diagnose migrations (the engine then
   * keeps `_prisma_migrations` in that schema); leave it unset to diff, so that the generated
   * SQL names its tables schema-qualified (`"users"."User"`). */
  schema?: string;
  /** CREATE SCHEMA IF NOT EXISTS before the engine connects, as the note found necessary for
   * applying. (The engine itself also creates the adapter's schema on connect, so read-only
   * callers should first check `schemaExists`.) */
  createSchema?: boolean;
  /** Receives the engine's log lines. */
  log?: (line: string) => void;
}

export interface Engine {
  engine: SchemaEngine;
  /** Runs one engine call and turns "External error id#N" into the driver error behind it. */
  run<T>(call: (engine: SchemaEngine) => Promise<T>): Promise<T>;
  /** Frees the engine, closes every pool, drops any shadow database left behind. */
  dispose(): Promise<void>;
}

/**
 * Workaround 3: adapter-pg runs a migration script by splitting it on every ";", which breaks
 * a semicolon inside a comment, a string or a dollar-quoted function body (a trigger). Postgres
 * runs a multi-statement script itself when it is sent as one simple query, as the native
 * engine does, and as one implicit transaction; errors go through the adapter's own handler.
 */
function wholeScripts<T extends SqlDriverAdapter>(adapter: T): T {
  const queryable = adapter as unknown as {
    underlyingDriver(): pg.Pool | pg.PoolClient;
    onError(error: unknown): never;
  };
  adapter.executeScript = async (script: string) => {
    try {
      await queryable.underlyingDriver().query(script);
    } catch (error) {
      queryable.onError(error);
    }
  };
  return adapter;
}

export async function openEngine(databaseUrl: string, opts: EngineOptions = {}): Promise<Engine> {
  await loadWasm();
  const { schema } = opts;
  const pool = newPool(databaseUrl, schema);
  const shadows = new Map<string, pg.Pool>();

  const dropShadow = async (database: string): Promise<void> => {
    // Workaround 2: adapter-pg drops the shadow database while its own pool still holds a
    // connection to it ("is being accessed by other users"). Close that pool first, then FORCE
    // in case the server still counts a closing backend.
    await shadows.get(database)?.end();
    shadows.delete(database);
    await pool.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
  };

  const main = new PrismaPg(pool, schema ? { schema } : undefined);
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: "postgres",
    adapterName: main.adapterName,
    connect: async () => wholeScripts(await main.connect()),
    async connectToShadowDb(): Promise<SqlDriverAdapter> {
      const database = `prisma_migrate_shadow_db_${randomUUID()}`;
      await pool.query(`CREATE DATABASE ${quoteIdent(database)}`);
      const shadowPool = newPool(databaseUrl, schema, database);
      shadows.set(database, shadowPool);
      const adapter = wholeScripts(await new PrismaPg(shadowPool, schema ? { schema } : undefined).connect());
      return Object.assign(adapter, { dispose: () => dropShadow(database) });
    },
  };
  const bound = bindMigrationAwareSqlAdapterFactory(factory);

  const explain = (err: unknown): Error => {
    const message = err instanceof Error ? err.message : String(err);
    const id = /External error id#(\d+)/.exec(message)?.[1];
    const cause = id === undefined ? undefined : bound.errorRegistry.consumeError(Number(id))?.error;
    if (cause === undefined) return err instanceof Error ? err : new Error(message);
    const detail = cause instanceof Error ? cause.message : JSON.stringify(cause);
    return new Error(`${message}: ${detail}`, { cause });
  };

  let engine: SchemaEngine;
  try {
    if (schema && opts.createSchema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    const log = opts.log ?? (() => {});
    engine = await bg.SchemaEngine.new({ datamodels: undefined }, log, bound).catch((e: unknown) => {
      throw explain(e);
    });
  } catch (e) {
    await pool.end();
    throw e;
  }

  let disposed = false;
  return {
    engine,
    run: (call) =>
      call(engine).catch((e: unknown) => {
        throw explain(e);
      }),
    async dispose() {
      if (disposed) return;
      disposed = true;
      engine.free();
      for (const database of [...shadows.keys()]) await dropShadow(database).catch(() => {});
      await pool.end();
    },
  };
}

/** Whether the database has this schema, asked without an engine (which would create it). */
export async function schemaExists(databaseUrl: string, schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
    return rowCount === 1;
  } finally {
    await client.end();
  }
}

/** Opens an engine, runs `fn`, always disposes. */
export async function withEngine<T>(
  databaseUrl: string,
  opts: EngineOptions,
  fn: (e: Engine) => Promise<T>,
): Promise<T> {
  const e = await openEngine(databaseUrl, opts);
  try {
    return await fn(e);
  } finally {
    await e.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// The prisma/ tree on disk.

export const SNAPSHOT_FILE = "schema.prisma.snapshot";
export const LOCK_FILE = "migration_lock.toml";
export const LOCK_CONTENT = `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n`;

/** The repository's prisma/ folder. */
export const defaultPrismaDir = path.resolve(import.meta.dirname, "../../prisma");

/** Subgraph names: the folders under prisma/ that hold a schema.prisma. */
export function listSubgraphs(prismaDir: string = defaultPrismaDir): string[] {
  return readdirSync(prismaDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(prismaDir, d.name, "schema.prisma")))
    .map((d) => d.name)
    .sort();
}

export interface MigrationFolder {
  /** The folder name, which is the migration's name: `<timestamp>_<name>`. */
  name: string;
  dir: string;
  sql: string | undefined;
  /** The schema.prisma this migration brings the database to, if the folder keeps it. */
  snapshot: string | undefined;
}

export function migrationsDir(prismaDir: string, subgraph: string): string {
  return path.join(prismaDir, subgraph, "migrations");
}

export function schemaPath(prismaDir: string, subgraph: string): string {
  return path.join(prismaDir, subgraph, "schema.prisma");
}

/** The subgraph's migration folders, oldest first (names start with a UTC timestamp). */
export function readMigrationFolders(prismaDir: string, subgraph: string): MigrationFolder[] {
  const base = migrationsDir(prismaDir, subgraph);
  if (!existsSync(base)) return [];
  const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : undefined);
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = path.join(base, name);
      return { name, dir, sql: read(path.join(dir, "migration.sql")), snapshot: read(path.join(dir, SNAPSHOT_FILE)) };
    });
}

/** The folders in the shape the engine's migration commands take. */
export function toMigrationsList(
  prismaDir: string,
  subgraph: string,
  folders = readMigrationFolders(prismaDir, subgraph),
): MigrationList {
  const baseDir = migrationsDir(prismaDir, subgraph);
  const lockPath = path.join(baseDir, LOCK_FILE);
  return {
    baseDir,
    lockfile: { path: LOCK_FILE, content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: folders.map((f) => ({
      path: f.name,
      migrationFile: {
        path: "migration.sql",
        content:
          f.sql === undefined
            ? { tag: "error", value: `${f.dir}/migration.sql is missing` }
            : { tag: "ok", value: f.sql },
      },
    })),
  };
}
