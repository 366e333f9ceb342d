// What a bench that runs services of its own needs around it: a database of its own (made,
// migrated, dropped at the end), a Redis database and key prefix of its own (its keys deleted at
// the end), a key pair whose tokens the services accept (the bench signs them: no users service
// needed), and the subgraph secret the router and subgraphs share.
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import jwt from "jsonwebtoken";
import pg from "pg";
import { cacheRevocations, JWT_AUDIENCE, JWT_ISSUER } from "@melodi/kit";
import { ensurePostgres, ensureRedis } from "../scripts/services.ts";
import { migrateAll } from "../scripts/db/migrations.ts";

export interface Sandbox {
  databaseUrl: string;
  redisUrl: string;
  keyPrefix: string;
  /** The bench's own pool on its database (as the owner). */
  db: pg.Pool;
  /** Redis under the bench's key prefix. */
  redis: Redis;
  secret: string;
  /** JWT_PUBLIC_KEYS for the services. */
  publicKeys: string;
  /** An access token for this account id and role. */
  sign(sub: string, role: "USER" | "ARTIST" | "ADMIN"): string;
  /** Environment every service of the bench gets (production settings). */
  baseEnv: NodeJS.ProcessEnv;
}

export async function withSandbox(
  opts: { database: string; keyPrefix: string; redisDb: number; log: (msg: string) => void },
  run: (sandbox: Sandbox) => Promise<void>,
): Promise<void> {
  const postgres = await ensurePostgres({ persistent: true, log: opts.log });
  const redisServer = await ensureRedis({ log: opts.log });
  const redisUrl = new URL(redisServer.url);
  redisUrl.pathname = `/${opts.redisDb}`;
  const databaseUrl = new URL(postgres.url);
  databaseUrl.pathname = `/${opts.database}`;
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${opts.database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${opts.database}`);
  const redis = new Redis(redisUrl.toString(), { keyPrefix: opts.keyPrefix });
  const db = new pg.Pool({ connectionString: databaseUrl.toString(), max: 4 });
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" });
  const kid = `bench-${opts.database}`;
  const secret = randomBytes(24).toString("base64url");
  const publicKeys = JSON.stringify({ [kid]: publicKey.export({ type: "spki", format: "pem" }).toString() });
  try {
    await migrateAll(databaseUrl.toString());
    // No users service: the revocation cache is complete and empty, as users would mark it.
    await cacheRevocations(redis, {}, { markReady: true });
    await run({
      databaseUrl: databaseUrl.toString(),
      redisUrl: redisUrl.toString(),
      keyPrefix: opts.keyPrefix,
      db,
      redis,
      secret,
      publicKeys,
      sign: (sub, role) =>
        jwt.sign({ role, sid: randomUUID(), tv: 0 }, pem, {
          algorithm: "RS256",
          keyid: kid,
          subject: sub,
          issuer: JWT_ISSUER,
          audience: JWT_AUDIENCE,
          expiresIn: 3 * 3600,
          jwtid: randomUUID(),
        }),
      baseEnv: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: "production",
        LOG_LEVEL: "warn",
        HOST: "127.0.0.1",
        REDIS_URL: redisUrl.toString(),
        REDIS_KEY_PREFIX: opts.keyPrefix,
        JWT_PUBLIC_KEYS: publicKeys,
        SUBGRAPH_SECRET: secret,
      },
    });
  } finally {
    await db.end();
    const plain = new Redis(redisUrl.toString());
    const keys = await plain.keys(`${opts.keyPrefix}*`);
    if (keys.length) await plain.del(...keys);
    plain.disconnect();
    redis.disconnect();
    await admin.query(`DROP DATABASE IF EXISTS ${opts.database} WITH (FORCE)`);
    await admin.end();
    await postgres.stop();
    await redisServer.stop();
  }
}
