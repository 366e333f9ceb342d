// The whole stack in one process tree, for `pnpm start` and benchmarks: Postgres and Redis
// (scripts/services.ts), migrations, seed data, signing keys, the users subgraph and the router.
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parsePublicKeys, type PublicKeys } from "@melodi/kit";
import { migrateAll } from "./db/migrations.ts";
import { ensurePostgres, ensureRedis } from "./services.ts";
import { root, SUBGRAPHS } from "./subgraphs.ts";
import { startUsers } from "../subgraphs/users/src/service.ts";
import { authLimitSettingsFromEnv } from "../subgraphs/users/src/accounts/limits.ts";
import { createDb } from "../subgraphs/users/src/db.ts";
import { DEMO_ARTIST_EMAIL, ensureAdmin, seedDemoUsers } from "../subgraphs/users/src/seed.ts";
import { createDb as createCatalogDb } from "../subgraphs/catalog/src/db.ts";
import { seedCatalog } from "../subgraphs/catalog/src/seed.ts";
import { seedDemoAudio } from "../subgraphs/catalog/src/media/demoAudio.ts";
import { mediaConfig } from "../subgraphs/catalog/src/media/config.ts";
import { createLocalStorage } from "../subgraphs/catalog/src/media/storage.ts";
import { startRouter } from "../router/src/router.ts";
import { startCatalog } from "../subgraphs/catalog/src/service.ts";

export interface Keys {
  signingKey: { kid: string; privateKey: string };
  publicKeys: PublicKeys;
}

/** JWT keys from the environment, or a development pair kept in .data/dev-keys.json. */
export function loadKeys(log: (msg: string) => void): Keys {
  const env = process.env;
  if (env.JWT_SIGNING_KEY && env.JWT_SIGNING_KID && env.JWT_PUBLIC_KEYS) {
    return { signingKey: { kid: env.JWT_SIGNING_KID, privateKey: env.JWT_SIGNING_KEY }, publicKeys: parsePublicKeys(env.JWT_PUBLIC_KEYS) };
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

export interface StackOptions {
  routerPort?: number;
  log?: (msg: string) => void;
  seed?: boolean;
  /** Limits off (benchmarks hammer one account from one address). */
  unlimited?: boolean;
}

export async function startLocalStack(opts: StackOptions = {}) {
  const log = opts.log ?? ((msg: string) => console.log(`» ${msg}`));
  const postgres = await ensurePostgres({ persistent: true, log });
  const redis = await ensureRedis({ log });
  const applied = await migrateAll(postgres.url);
  for (const [subgraph, names] of Object.entries(applied)) if (names.length) log(`${subgraph}: applied ${names.join(", ")}`);

  if (opts.seed !== false) {
    const db = createDb({ databaseUrl: postgres.url });
    const admin = {
      email: process.env.ADMIN_EMAIL ?? "admin@melodi.local",
      password: process.env.ADMIN_PASSWORD ?? "change-me-admin",
      handle: process.env.ADMIN_HANDLE ?? "admin",
    };
    const made = await ensureAdmin(db, admin);
    const demo = await seedDemoUsers(db);
    if (demo) log(`seeded ${demo} demo users (password "listen-to-melodi", e.g. ana@demo.melodi.app)`);
    log(made.created ? `created admin ${admin.email} (password from ADMIN_PASSWORD${process.env.ADMIN_PASSWORD ? "" : ', default "change-me-admin"'})` : `admin ${admin.email} exists (its password is not changed by ADMIN_PASSWORD)`);
    const demoArtist = await db.user.findUnique({ where: { email: DEMO_ARTIST_EMAIL }, select: { id: true } });
    await db.$disconnect();
    const catalogDb = createCatalogDb({ databaseUrl: postgres.url });
    const started = performance.now();
    const catalog = await seedCatalog(catalogDb, { size: "demo", managerUserId: demoArtist?.id });
    if (catalog) {
      log(`seeded the demo catalog: ${catalog.artists} artists, ${catalog.collections} releases, ${catalog.songs} songs (${Math.round(performance.now() - started)} ms)`);
      const media = mediaConfig({ dir: process.env.MEDIA_DIR });
      const playable = await seedDemoAudio(catalogDb, createLocalStorage(path.join(media.dir, "store")), media.ffmpegPath);
      log(`gave ${playable} demo songs playable audio (short tones)`);
    }
    await catalogDb.$disconnect();
  }

  const keys = loadKeys(log);
  // USERS_PORT / CATALOG_PORT move a subgraph, e.g. to run beside another stack.
  const port = (name: string) => Number(process.env[`${name.toUpperCase()}_PORT`] ?? SUBGRAPHS.find((s) => s.name === name)!.port);
  const unlimited = { loginPerIpPerMinute: 1e9, failedLoginsPerAccount: 1e9, registerPerIpPerHour: 1e9 };
  const users = await startUsers({
    port: port("users"),
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    signingKey: keys.signingKey,
    publicKeys: keys.publicKeys,
    limits: opts.unlimited ? unlimited : authLimitSettingsFromEnv(process.env),
  });
  const catalog = await startCatalog({ port: port("catalog"), databaseUrl: postgres.url, redisUrl: redis.url, publicKeys: keys.publicKeys });
  const router = await startRouter({
    port: opts.routerPort ?? Number(process.env.PORT ?? 4000),
    supergraphPath: path.join(root, "schema/supergraph.graphql"),
    subgraphUrls: { users: users.url, catalog: catalog.url },
    redisUrl: redis.url,
    publicKeys: keys.publicKeys,
    requestsPerMinute: opts.unlimited ? 1e9 : Number(process.env.LIMIT_REQUESTS_PER_MINUTE ?? 600),
  });
  return {
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    keys,
    users,
    catalog,
    router,
    async stop() {
      await router.stop();
      await catalog.stop();
      await users.stop();
      await redis.stop();
      await postgres.stop();
    },
  };
}
