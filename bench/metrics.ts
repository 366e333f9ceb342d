// `pnpm bench:metrics`: the metrics subgraph's figures (issue 13, Performance), one run, side by
// side. It exits 1 only when something does not start or a result is wrong, never on a target.
// On a database of its own (melodi_metrics_bench, made, migrated and dropped) and Redis database
// 13 under a prefix of its own; the metrics subgraph and the router each run in their own
// process (production settings), tokens signed by the bench (bench/sandbox.ts).
//
//   1. Ingest: trackPlayback reports per second, straight to the subgraph (with the subgraph
//      secret, as the router calls it) and through the router, at 1, 4 and 10 connections, with
//      batches of 1 and of 50 (BENCH_STEP_SECONDS each, 5).
//   2. Queries over BENCH_EVENTS (10,000,000) seeded listening events: the raw events (monthly
//      partitions), their plays and the rollups the job would have made of them, seeded in SQL
//      (the seed time and the database size are printed). Then p50/p95/p99 through the router
//      of monthly plays (the backoffice's series) and the top 100 trending songs, and of an
//      artist's monthly listeners (the most listened artist) on the subgraph, as the router
//      sends it (Artist entities enter through catalog, which does not run here).
//   3. Friend activity: BENCH_SUBSCRIBERS (1,000) listeners each follow one friend and hold
//      `friendActivity` over graphql-ws through the router; the friend plays (BENCH_ROUNDS, 5,
//      after a warm-up); the delay from the report's request to each client.
import { randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import type WebSocket from "ws";
import { openSubscribers } from "./wsSubscribers.ts";
import { SUBGRAPH_SECRET_HEADER } from "@melodi/kit";
import { root } from "../scripts/subgraphs.ts";
import { cpuMs, freePort, startService, type Service } from "./procs.ts";
import { fmt, percentiles, table } from "./report.ts";
import { withSandbox, type Sandbox } from "./sandbox.ts";

const env = process.env;
const knob = (name: string, fallback: number) => (Number(env[name]) > 0 ? Number(env[name]) : fallback);
const STEP_MS = knob("BENCH_STEP_SECONDS", 5) * 1000;
const EVENTS = knob("BENCH_EVENTS", 10_000_000);
const SUBSCRIBERS = knob("BENCH_SUBSCRIBERS", 1000);
const ROUNDS = knob("BENCH_ROUNDS", 5);
const QUERY_REQUESTS = knob("BENCH_QUERY_REQUESTS", 300);
const SONGS = 10_000;
const ARTISTS = 500;
const LISTENERS = 100_000;
const log = (msg: string) => console.log(`» ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

const TRACK = `mutation ($e: [PlaybackEventInput!]!) { trackPlayback(input: { events: $e }) { accepted userErrors { code } } }`;

async function main() {
  await withSandbox(
    { database: "melodi_metrics_bench", keyPrefix: "melodi-metrics-bench:", redisDb: 13, log },
    async (sb) => {
      const services: Service[] = [];
      const sockets: WebSocket[] = [];
      try {
        const songIds = await seedCatalog(sb);
        const [metricsPort, routerPort] = [await freePort(), await freePort()];
        const metrics = await startService({
          name: "metrics subgraph",
          script: path.join(root, "subgraphs/metrics/src/main.ts"),
          cwd: root,
          env: { ...sb.baseEnv, PORT: String(metricsPort), DATABASE_URL: sb.databaseUrl },
          healthUrl: `http://127.0.0.1:${metricsPort}/health`,
        });
        services.push(metrics);
        const router = await startService({
          name: "router",
          script: path.join(root, "router/src/main.ts"),
          cwd: root,
          env: {
            ...sb.baseEnv,
            PORT: String(routerPort),
            SUBGRAPH_URLS: `metrics=http://127.0.0.1:${metricsPort}/graphql`,
            LIMIT_REQUESTS_PER_MINUTE: "1000000000",
          },
          healthUrl: `http://127.0.0.1:${routerPort}/health`,
        });
        services.push(router);
        const direct = `http://127.0.0.1:${metricsPort}/graphql`;
        const routed = `http://127.0.0.1:${routerPort}/graphql`;
        const post = async (url: string, query: string, variables: object, token: string) => {
          const res = await fetch(url, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              authorization: `Bearer ${token}`,
              [SUBGRAPH_SECRET_HEADER]: sb.secret,
            },
            body: JSON.stringify({ query, variables }),
          });
          const body = (await res.json()) as { data?: any; errors?: unknown[] };
          if (!res.ok || body.errors) throw new Error(`HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
          return body.data;
        };

        await ingest(post, direct, routed, songIds, sb, { metrics, router });
        await queries(sb, post, direct, routed);
        await friends(sb, post, routed, `ws://127.0.0.1:${routerPort}/graphql`, songIds, sockets);
        const [l1, l5] = os.loadavg();
        console.log(
          `\nload average at the end: ${l1!.toFixed(2)} (1 min), ${l5!.toFixed(2)} (5 min); ${os.cpus().length} cores`,
        );
      } finally {
        for (const s of sockets) s.terminate();
        for (const s of services) await s.stop();
      }
    },
  );
}

