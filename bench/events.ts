// `pnpm bench:events`: how long catalog's events take to reach library, and how many per second
// the relay and the consumer move (issue 11, Performance; bench/README.md). Figures only, one
// run, side by side; it exits 1 only when the stack does not start or an event goes missing or
// is applied wrong, never on a target.
//
// What runs, as in production: the catalog and library subgraphs, each its own Node process
// (NODE_ENV=production, their main.ts and configFromEnv), on a database of the bench's own
// (`melodi_events_bench` on DATABASE_URL's server, else the embedded Postgres; created afresh,
// migrated, dropped at the end) and Redis database BENCH_REDIS_DB (10) under the key prefix
// `melodi-events-bench:` (its keys deleted at the end), so no other stack's relay, queue or
// FLUSHDB meets the bench's. Catalog's relay (kit createOutbox: every 1 s, or at once when
// nudged after a mutation's commit) puts each `song.changed` on library's queue; library's
// consumer (startEventConsumer, concurrency 4) applies it in a transaction with its
// ProcessedEvent row. Users does not run: the bench signs an ARTIST access token itself (a key
// pair of its own, given to both subgraphs as JWT_PUBLIC_KEYS), writes the ArtistManager row
// directly, and sets the revocation cache's ready marker as users would on start.
//
// Data: one public artist, its manager, 100 releases and BENCH_SONGS (10,000) songs, 100 per
// release, inserted by the bench in one statement after both services are up (that statement's
// 10,000 events are the first burst below).
//
// 1. Commit-to-applied latency at steady rates (BENCH_RATES changes/s, BENCH_STEP_SECONDS each,
//    open loop: changes are sent on schedule whether or not earlier ones have answered, at most
//    BENCH_IN_FLIGHT at once), each change a different song's duration, in two ways:
//    a. API: catalog's `updateSong(input: { songId, durationMs })` over HTTP by the artist's
//       manager (the real resolver: access check, transaction, then the relay is nudged);
//    b. SQL: one autocommit `UPDATE "catalog"."Song" SET "durationMs" = …` per change from the
//       bench, as the transcoder and seeds change songs: nothing nudges the relay, so its 1 s
//       poll bounds the latency (≈ 500 ms at the median by construction).
//    Latency source: Postgres's clock at both ends, so no client clock or polling enters. Start:
//    the event's `OutboxEvent.createdAt`, written by catalog's trigger in the change's
//    transaction (CURRENT_TIMESTAMP: when that transaction began). End: library's
//    `ProcessedEvent.processedAt` for the same event id (also CURRENT_TIMESTAMP: when the
//    consumer's transaction that applied it began; it is the transaction that writes
//    `CatalogSong` with `updatedAt = now()`, the same instant). Error: both columns are
//    TIMESTAMP(3), so ±1 ms; the start is early by the change's transaction before its commit
//    (SQL: one statement, well under 1 ms; API: `updateSong`'s interactive transaction, BEGIN +
//    UPDATE + COMMIT round trips, ~1-3 ms, bounded by the HTTP column); the end is early by the
//    consumer's transaction before its commit (two statements, ~1-2 ms). Events are matched by
//    id: catalog's event id is a function of song and version (`catalog.event_id`), and every
//    song changes once per step. After each step, library's CatalogSong version must equal
//    catalog's for every song changed (`stale` must be 0).
// 2. Bursts: 10,000 changes in one statement (the insert of the songs; then all their durations
//    in one UPDATE), nothing nudging the relay, timed from the statement's commit
//    (clock_timestamp() on the same connection right after it returns, Postgres's clock) to the
//    last `deliveredAt` (relay: rows marked delivered, just after their batch is enqueued) and the
//    last `processedAt` (consumer). Then the same UPDATE with library stopped (SIGSTOP): the relay
//    alone until every row is delivered, then library resumed (SIGCONT) and the consumer alone
//    drains its queue. CPU per event of each process over each part, from the commit on. Each
//    burst's statement runs on a fresh connection, as a seed's or a script's would (see
//    bench/README.md on catalog's trigger plan on a pooled connection).
//
// CPU from /proc: catalog, library, the bench itself (driver: HTTP client or SQL), Postgres (the
// backends of the bench's database, per pg_stat_activity, and the server's background processes;
// the bench's own progress polls included), every `redis-server` process on the machine (a
// shared server: anyone else's use counts too), and `rest` (the kernel, other databases'
// backends, anyone else's load: rest cores above ~0.2 means someone else was running; rerun).
//
// Knobs: BENCH_RATES ("20,100,300"), BENCH_STEP_SECONDS (10), BENCH_WARMUP (s of API changes at the
// first rate before the steps, 3), BENCH_SONGS (10,000), BENCH_IN_FLIGHT (64), BENCH_REDIS_DB (10),
// BENCH_CATALOG_NODE_ARGS / BENCH_LIBRARY_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=.data/prof"),
// DATABASE_URL / REDIS_URL as for the stack.
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import jwt from "jsonwebtoken";
import pg from "pg";
import { cacheRevocations, JWT_AUDIENCE, JWT_ISSUER, SUBGRAPH_SECRET_HEADER } from "@melodi/kit";
import { ensurePostgres, ensureRedis, type Started } from "../scripts/services.ts";
import { migrateAll } from "../scripts/db/migrations.ts";
import { root } from "../scripts/subgraphs.ts";
import { cpuMs, cpuOfCommand, freePort, killAll, machineCpuMs, startService, type Service } from "./procs.ts";
import { fmt, percentiles, table } from "./report.ts";

