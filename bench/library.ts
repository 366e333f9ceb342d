// `pnpm bench:library`: what one playlist edit costs on the library subgraph (issue 11,
// Performance). The library subgraph runs in its own Node process (production settings) on a
// database of its own (melodi_library_bench, made, migrated and dropped) and a Redis database
// and key prefix of its own; the bench sends GraphQL over HTTP straight to it, as the router
// would (subgraph secret, a bench-signed token per editor). Songs are known to library as
// catalog's events would leave them: CatalogSong rows written by the bench as the database owner
// (no catalog runs here). Prints, in one run:
//   1. add (one song at a middle position) / move (an item after another) / remove (the added
//      item) latency p50/p95/p99 at 1 connection, on a 10,000-item playlist;
//   2. throughput (edits/s) at 1, 4 and 10 connections, all on ONE playlist (every edit takes
//      that playlist's row lock, so they queue: the figure is the lock's turnover), and each
//      connection on a playlist of its own (1,000 items each);
//   3. the library process's CPU per edit.
// Each connection repeats add → move → remove, so playlist sizes stay put.
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import jwt from "jsonwebtoken";
import pg from "pg";
import { cacheRevocations, JWT_AUDIENCE, JWT_ISSUER, SUBGRAPH_SECRET_HEADER } from "@melodi/kit";
import { ensurePostgres, ensureRedis } from "../scripts/services.ts";
import { migrateAll } from "../scripts/db/migrations.ts";
import { root } from "../scripts/subgraphs.ts";
import { GAP } from "../subgraphs/library/src/playlists/order.ts";
import { cpuMs, freePort, startService } from "./procs.ts";
import { percentiles, table } from "./report.ts";

const env = process.env;
const STEP_MS = (Number(env.BENCH_STEP_SECONDS) > 0 ? Number(env.BENCH_STEP_SECONDS) : 8) * 1000;
const DATABASE = "melodi_library_bench";
const KEY_PREFIX = "melodi-library-bench:";
const REDIS_DB = 11;
const SONGS = 200;
const SECRET = randomBytes(24).toString("base64url");
const log = (msg: string) => console.log(`» ${msg}`);

/** What an edit's payload gives back (addSongsToPlaylist's new items). */
interface EditPayload {
  userErrors: unknown[];
  items?: { id: string }[] | null;
}

const ADD = `mutation ($i: AddSongsToPlaylistInput!) { addSongsToPlaylist(input: $i) { items { id } userErrors { code } } }`;
const MOVE = `mutation ($i: MovePlaylistItemInput!) { movePlaylistItem(input: $i) { item { id } userErrors { code } } }`;
const REMOVE = `mutation ($i: RemovePlaylistItemsInput!) { removePlaylistItems(input: $i) { removedItemIds userErrors { code } } }`;