/** Songs and artists as catalog's events would leave them (no catalog runs here). */
async function seedCatalog(sb: Sandbox): Promise<string[]> {
  await sb.db.query(
    `INSERT INTO "metrics"."ArtistRecord" ("id", "name", "listed", "version")
     SELECT gen_random_uuid(), 'Bench artist ' || n, true, 1 FROM generate_series(1, ${ARTISTS}) n`,
  );
  const { rows } = await sb.db.query<{ id: string }>(
    `INSERT INTO "metrics"."SongRecord" ("id", "collectionId", "artistIds", "genreIds", "durationMs", "listed", "version")
     SELECT gen_random_uuid(), gen_random_uuid(), ARRAY[a.ids[1 + n % ${ARTISTS}]], '{}', 180000, true, 1
     FROM generate_series(1, ${SONGS}) n, (SELECT array_agg("id") AS ids FROM "metrics"."ArtistRecord") a RETURNING "id"::text`,
  );
  return rows.map((r) => r.id);
}

type Post = (url: string, query: string, variables: object, token: string) => Promise<any>;

// --- 1. ingest ----------------------------------------------------------------------------------

async function ingest(
  post: Post,
  direct: string,
  routed: string,
  songIds: string[],
  sb: Sandbox,
  procs: { metrics: Service; router: Service },
) {
  log("ingest: trackPlayback at 1, 4 and 10 connections, batches of 1 and 50 (after a warm-up on both paths)");
  const rows: string[][] = [];
  const steps = [
    ["warm-up", direct, 10, 4],
    ["warm-up", routed, 10, 4],
    ...(["subgraph", "router"] as const).flatMap((label) =>
      [1, 50].flatMap((batch) =>
        [1, 4, 10].map((connections) => [label, label === "router" ? routed : direct, batch, connections] as const),
      ),
    ),
  ] as const;
  {
    for (const [label, url, batch, connections] of steps) {
      {
        const cpu0 = { m: cpuMs(procs.metrics.pid) ?? 0, r: cpuMs(procs.router.pid) ?? 0 };
        const times: number[] = [];
        let reports = 0;
        const started = performance.now();
        const until = started + STEP_MS;
        await Promise.all(
          Array.from({ length: connections }, async () => {
            const token = sb.sign(randomUUID(), "USER");
            let n = 0;
            while (performance.now() < until) {
              const playbackId = randomUUID();
              const songId = songIds[Math.floor(Math.random() * songIds.length)]!;
              const at = Date.now();
              const events = Array.from({ length: batch }, (_, i) => ({
                clientEventId: `${playbackId}:${i}`,
                playbackId,
                songId,
                kind: i === 0 ? "STARTED" : "PROGRESS",
                positionMs: Math.min(170_000, i * 3500),
                at: new Date(at - (batch - i) * 10).toISOString(),
              }));
              const t = performance.now();
              const data = await post(url, TRACK, { e: events }, token);
              times.push(performance.now() - t);
              if (data.trackPlayback.accepted !== batch) throw new Error(`accepted ${JSON.stringify(data)}`);
              reports += batch;
              n++;
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        if (label === "warm-up") continue;
        const p = percentiles(times)!;
        const metricsCpu = ((cpuMs(procs.metrics.pid) ?? 0) - cpu0.m) / reports;
        const routerCpu = ((cpuMs(procs.router.pid) ?? 0) - cpu0.r) / reports;
        rows.push([
          label,
          String(batch),
          String(connections),
          fmt(reports / seconds, 0),
          fmt(times.length / seconds, 0),
          fmt(p.p50),
          fmt(p.p99),
          fmt(metricsCpu * 1000, 0),
          label === "router" ? fmt(routerCpu * 1000, 0) : "",
        ]);
      }
    }
  }
  table(
    `Ingest, ${STEP_MS / 1000} s per step`,
    [
      "path",
      "batch",
      "connections",
      "reports/s",
      "requests/s",
      "p50 ms",
      "p99 ms",
      "metrics µs CPU/report",
      "router µs/report",
    ],
    rows,
  );
}

// --- 2. queries over 10,000,000 events ----------------------------------------------------------

async function queries(sb: Sandbox, post: Post, direct: string, routed: string) {
  log(`seeding ${EVENTS.toLocaleString("en")} listening events (3 per play) over 90 days, and their rollups`);
  const started = performance.now();
  // What the ingest step left (and the rollups the job made of it) goes first.
  await sb.db.query(
    `TRUNCATE "metrics"."ListeningEvent", "metrics"."Play", "metrics"."PlayDelta", "metrics"."SongDaily", "metrics"."ArtistDaily",
       "metrics"."ArtistListenerDay", "metrics"."ArtistListener", "metrics"."GenreSongDaily", "metrics"."GenreArtistDaily",
       "metrics"."UserDaily", "metrics"."UserMonthly", "metrics"."UserSong", "metrics"."PlatformDaily", "metrics"."PlatformMonthly"`,
  );
  const plays = Math.floor(EVENTS / 3);
  // Plays first (one per listener and playback), then their three reports each, then the rollups
  // as the job makes them, all in SQL.
  await sb.db.query(`SET max_parallel_workers_per_gather = 2`);
  await sb.db.query(
    // Listeners are 100,000 made-up ids; songs are picked from an array (a lookup per row, not a
    // subquery); popularity is skewed (the square of a uniform pick), as real listening is.
    `CREATE TEMP TABLE seed_plays AS
     WITH songs AS (SELECT array_agg("id" ORDER BY "id") AS ids FROM "metrics"."SongRecord")
     SELECT gen_random_uuid() AS id, ('00000000-0000-4000-8000-' || lpad(to_hex(1 + (hashint4(n) & 2147483647) % ${LISTENERS}), 12, '0'))::uuid AS "userId",
       songs.ids[1 + floor(power((hashint4(n * 7) & 2147483647) / 2147483648.0, 2) * ${SONGS})::int] AS "songId",
       (now() AT TIME ZONE 'UTC') - ((hashint4(n * 13) & 2147483647) % (90 * 86400)) * interval '1 second' AS at
     FROM generate_series(1, ${plays}) n, songs`,
  );
  await sb.db.query(
    `INSERT INTO "metrics"."ListeningEvent" ("id", "at", "userId", "clientEventId", "playbackId", "songId", "kind", "positionMs")
     SELECT gen_random_uuid(), p.at + k * interval '30 seconds', p."userId", p.id::text || ':' || k, p.id::text, p."songId",
       (CASE k WHEN 0 THEN 'STARTED' WHEN 1 THEN 'PROGRESS' ELSE 'ENDED' END)::"metrics"."PlaybackKind", k * 70000
     FROM seed_plays p, generate_series(0, 2) k`,
  );
  await sb.db.query(
    `INSERT INTO "metrics"."Play" ("id", "userId", "playbackId", "songId", "durationMs", "startedAt", "lastAt", "maxPositionMs", "countedAt", "completed", "ended")
     SELECT id, "userId", id::text, "songId", 180000, at, at + interval '60 seconds', 140000, at, true, true FROM seed_plays`,
  );
  await sb.db.query(
    `INSERT INTO "metrics"."SongDaily" SELECT "songId", at::date, count(*), count(*), 0 FROM seed_plays GROUP BY 1, 2`,
  );
  await sb.db.query(
    `INSERT INTO "metrics"."ArtistDaily"
     SELECT s."artistIds"[1], p.at::date, count(*), count(*), 0, count(DISTINCT p."userId")
     FROM seed_plays p JOIN "metrics"."SongRecord" s ON s."id" = p."songId" GROUP BY 1, 2`,
  );
  await sb.db.query(
    `INSERT INTO "metrics"."ArtistListener"
     SELECT s."artistIds"[1], p."userId", max(p.at::date) FROM seed_plays p JOIN "metrics"."SongRecord" s ON s."id" = p."songId" GROUP BY 1, 2`,
  );
  await sb.db.query(
    `INSERT INTO "metrics"."UserDaily" SELECT "userId", at::date, count(*) FROM seed_plays GROUP BY 1, 2`,
  );
  await sb.db.query(
    `INSERT INTO "metrics"."UserMonthly" SELECT "userId", date_trunc('month', at)::date, count(*) FROM seed_plays GROUP BY 1, 2`,
  );
  await sb.db.query(
    `INSERT INTO "metrics"."PlatformDaily" SELECT "day", sum("plays"), count(*) FROM "metrics"."UserDaily" GROUP BY 1`,
  );
  await sb.db.query(
    `INSERT INTO "metrics"."PlatformMonthly" SELECT "month", sum("plays"), count(*) FROM "metrics"."UserMonthly" GROUP BY 1`,
  );
  await sb.db.query(`ANALYZE`);
  const seedSeconds = (performance.now() - started) / 1000;
  const size = await sb.db.query<{ db: string; events: string }>(
    `SELECT pg_size_pretty(pg_database_size(current_database())) AS db,
       pg_size_pretty((SELECT sum(pg_total_relation_size(c.oid)) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = '"metrics"."ListeningEvent"'::regclass)) AS events`,
  );
  log(
    `seeded in ${fmt(seedSeconds)} s: ${plays.toLocaleString("en")} plays; database ${size.rows[0]!.db}, raw events ${size.rows[0]!.events}`,
  );
  // The rankings as the job makes them (timed: it is what keeps "top 100" cheap to read).
  const admin = sb.sign(randomUUID(), "ADMIN");
  const rankStarted = performance.now();
  const { computeRankings } = await import("../subgraphs/metrics/src/rankings/compute.ts");
  const { createDb } = await import("../subgraphs/metrics/src/db.ts");
  const mdb = createDb({ databaseUrl: sb.databaseUrl });
  await computeRankings(mdb);
  await mdb.$disconnect();
  const rankSeconds = (performance.now() - rankStarted) / 1000;
  const {
    rows: [top],
  } = await sb.db.query<{ id: string }>(
    `SELECT "artistId"::text AS id FROM "metrics"."ArtistListener" GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
  );
  const token = sb.sign(randomUUID(), "USER");
  const cases: [string, string, object, string][] = [
    [
      "monthly plays, 12 months (platformStatistics)",
      `{ platformStatistics(months: 12) { monthlyPlays { month value } } }`,
      {},
      admin,
    ],
    [
      "monthly listeners of the most listened artist",
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Artist { monthlyListeners } } }`,
      { r: [{ __typename: "Artist", id: top!.id }] },
      token,
    ],
    [
      "top 100 trending songs",
      `{ trendingSongs(first: 100) { edges { node { rank score song { id } } } } }`,
      {},
      token,
    ],
  ];
  const rows: string[][] = [];
  for (const [label, query, variables, who] of cases) {
    const times: number[] = [];
    let sample: unknown;
    for (let i = 0; i < QUERY_REQUESTS; i++) {
      const t = performance.now();
      // Artist entities come into the supergraph through catalog, which does not run here: that
      // one goes to the subgraph, as the router would send it; the others through the router.
      sample = await post(query.includes("_entities") ? direct : routed, query, variables, who);
      times.push(performance.now() - t);
    }
    const p = percentiles(times.slice(10))!;
    rows.push([label, fmt(p.p50), fmt(p.p95), fmt(p.p99), JSON.stringify(sample).slice(0, 60)]);
  }
  table(
    `Queries over ${EVENTS.toLocaleString("en")} events (${QUERY_REQUESTS} requests each, the first 10 not counted); rankings computed in ${fmt(rankSeconds)} s`,
    ["query", "p50 ms", "p95 ms", "p99 ms", "answer (start)"],
    rows,
  );
}

// --- 3. friend activity -------------------------------------------------------------------------

async function friends(
  sb: Sandbox,
  post: Post,
  routed: string,
  wsUrl: string,
  songIds: string[],
  sockets: WebSocket[],
) {
  log(`friend activity: ${SUBSCRIBERS} subscribers over graphql-ws through the router`);
  const friend = randomUUID();
  const followers = Array.from({ length: SUBSCRIBERS }, () => randomUUID());
  await sb.db.query(
    `INSERT INTO "metrics"."Follow" ("followerId", "followeeId", "following", "at")
     SELECT f, $1::uuid, true, now() AT TIME ZONE 'UTC' FROM unnest($2::uuid[]) f`,
    [friend, followers],
  );
  const got = new Map<string, number[]>(); // song id → receipt times
  await openSubscribers({
    url: wsUrl,
    tokens: followers.map((id) => sb.sign(id, "USER")),
    query: "subscription { friendActivity { at song { id } } }",
    sockets,
    onNext(data, at) {
      const songId = data?.friendActivity?.song?.id;
      if (!songId) throw new Error(`bad delivery: ${JSON.stringify(data)}`);
      got.set(songId, [...(got.get(songId) ?? []), at]);
    },
  });
  // Every subscription is on the friend's channel (one channel, 1,000 handlers in the subgraph).
  await sleep(2000);
  const token = sb.sign(friend, "USER");
  const rows: string[][] = [];
  const all: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const songId = songIds[round]!;
    const sent = now();
    await post(
      routed,
      TRACK,
      {
        e: [
          {
            clientEventId: `r${round}`,
            playbackId: randomUUID(),
            songId,
            kind: "STARTED",
            positionMs: 0,
            at: new Date().toISOString(),
          },
        ],
      },
      token,
    );
    const deadline = Date.now() + 30_000;
    while ((got.get(songId)?.length ?? 0) < SUBSCRIBERS) {
      if (Date.now() > deadline)
        throw new Error(`round ${round}: ${got.get(songId)?.length ?? 0} of ${SUBSCRIBERS} delivered`);
      await sleep(20);
    }
    if (round === 0) continue;
    const delays = got.get(songId)!.map((t) => t - sent);
    all.push(...delays);
    const p = percentiles(delays)!;
    rows.push([String(round), fmt(p.p50), fmt(p.p95), fmt(p.p99), fmt(p.max)]);
    await sleep(300);
  }
  const p = percentiles(all)!;
  rows.push(["all", fmt(p.p50), fmt(p.p95), fmt(p.p99), fmt(p.max)]);
  table(
    `One play reaching ${SUBSCRIBERS} followers, request to client, ms (after a warm-up round)`,
    ["round", "p50", "p95", "p99", "max"],
    rows,
  );
}

await main();
process.exit(0);