const env = process.env;
const knob = (name: string, fallback: number) => (Number(env[name]) > 0 ? Number(env[name]) : fallback);
const RATES = (env.BENCH_RATES ?? "20,100,300")
  .split(",")
  .map(Number)
  .filter((n) => Number.isFinite(n) && n > 0);
const STEP_SECONDS = knob("BENCH_STEP_SECONDS", 10);
const WARMUP_SECONDS = knob("BENCH_WARMUP", 3);
const SONGS = Math.round(knob("BENCH_SONGS", 10_000));
const IN_FLIGHT = Math.round(knob("BENCH_IN_FLIGHT", 64));
const REDIS_DB = Math.round(knob("BENCH_REDIS_DB", 10));
const PER_RELEASE = 100;
const RELEASES = Math.ceil(SONGS / PER_RELEASE);

const DATABASE = "melodi_events_bench";
const KEY_PREFIX = "melodi-events-bench:";
const ARTIST_SLUG = "bench-events-artist";
const SUBGRAPH_SECRET = randomBytes(24).toString("base64url");
/** Every change sets a duration never used before (so the version always moves): 1,000,000 + n ms. */
const DURATION_BASE = 1_000_000;
const SEED_DURATION = 200_000;
/** A burst's durations (above anything the steps reach, under the 2 h limit). */
const BURST_DURATION = 7_000_000;