async function main() {
  const postgres = await ensurePostgres({ persistent: true, log });
  const redisServer = await ensureRedis({ log });
  const redisUrl = new URL(redisServer.url);
  redisUrl.pathname = `/${REDIS_DB}`;
  const databaseUrl = new URL(postgres.url);
  databaseUrl.pathname = `/${DATABASE}`;
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  const redis = new Redis(redisUrl.toString(), { keyPrefix: KEY_PREFIX });
  const db = new pg.Pool({ connectionString: databaseUrl.toString(), max: 4 });
  let library: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    await migrateAll(databaseUrl.toString());
    // No users service here: the revocation cache is complete and empty, as users would mark it.
    await cacheRevocations(redis, {}, { markReady: true });
    const songIds = (
      await db.query<{ id: string }>(
        `INSERT INTO "library"."CatalogSong" ("id", "collectionId", "artistIds", "genreIds", "durationMs", "listed", "version")
         SELECT gen_random_uuid(), gen_random_uuid(), ARRAY[gen_random_uuid()], '{}', 200000, true, 1 FROM generate_series(1, ${SONGS})
         RETURNING "id"::text`,
      )
    ).rows.map((r) => r.id);
    const owner = randomUUID();
    /** A playlist of `owner` with `size` items, GAP apart; returns its id and its item ids in order. */
    const playlist = async (size: number) => {
      const {
        rows: [p],
      } = await db.query<{ id: string }>(
        `INSERT INTO "library"."Playlist" ("id", "ownerId", "title", "updatedAt") VALUES (gen_random_uuid(), $1, 'Bench', now()) RETURNING "id"::text`,
        [owner],
      );
      const items = await db.query<{ id: string }>(
        `INSERT INTO "library"."PlaylistItem" ("id", "playlistId", "songId", "position", "addedById")
         SELECT gen_random_uuid(), $1, ($2::uuid[])[1 + n % $3], n * $4::bigint, $5 FROM generate_series(0, $6 - 1) AS n
         RETURNING "id"::text`,
        [p!.id, songIds, SONGS, GAP.toString(), owner, size],
      );
      return { id: p!.id, items: items.rows.map((r) => r.id) };
    };

    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const token = jwt.sign(
      { role: "USER", sid: randomUUID(), tv: 0 },
      privateKey.export({ type: "pkcs8", format: "pem" }),
      {
        algorithm: "RS256",
        keyid: "bench-library",
        subject: owner,
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        expiresIn: 60 * 60,
        jwtid: randomUUID(),
      },
    );
    const port = await freePort();
    library = await startService({
      name: "library subgraph",
      script: path.join(root, "subgraphs/library/src/main.ts"),
      cwd: root,
      env: {
        PATH: env.PATH,
        HOME: env.HOME,
        NODE_ENV: "production",
        LOG_LEVEL: "warn",
        HOST: "127.0.0.1",
        PORT: String(port),
        DATABASE_URL: databaseUrl.toString(),
        REDIS_URL: redisUrl.toString(),
        REDIS_KEY_PREFIX: KEY_PREFIX,
        JWT_PUBLIC_KEYS: JSON.stringify({
          "bench-library": publicKey.export({ type: "spki", format: "pem" }).toString(),
        }),
        SUBGRAPH_SECRET: SECRET,
      },
      healthUrl: `http://127.0.0.1:${port}/health`,
    });
    const url = `http://127.0.0.1:${port}/graphql`;
    const send = async (query: string, input: object): Promise<[number, EditPayload]> => {
      const started = performance.now();
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${token}`,
          [SUBGRAPH_SECRET_HEADER]: SECRET,
        },
        body: JSON.stringify({ query, variables: { i: input } }),
      });
      const body = (await res.json()) as { data?: Record<string, EditPayload>; errors?: unknown[] };
      const ms = performance.now() - started;
      const payload = body.data && Object.values(body.data)[0];
      if (body.errors || !payload || payload.userErrors.length) throw new Error(`edit failed: ${JSON.stringify(body)}`);
      return [ms, payload];
    };

    /** One connection's loop on a playlist until `until`: add at a middle position, move it, remove it. */
    const worker = async (target: { id: string; items: string[] }, until: number, times: Record<string, number[]>) => {
      let n = 0;
      while (performance.now() < until) {
        const at = (n * 7919) % target.items.length;
        const [addMs, added] = await send(ADD, { playlistId: target.id, songIds: [songIds[n % SONGS]], position: at });
        const itemId = added.items![0]!.id;
        const after = target.items[(at * 31 + 17) % target.items.length]!;
        const [moveMs] = await send(MOVE, { playlistId: target.id, itemId, afterItemId: after });
        const [removeMs] = await send(REMOVE, { playlistId: target.id, itemIds: [itemId] });
        times.add!.push(addMs);
        times.move!.push(moveMs);
        times.remove!.push(removeMs);
        n += 1;
      }
    };
    const step = async (connections: number, shared: { id: string; items: string[] } | null) => {
      const targets = shared
        ? Array(connections).fill(shared)
        : await Promise.all(Array.from({ length: connections }, () => playlist(1000)));
      const times: Record<string, number[]> = { add: [], move: [], remove: [] };
      // Warm-up, then the measured step.
      await Promise.all(targets.map((t) => worker(t, performance.now() + 1000, { add: [], move: [], remove: [] })));
      const cpu0 = cpuMs(library!.pid) ?? 0;
      const started = performance.now();
      await Promise.all(targets.map((t) => worker(t, started + STEP_MS, times)));
      const seconds = (performance.now() - started) / 1000;
      const edits = times.add!.length * 3;
      const cpu = ((cpuMs(library!.pid) ?? 0) - cpu0) / edits;
      return { times, seconds, edits, cpu };
    };

    log("a 9,990-item playlist, and the edit steps");
    // 9,990: room for the item each of up to 10 connections adds before removing it (the limit is 10,000).
    const big = await playlist(9_990);
    const one = await step(1, big);
    const f = (v: number) => v.toFixed(1);
    table(
      `Latency at 1 connection on a 9,990-item playlist, ms (${one.edits} edits in ${one.seconds.toFixed(1)} s)`,
      ["edit", "p50", "p95", "p99", "max"],
      (["add", "move", "remove"] as const).map((kind) => {
        const p = percentiles(one.times[kind]!)!;
        return [kind, f(p.p50), f(p.p95), f(p.p99), f(p.max)];
      }),
    );
    const rows: string[][] = [];
    for (const connections of [1, 4, 10]) {
      for (const shared of [true, false]) {
        const r = connections === 1 && shared ? one : await step(connections, shared ? big : null);
        const all = percentiles([...r.times.add!, ...r.times.move!, ...r.times.remove!])!;
        rows.push([
          String(connections),
          shared ? "one 9,990-item playlist" : "one 1,000-item playlist each",
          (r.edits / r.seconds).toFixed(0),
          f(all.p50),
          f(all.p95),
          r.cpu.toFixed(2),
        ]);
      }
    }
    table("Throughput", ["connections", "playlists", "edits/s", "p50 ms", "p95 ms", "library CPU ms/edit"], rows);
    const [l1, l5] = os.loadavg();
    console.log(
      `\nload average at the end: ${l1!.toFixed(2)} (1 min), ${l5!.toFixed(2)} (5 min); ${os.cpus().length} cores`,
    );
  } finally {
    await library?.stop();
    await db.end();
    const plain = new Redis(redisUrl.toString());
    const keys = await plain.keys(`${KEY_PREFIX}*`);
    if (keys.length) await plain.del(...keys);
    plain.disconnect();
    redis.disconnect();
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.end();
    await postgres.stop();
    await redisServer.stop();
  }
}

await main();
process.exit(0);
