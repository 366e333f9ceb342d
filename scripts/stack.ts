// The whole stack in one process, for `pnpm start`: Postgres and Redis (scripts/services.ts),
// migrations, demo data, signing keys, every subgraph of subgraphs.json and the router. Each
// subgraph is configured exactly as in production, by its main.ts's configFromEnv from one set
// of settings, so a setting (MEDIA_DIR, LIMIT_*, ...) means the same to the seed and to the
// service, and a new subgraph needs no line here.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  loadManifest,
  parsePublicKeys,
  portVariable,
  type DemoSeed,
  type PublicKeys,
  type RunningService,
  type ServiceConfig,
} from "@melodi/kit";
import { migrateAll } from "./db/migrations.ts";
import { ensurePostgres, ensureRedis } from "./services.ts";
import { root, SUBGRAPHS } from "./subgraphs.ts";
import { startRouter } from "../router/src/router.ts";
import { configFromEnv as routerConfigFromEnv } from "../router/src/main.ts";

export interface Keys {
  signingKey: { kid: string; privateKey: string };
  publicKeys: PublicKeys;
}

/** JWT keys from the environment, or a development pair kept in .data/dev-keys.json. */
export function loadKeys(log: (msg: string) => void): Keys {
  const env = process.env;
  if (env.JWT_SIGNING_KEY && env.JWT_SIGNING_KID && env.JWT_PUBLIC_KEYS) {
    return {
      signingKey: { kid: env.JWT_SIGNING_KID, privateKey: env.JWT_SIGNING_KEY },
      publicKeys: parsePublicKeys(env.JWT_PUBLIC_KEYS),
    };
  }
  const file = path.join(root, ".data/dev-keys.json");
  if (!existsSync(file)) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const kid = `dev-${new Date().toISOString().slice(0, 10)}`;
    const keys: Keys = {
      signingKey: { kid, privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString() },
      publicKeys: { [kid]: publicKey.export({ type: "spki", format: "pem" }).toString() },
    };
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
    log("generated development JWT keys in .data/dev-keys.json");
  }
  return JSON.parse(readFileSync(file, "utf8")) as Keys;
}

/** What every subgraph's src/main.ts exports (see ARCHITECTURE.md "Add a subgraph"). */
export interface SubgraphMain {
  configFromEnv(env: NodeJS.ProcessEnv): ServiceConfig;
  start(config: ServiceConfig): Promise<RunningService>;
}

export const subgraphMain = (name: string) =>
  import(path.join(root, "subgraphs", name, "src/main.ts")) as Promise<SubgraphMain>;

/** A subgraph's demo seed (src/demo.ts), if it has one. */
async function demoSeedOf(name: string): Promise<((seed: DemoSeed) => Promise<void>) | undefined> {
  const file = path.join(root, "subgraphs", name, "src/demo.ts");
  if (!existsSync(file)) return undefined;
  return ((await import(file)) as { seedDemo?: (seed: DemoSeed) => Promise<void> }).seedDemo;
}

export interface StackOptions {
  log?: (msg: string) => void;
  seed?: boolean;
  /**
   * Where what has started is recorded (stopStarted stops it): given by a caller that may have
   * to stop a stack still starting (a signal during the seed).
   */
  started?: StartedService[];
}

export interface StartedService {
  name: string;
  stop(): Promise<void>;
}

/** Stops what has started, last first, printing each with the time it took. */
export async function stopStarted(started: StartedService[]): Promise<void> {
  while (started.length > 0) {
    const service = started.pop()!;
    const t = performance.now();
    process.stdout.write(`» stopping ${service.name} … `);
    await service
      .stop()
      .catch((err: unknown) => process.stdout.write(`(${err instanceof Error ? err.message : String(err)}) `));
    process.stdout.write(`${Math.round(performance.now() - t)} ms\n`);
  }
}

export interface LocalStack {
  databaseUrl: string;
  redisUrl: string;
  keys: Keys;
  subgraphs: { name: string; url: string }[];
  router: RunningService;
  /** Stops everything started, last first, saying what it waits for. */
  stop(): Promise<void>;
}

export async function startLocalStack(opts: StackOptions = {}): Promise<LocalStack> {
  const log = opts.log ?? ((msg: string) => console.log(`» ${msg}`));
  const started = opts.started ?? [];
  const stop = () => stopStarted(started);
  try {
    const postgres = await ensurePostgres({ persistent: true, log });
    if (postgres.owned) started.push({ name: "the embedded Postgres", stop: postgres.stop });
    const redis = await ensureRedis({ log });
    if (redis.owned) started.push({ name: "redis-server", stop: redis.stop });
    const applied = await migrateAll(postgres.url);
    for (const [subgraph, names] of Object.entries(applied))
      if (names.length) log(`${subgraph}: applied ${names.join(", ")}`);

    const keys = loadKeys(log);
    // One set of settings for every subgraph and its seed, as a deployment would give them.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: process.env.NODE_ENV ?? "development",
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      JWT_PUBLIC_KEYS: JSON.stringify(keys.publicKeys),
      JWT_SIGNING_KID: keys.signingKey.kid,
      JWT_SIGNING_KEY: keys.signingKey.privateKey,
      MEDIA_DIR: path.resolve(root, process.env.MEDIA_DIR || ".data/media"),
      // What the router proves itself with to the subgraphs: a new one every run unless given.
      SUBGRAPH_SECRET: process.env.SUBGRAPH_SECRET || randomBytes(32).toString("base64url"),
    };
    if (opts.seed !== false) {
      const shared: DemoSeed["shared"] = {};
      for (const { name } of SUBGRAPHS)
        await (await demoSeedOf(name))?.({ databaseUrl: postgres.url, env, log, shared });
    }

    const subgraphs: { name: string; url: string }[] = [];
    for (const { name, port } of SUBGRAPHS) {
      const main = await subgraphMain(name);
      // <NAME>_PORT moves a subgraph, e.g. to run beside another stack.
      const service = await main.start(
        main.configFromEnv({ ...env, PORT: process.env[portVariable(name)] ?? String(port) }),
      );
      started.push({ name: `the ${name} subgraph`, stop: () => service.stop() });
      subgraphs.push({ name, url: service.url });
    }
    // The router's own reading of the settings (limits, timeouts, headers), with the subgraphs
    // where this stack started them.
    const router = await startRouter({
      ...routerConfigFromEnv(env),
      port: Number(process.env.PORT ?? loadManifest().router.port),
      subgraphUrls: Object.fromEntries(subgraphs.map((s) => [s.name, s.url])),
    });
    started.push({ name: "the router", stop: () => router.stop() });
    return { databaseUrl: postgres.url, redisUrl: redis.url, keys, subgraphs, router, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