const log = (msg: string) => console.log(`» ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class WrongAnswer extends Error {}

// --- figures ---------------------------------------------------------------------------------------

/** CPU ms so far of each thing measured, and the machine's. */
interface CpuSample {
  at: number;
  catalog: number;
  library: number;
  driver: number;
  /** Per Postgres process of the bench's database and the server's background ones: pid → CPU ms. */
  postgres: Map<number, number>;
  redis: number;
  busy: number;
  total: number;
}
interface CpuSpent {
  seconds: number;
  catalog: number;
  library: number;
  driver: number;
  postgres: number;
  redis: number;
  rest: number;
  busyPercent: number;
}

// --- the run ---------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    while (cleanups.length) {
      try {
        await cleanups.pop()!();
      } catch (err) {
        console.error(`cleanup: ${String(err)}`);
      }
    }
  };
  let interrupted = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      interrupted = true;
      log(`${signal}: stopping`);
      killAll("SIGCONT");
      killAll("SIGTERM");
      void cleanup().then(() => process.exit(130));
    });
  }

  const loadAtStart = os.loadavg();
  try {
    // --- the stack ----------------------------------------------------------------------------
    const postgres: Started = await ensurePostgres({ persistent: true, log });
    cleanups.push(() => postgres.stop());
    const redisServer: Started = await ensureRedis({ log });
    cleanups.push(() => redisServer.stop());
    const redisUrl = new URL(redisServer.url);
    redisUrl.pathname = `/${REDIS_DB}`;
    const databaseUrl = new URL(postgres.url);
    databaseUrl.pathname = `/${DATABASE}`;

    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    // Afresh every run: an interrupted run's rows would be counted as this run's.
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    cleanups.push(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
      await admin.end();
      log(`dropped ${DATABASE}`);
    });
    await migrateAll(databaseUrl.toString());

    const redis = new Redis(redisUrl.toString(), { keyPrefix: KEY_PREFIX });
    cleanups.push(async () => {
      // Every key of the bench (revocation marker, BullMQ queues, search cache), then the connection.
      const plain = new Redis(redisUrl.toString());
      let cursor = "0";
      let deleted = 0;
      do {
        const [next, keys] = await plain.scan(cursor, "MATCH", `${KEY_PREFIX}*`, "COUNT", 1000);
        cursor = next;
        if (keys.length) deleted += await plain.del(...keys);
      } while (cursor !== "0");
      plain.disconnect();
      redis.disconnect();
      log(`deleted ${deleted} Redis keys under ${KEY_PREFIX} in db ${REDIS_DB}`);
    });
    // What users does on start once Redis holds every revocation: no users here, none to hold.
    await cacheRevocations(redis, {}, { markReady: true });

    const db = new pg.Pool({ connectionString: databaseUrl.toString(), max: 8 });
    cleanups.push(() => db.end());
    const managerId = randomUUID();
    const {
      rows: [artist],
    } = await db.query<{ id: string }>(
      `INSERT INTO "catalog"."Artist" ("id", "name", "slug", "searchText", "isPublic", "updatedAt")
       VALUES (gen_random_uuid(), 'Bench Events Artist', $1, 'bench events artist', true, now()) RETURNING "id"`,
      [ARTIST_SLUG],
    );
    await db.query(`INSERT INTO "catalog"."ArtistManager" ("artistId", "userId") VALUES ($1, $2)`, [
      artist!.id,
      managerId,
    ]);
    await db.query(
      `INSERT INTO "catalog"."Collection" ("id", "type", "title", "releaseDate", "primaryArtistId", "isPublic", "searchText", "updatedAt")
       SELECT gen_random_uuid(), 'ALBUM', 'Bench Release ' || n, DATE '2026-01-01', $1, true, 'bench release ' || n, now()
       FROM generate_series(1, $2) AS n`,
      [artist!.id, RELEASES],
    );

    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const kid = "bench-events";
    const signingKey = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const token = () =>
      jwt.sign({ role: "ARTIST", sid: randomUUID(), tv: 0 }, signingKey, {
        algorithm: "RS256",
        keyid: kid,
        subject: managerId,
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        expiresIn: 15 * 60,
        jwtid: randomUUID(),
      });

    const [catalogPort, libraryPort] = [await freePort(), await freePort()];
    const base: NodeJS.ProcessEnv = {
      PATH: env.PATH,
      HOME: env.HOME,
      NODE_ENV: "production",
      LOG_LEVEL: env.LOG_LEVEL ?? "warn",
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL: redisUrl.toString(),
      REDIS_KEY_PREFIX: KEY_PREFIX,
      JWT_PUBLIC_KEYS: JSON.stringify({ [kid]: publicKey.export({ type: "spki", format: "pem" }).toString() }),
      SUBGRAPH_SECRET,
    };
    const mediaDir = path.join(root, ".data/bench-media");
    mkdirSync(mediaDir, { recursive: true });
    const start = async (opts: Parameters<typeof startService>[0]) => {
      const service = await startService(opts);
      cleanups.push(() => service.stop());
      return service;
    };
    const nodeArgs = (name: string) => (env[name] ?? "").split(/\s+/).filter(Boolean);
    const [catalog, library]: Service[] = await Promise.all([
      start({
        name: "catalog subgraph",
        script: path.join(root, "subgraphs/catalog/src/main.ts"),
        cwd: root,
        nodeArgs: nodeArgs("BENCH_CATALOG_NODE_ARGS"),
        env: {
          ...base,
          PORT: String(catalogPort),
          MEDIA_DIR: mediaDir,
          MEDIA_URL_SECRET: "bench-only-secret",
          MEDIA_WORKER: "false",
        },
        healthUrl: `http://127.0.0.1:${catalogPort}/health`,
      }),
      start({
        name: "library subgraph",
        script: path.join(root, "subgraphs/library/src/main.ts"),
        cwd: root,
        nodeArgs: nodeArgs("BENCH_LIBRARY_NODE_ARGS"),
        env: { ...base, PORT: String(libraryPort) },
        healthUrl: `http://127.0.0.1:${libraryPort}/health`,
      }),
    ]);
    log(`catalog pid ${catalog!.pid} :${catalogPort}, library pid ${library!.pid} :${libraryPort}`);
    const catalogUrl = `http://127.0.0.1:${catalogPort}/graphql`;

    // Postgres: the backends of the bench's database and the server's own background processes
    // (checkpointer, WAL writer…), not other databases' backends (another stack's tests on a
    // shared server land in `rest`). Per pid, so a backend that exits does not count negative.
    const postgresCpu = async () => {
      const { rows } = await db.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 OR datname IS NULL`,
        [DATABASE],
      );
      return new Map(rows.map((r) => [r.pid, cpuMs(r.pid) ?? 0]));
    };
    const sample = async (): Promise<CpuSample> => {
      const postgres = await postgresCpu();
      const machine = machineCpuMs();
      const usage = process.cpuUsage();
      return {
        at: performance.now(),
        catalog: cpuMs(catalog!.pid) ?? Number.NaN,
        library: cpuMs(library!.pid) ?? Number.NaN,
        driver: (usage.user + usage.system) / 1000,
        postgres,
        redis: cpuOfCommand("redis-server") ?? Number.NaN,
        busy: machine?.busy ?? Number.NaN,
        total: machine?.total ?? Number.NaN,
      };
    };
    const spent = (a: CpuSample, b: CpuSample): CpuSpent => {
      const d = (k: Exclude<keyof CpuSample, "postgres">) => b[k] - a[k];
      let postgresMs = 0;
      for (const [pid, ms] of b.postgres) postgresMs += ms - (a.postgres.get(pid) ?? 0);
      const known = d("catalog") + d("library") + d("driver") + postgresMs + d("redis");
      return {
        seconds: d("at") / 1000,
        catalog: d("catalog"),
        library: d("library"),
        driver: d("driver"),
        postgres: postgresMs,
        redis: d("redis"),
        rest: Math.max(0, d("busy") - known),
        busyPercent: (100 * d("busy")) / d("total"),
      };
    };

    // --- what library has applied, by Postgres's clock -----------------------------------------
    interface Applied {
      events: number;
      delivered: number;
      applied: number;
      /** ms from the event's outbox row to library's ProcessedEvent row, per applied event. */
      latencies: number[];
      /** ms from the outbox row to its deliveredAt, per delivered event. */
      relayed: number[];
      /** Postgres epoch ms of the first and last deliveredAt / processedAt. */
      firstDelivered: number;
      lastDelivered: number;
      firstApplied: number;
      lastApplied: number;
      /** Events in the first relay batch (those sharing the first deliveredAt). */
      firstBatch: number;
      /** Songs whose CatalogSong version is not catalog's. */
      stale: number;
    }
    /** The current version's event of each song in `songs` (every song when null), as library has it. */
    const applied = async (songs: string[] | null): Promise<Applied> => {
      const where = songs ? `WHERE s."id" = ANY($1::uuid[])` : "";
      const { rows } = await db.query<{
        latency: number | null;
        relayed: number | null;
        delivered: number | null;
        processed: number | null;
        stale: boolean;
      }>(
        `SELECT extract(epoch FROM p."processedAt" - o."createdAt") * 1000 AS latency,
                extract(epoch FROM o."deliveredAt" - o."createdAt") * 1000 AS relayed,
                extract(epoch FROM o."deliveredAt") * 1000 AS delivered,
                extract(epoch FROM p."processedAt") * 1000 AS processed,
                (cs."version" IS DISTINCT FROM s."version") AS stale
         FROM "catalog"."Song" s
         LEFT JOIN "catalog"."OutboxEvent" o ON o."id" = "catalog"."event_id"('song.changed', s."id", s."version")
         LEFT JOIN "library"."ProcessedEvent" p ON p."id" = o."id"
         LEFT JOIN "library"."CatalogSong" cs ON cs."id" = s."id"
         ${where}`,
        songs ? [songs] : [],
      );
      const latencies: number[] = [];
      const relayed: number[] = [];
      let firstDelivered = Number.POSITIVE_INFINITY;
      let lastDelivered = Number.NEGATIVE_INFINITY;
      let firstApplied = Number.POSITIVE_INFINITY;
      let lastApplied = Number.NEGATIVE_INFINITY;
      let stale = 0;
      for (const r of rows) {
        if (r.latency !== null) latencies.push(Number(r.latency));
        if (r.relayed !== null) relayed.push(Number(r.relayed));
        if (r.delivered !== null) {
          firstDelivered = Math.min(firstDelivered, Number(r.delivered));
          lastDelivered = Math.max(lastDelivered, Number(r.delivered));
        }
        if (r.processed !== null) {
          firstApplied = Math.min(firstApplied, Number(r.processed));
          lastApplied = Math.max(lastApplied, Number(r.processed));
        }
        if (r.stale) stale += 1;
      }
      const firstBatch = rows.filter((r) => r.delivered !== null && Number(r.delivered) === firstDelivered).length;
      return {
        events: rows.length,
        delivered: relayed.length,
        applied: latencies.length,
        latencies,
        relayed,
        firstDelivered,
        lastDelivered,
        firstApplied,
        lastApplied,
        firstBatch,
        stale,
      };
    };
    /** Counts only (cheap enough to poll): how many of the songs' current events are delivered / applied. */
    const progress = async (songs: string[] | null) => {
      const where = songs ? `WHERE s."id" = ANY($1::uuid[])` : "";
      const { rows } = await db.query<{ n: number; delivered: number; applied: number }>(
        `SELECT count(*)::int AS n, count(o."deliveredAt")::int AS delivered, count(p."id")::int AS applied
         FROM "catalog"."Song" s
         LEFT JOIN "catalog"."OutboxEvent" o ON o."id" = "catalog"."event_id"('song.changed', s."id", s."version")
         LEFT JOIN "library"."ProcessedEvent" p ON p."id" = o."id" ${where}`,
        songs ? [songs] : [],
      );
      return rows[0]!;
    };
    const waitUntil = async (
      what: string,
      songs: string[] | null,
      done: (p: Awaited<ReturnType<typeof progress>>) => boolean,
      ms: number,
      every = 100,
    ) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const p = await progress(songs);
        if (done(p)) return;
        if (Date.now() > deadline)
          throw new WrongAnswer(`${what}: after ${ms / 1000} s ${p.delivered}/${p.n} delivered, ${p.applied} applied`);
        await sleep(every);
      }
    };

    // --- bursts ---------------------------------------------------------------------------------
    interface Burst {
      label: string;
      events: number;
      statementMs: number;
      /** ms from the commit (Postgres clock) to the first / last row marked delivered, first / last applied. */
      firstDelivered: number;
      lastDelivered: number;
      firstApplied: number;
      lastApplied: number;
      relayPerSecond: number;
      applyPerSecond: number;
      cpu: CpuSpent;
      /** When library was paused: the relay's part and the consumer's apart. */
      relayCpu?: CpuSpent;
      consumerCpu?: CpuSpent;
    }
    const burst = async (label: string, sql: string, params: unknown[], pauseLibrary: boolean): Promise<Burst> => {
      // A connection of its own, as a seed or a one-off script has: on a pooled one that ran the
      // steps' single-row UPDATEs, catalog's statement trigger keeps the plan it made for one row
      // (see bench/README.md) and a 10,000-row statement takes seconds longer.
      const client = new pg.Client({ connectionString: databaseUrl.toString() });
      await client.connect();
      if (pauseLibrary) library!.kill("SIGSTOP");
      let paused = pauseLibrary;
      try {
        const t = performance.now();
        await client.query(sql, params);
        const statementMs = performance.now() - t;
        const clockNow = await client.query<{ at: string }>(
          `SELECT extract(epoch FROM clock_timestamp()) * 1000 AS at`,
        );
        const committedAt = Number(clockNow.rows[0]!.at);
        // CPU from the commit on: the statement itself (Postgres) is not the relay's or the consumer's.
        const before = await sample();
        let relayCpu: CpuSpent | undefined;
        let consumerCpu: CpuSpent | undefined;
        if (pauseLibrary) {
          await waitUntil(`${label}: relay`, null, (p) => p.delivered === p.n, 300_000, 250);
          const relayed = await sample();
          relayCpu = spent(before, relayed);
          library!.kill("SIGCONT");
          paused = false;
          await waitUntil(`${label}: consumer`, null, (p) => p.applied === p.n, 300_000, 250);
          consumerCpu = spent(relayed, await sample());
        } else {
          await waitUntil(label, null, (p) => p.applied === p.n, 300_000, 250);
        }
        const after = await sample();
        const a = await applied(null);
        if (a.stale > 0) throw new WrongAnswer(`${label}: ${a.stale} songs with another version in library`);
        const rate = (n: number, first: number, last: number) =>
          last > first ? (n * 1000) / (last - first) : Number.NaN;
        return {
          label,
          events: a.events,
          statementMs,
          firstDelivered: a.firstDelivered - committedAt,
          lastDelivered: a.lastDelivered - committedAt,
          firstApplied: a.firstApplied - committedAt,
          lastApplied: a.lastApplied - committedAt,
          // From the first batch marked delivered (the first poll's wait left out) to the last.
          relayPerSecond: rate(a.events - a.firstBatch, a.firstDelivered, a.lastDelivered),
          applyPerSecond: rate(a.events - 1, a.firstApplied, a.lastApplied),
          cpu: spent(before, after),
          relayCpu,
          consumerCpu,
        };
      } finally {
        if (paused) library!.kill("SIGCONT");
        await client.end();
      }
    };

    const bursts: Burst[] = [];
    log(`inserting ${SONGS} songs in one statement (the first burst)`);
    bursts.push(
      await burst(
        `insert ${SONGS} songs`,
        `INSERT INTO "catalog"."Song" ("id", "title", "durationMs", "collectionId", "trackNumber", "primaryArtistId", "isPublic", "searchText", "updatedAt")
         SELECT gen_random_uuid(), 'Bench Song ' || n, $1, c."id", n - (c.i - 1) * $2, $3, true, 'bench song ' || n, now()
         FROM generate_series(1, $4) AS n
         JOIN (SELECT "id", row_number() OVER (ORDER BY "title", "id") AS i FROM "catalog"."Collection" WHERE "primaryArtistId" = $3) c
           ON c.i = (n - 1) / $2 + 1`,
        [SEED_DURATION, PER_RELEASE, artist!.id, SONGS],
        false,
      ),
    );
    const songIds = (
      await db.query<{ id: string }>(`SELECT "id"::text AS id FROM "catalog"."Song" ORDER BY "id"`)
    ).rows.map((r) => r.id);
    if (songIds.length !== SONGS) throw new Error(`seeded ${songIds.length} songs, not ${SONGS}`);

    // --- steady steps -----------------------------------------------------------------------------
    let nextSong = 0;
    let seq = 0;
    const takeSongs = (n: number) => {
      if (n > SONGS) throw new Error(`a step of ${n} changes needs ${n} songs: raise BENCH_SONGS`);
      const out: string[] = [];
      for (let i = 0; i < n; i++) out.push(songIds[(nextSong + i) % SONGS]!);
      nextSong = (nextSong + n) % SONGS;
      return out;
    };
    const mutation = `mutation BenchDuration($input: UpdateSongInput!) { updateSong(input: $input) { song { id durationMs } userErrors { code message } } }`;
    let bearer = token();
    const viaApi = async (songId: string, durationMs: number) => {
      const res = await fetch(catalogUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${bearer}`,
          [SUBGRAPH_SECRET_HEADER]: SUBGRAPH_SECRET,
        },
        body: JSON.stringify({ query: mutation, variables: { input: { songId, durationMs } } }),
      });
      const body = (await res.json()) as {
        data?: { updateSong: { song: { durationMs: number } | null; userErrors: unknown[] } };
        errors?: unknown;
      };
      if (
        !res.ok ||
        body.errors ||
        body.data?.updateSong.userErrors.length ||
        body.data?.updateSong.song?.durationMs !== durationMs
      )
        throw new WrongAnswer(`updateSong: HTTP ${res.status} ${JSON.stringify(body).slice(0, 400)}`);
    };
    const viaSql = async (songId: string, durationMs: number) => {
      const r = await db.query(`UPDATE "catalog"."Song" SET "durationMs" = $2 WHERE "id" = $1`, [songId, durationMs]);
      if (r.rowCount !== 1) throw new WrongAnswer(`UPDATE of song ${songId}: ${r.rowCount} rows`);
    };

    interface Step {
      way: "API" | "SQL";
      rate: number;
      sent: number;
      seconds: number;
      /** The most any change was sent after its time (open loop held back by BENCH_IN_FLIGHT). */
      lagMs: number;
      /** Client round trip of each change (HTTP request or statement), ms. */
      rtt: number[];
      result: Applied;
      cpu: CpuSpent;
    }
    const step = async (way: "API" | "SQL", rate: number, seconds: number): Promise<Step> => {
      const n = Math.round(rate * seconds);
      const songs = takeSongs(n);
      const change = way === "API" ? viaApi : viaSql;
      bearer = token();
      const rtt: number[] = [];
      let inFlight = 0;
      let sent = 0;
      let lagMs = 0;
      let failure: unknown;
      const pending = new Set<Promise<void>>();
      const before = await sample();
      const t0 = performance.now();
      while (sent < n && failure === undefined) {
        const now = performance.now();
        const due = Math.min(n, Math.floor(((now - t0) * rate) / 1000) + 1);
        while (sent < due && inFlight < IN_FLIGHT) {
          lagMs = Math.max(lagMs, now - (t0 + (sent * 1000) / rate));
          const songId = songs[sent]!;
          const durationMs = DURATION_BASE + seq++;
          sent += 1;
          inFlight += 1;
          const started = performance.now();
          const p: Promise<void> = change(songId, durationMs)
            .then(
              () => void rtt.push(performance.now() - started),
              (err: unknown) => {
                if (failure === undefined) failure = err;
              },
            )
            .finally(() => {
              inFlight -= 1;
              pending.delete(p);
            });
          pending.add(p);
        }
        await sleep(1);
      }
      await Promise.all(pending);
      if (failure !== undefined) throw failure;
      const sentSeconds = (performance.now() - t0) / 1000;
      await waitUntil(`${way} at ${rate}/s`, songs, (p) => p.applied === p.n, 60_000, 50);
      const cpu = spent(before, await sample());
      const result = await applied(songs);
      if (result.stale > 0)
        throw new WrongAnswer(`${way} at ${rate}/s: ${result.stale} songs with another version in library`);
      return { way, rate, sent, seconds: sentSeconds, lagMs, rtt, result, cpu };
    };

    log(`warm-up: ${WARMUP_SECONDS} s of updateSong at ${RATES[0]}/s`);
    await step("API", RATES[0]!, WARMUP_SECONDS);
    const steps: Step[] = [];
    for (const rate of RATES) {
      for (const way of ["API", "SQL"] as const) {
        log(`${way} at ${rate} changes/s for ${STEP_SECONDS} s`);
        steps.push(await step(way, rate, STEP_SECONDS));
      }
    }

    // --- bursts of updates ------------------------------------------------------------------------
    const updateAll = `UPDATE "catalog"."Song" SET "durationMs" = $1`;
    log(`one UPDATE of all ${SONGS} songs' durations`);
    bursts.push(await burst(`update ${SONGS} durations`, updateAll, [BURST_DURATION], false));
    log(`the same with library paused: the relay alone, then the consumer alone`);
    bursts.push(await burst(`update ${SONGS}, library paused`, updateAll, [BURST_DURATION + 1], true));
    const loadAtEnd = os.loadavg();

    // --- tables -----------------------------------------------------------------------------------
    const perEvent = (ms: number, events: number) => fmt(ms / events, 3);
    table(
      `1. Commit-to-applied latency, catalog → library, one song's duration per change (ms, Postgres clock: OutboxEvent.createdAt → library ProcessedEvent.processedAt)
   API = updateSong over HTTP (the relay is nudged after the commit); SQL = one autocommit UPDATE per change (no nudge: the relay's 1 s poll)`,
      [
        "way",
        "offered/s",
        "sent/s",
        "changes",
        "applied",
        "stale",
        "p50",
        "p99",
        "max",
        "→delivered p50",
        "client rtt p50",
        "p99",
        "lag ms",
        "catalog CPU ms/ev",
        "library",
        "driver",
        "postgres",
        "redis",
        "rest",
        "rest cores",
        "busy %",
      ],
      steps.map((s) => {
        const l = percentiles(s.result.latencies);
        const rtt = percentiles(s.rtt);
        const n = s.result.applied;
        return [
          s.way,
          String(s.rate),
          fmt(s.sent / s.seconds),
          String(s.sent),
          String(n),
          String(s.result.stale),
          fmt(l?.p50, 0),
          fmt(l?.p99, 0),
          fmt(l?.max, 0),
          fmt(percentiles(s.result.relayed)?.p50, 0),
          fmt(rtt?.p50),
          fmt(rtt?.p99),
          fmt(s.lagMs, 0),
          perEvent(s.cpu.catalog, n),
          perEvent(s.cpu.library, n),
          perEvent(s.cpu.driver, n),
          perEvent(s.cpu.postgres, n),
          perEvent(s.cpu.redis, n),
          perEvent(s.cpu.rest, n),
          fmt(s.cpu.rest / 1000 / s.cpu.seconds, 2),
          fmt(s.cpu.busyPercent, 0),
        ];
      }),
    );
    table(
      `2. Bursts: ${SONGS} song.changed events from one statement (nothing nudges the relay: the first poll is up to 1 s after the commit); ms from the commit (Postgres clock)`,
      [
        "burst",
        "events",
        "statement ms",
        "1st delivered",
        "last delivered",
        "1st applied",
        "last applied",
        "relay ev/s",
        "apply ev/s",
        "catalog CPU ms/ev",
        "library",
        "postgres",
        "redis",
        "rest cores",
        "busy %",
      ],
      bursts.map((b) => [
        b.label,
        String(b.events),
        fmt(b.statementMs, 0),
        fmt(b.firstDelivered, 0),
        fmt(b.lastDelivered, 0),
        fmt(b.firstApplied, 0),
        fmt(b.lastApplied, 0),
        fmt(b.relayPerSecond, 0),
        fmt(b.applyPerSecond, 0),
        perEvent(b.cpu.catalog, b.events),
        perEvent(b.cpu.library, b.events),
        perEvent(b.cpu.postgres, b.events),
        perEvent(b.cpu.redis, b.events),
        fmt(b.cpu.rest / 1000 / b.cpu.seconds, 2),
        fmt(b.cpu.busyPercent, 0),
      ]),
    );
    const paused = bursts.find((b) => b.relayCpu && b.consumerCpu);
    if (paused) {
      const r = paused.relayCpu!;
      const c = paused.consumerCpu!;
      table(
        `3. Relay alone vs consumer alone (the paused burst: library stopped until every row was delivered, then resumed), CPU ms per event`,
        ["part", "seconds", "events/s", "catalog", "library", "postgres", "redis", "rest cores", "busy %"],
        [
          ["relay (library stopped)", r, paused.relayPerSecond] as const,
          ["consumer (catalog idle)", c, paused.applyPerSecond] as const,
        ].map(([label, x, perSecond]) => [
          label,
          fmt(x.seconds, 2),
          fmt(perSecond, 0),
          perEvent(x.catalog, paused.events),
          perEvent(x.library, paused.events),
          perEvent(x.postgres, paused.events),
          perEvent(x.redis, paused.events),
          fmt(x.rest / 1000 / x.seconds, 2),
          fmt(x.busyPercent, 0),
        ]),
      );
    }
    console.log(
      `\nCPU: user + system from /proc, per event applied: a step's from its first change until library had applied the last, a burst's from its commit;`,
    );
    console.log(
      "postgres = the bench database's backends and the server's background processes; redis = every redis-server (anyone's use counts); rest = the kernel, other databases, anyone else's load.",
    );
    console.log(
      `load average at start ${loadAtStart.map((x) => x.toFixed(2)).join(" ")}, at end ${loadAtEnd.map((x) => x.toFixed(2)).join(" ")} (${os.cpus().length} cores)`,
    );
    return 0;
  } catch (err) {
    if (interrupted) return 130;
    console.error(
      err instanceof WrongAnswer
        ? `\nWRONG: ${err.message}`
        : `\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    return 1;
  } finally {
    if (!interrupted) await cleanup();
  }
}

// Exit explicitly: async-exit-hook (imported through scripts/services.ts) exits 0 on "beforeExit".
process.exit(await main());
