// `pnpm bench:subscriptions`: 1,000 federated subscriptions on one router (issue 10, Performance;
// bench/README.md). Figures only, one run, side by side; it exits 1 only when the stack does not
// start or a delivery is wrong, never on a target.
//
// The real supergraph, as production runs it: the users and catalog subgraphs and the router, each
// its own Node process (NODE_ENV=production), on a database of the bench's own
// (`melodi_subscriptions_bench` on DATABASE_URL's server, or the embedded Postgres) and Redis
// under a key prefix of its own (`melodi-subs-bench:`, so it neither hears nor disturbs another
// stack on the same Redis). Every subscriber holds
//   subscription BenchFollowers { followerAdded { cursor followedAt node { id profile { handle }
//     artistProfiles { id name } } } }
// over graphql-ws on the router's `/graphql`, signed in with an access token from users' real
// `login`. The router subscribes upstream to users; per event users resolves the edge and the
// follower (a fresh loader, one statement) and the router runs the rest of the plan: one entity
// fetch of `artistProfiles` from catalog (one statement there). The router's default caps stay:
// 10 connections per user, 25 subscriptions per connection.
//
// Events are published with the kit's `publishEvent` on users' own channel
// (`users:followerAdded:<userId>`), with the payload followUser publishes after its commit, not by
// running followUser itself: a follow is made once per pair (the next is ALREADY_FOLLOWING), so a
// steady 1,000 deliveries/s for tens of seconds would need tens of thousands of fresh pairs, and
// the mutation's own cost (an HTTP request, a transaction, Postgres) would share the two cores and
// blur what is measured here, the path from the channel to the client. The event's `cursor` is
// passed through unchanged by the subgraph, so the publisher writes its clock into it
// (`<seq>:<epoch ms with µs>`) and each client reads the latency off its own delivery.
//
// Subscribers run in BENCH_CLIENT_PROCS child processes (bench/subscriptionClients.ts, 2 by
// default) with a hand-written graphql-transport-ws client each, so the driver (publisher,
// logins, /proc readings) and the clients are measured apart from the router; all three CPU
// figures are printed.
//
// Order: seed; start users, catalog, router; log in; warm-up on 10 sockets; memory before; open
// 1,000 sockets (100 users × 10 connections, one subscription each) and check one delivery each;
// memory after; the steady steps (BENCH_RATES deliveries/s, BENCH_STEP_SECONDS each, after
// BENCH_WARMUP s at the first rate); all 100 users sign out everywhere (users' `logout`, which
// writes the revocation and announces it on `auth:revoked`) and every socket must get 4401;
// upstream sockets, client sockets and users' channels back to zero. Then the same 1,000
// subscriptions on 40 sockets of 4 users (10 connections × 25 subscriptions), memory, revocation.
//
// Knobs: BENCH_RATES (deliveries/s, "100,250,500,1000"), BENCH_STEP_SECONDS (10), BENCH_WARMUP (s, 3),
// BENCH_CLIENT_PROCS (2), BENCH_ROUTER_NODE_ARGS (extra Node flags for the router, e.g.
// "--cpu-prof --cpu-prof-dir=.data/prof"), DATABASE_URL / REDIS_URL as for the stack.
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import WebSocket from "ws";
import { createPubSub, publishEvent, REVOCATION_CHANNEL, SUBGRAPH_SECRET_HEADER } from "@melodi/kit";
import { ensurePostgres, ensureRedis, type Started } from "../scripts/services.ts";
import { migrateAll } from "../scripts/db/migrations.ts";
import { loadKeys } from "../scripts/stack.ts";
import { root } from "../scripts/subgraphs.ts";
import { createDb as createUsersDb } from "../subgraphs/users/src/db.ts";
import { createDb as createCatalogDb } from "../subgraphs/catalog/src/db.ts";
import { hashPassword } from "../subgraphs/users/src/accounts/passwords.ts";
import {
  cpuMs,
  cpuOfCommand,
  freePort,
  killAll,
  machineCpuMs,
  memory,
  startService,
  tcpConnections,
  type Service,
} from "./procs.ts";
import type { Command, Reply } from "./subscriptionClients.ts";
import { fmt, percentiles, table } from "./report.ts";

const env = process.env;
const knob = (name: string, fallback: number) => (Number(env[name]) > 0 ? Number(env[name]) : fallback);
const RATES = (env.BENCH_RATES ?? "100,250,500,1000")
  .split(",")
  .map(Number)
  .filter((n) => Number.isFinite(n) && n > 0);
const STEP_SECONDS = knob("BENCH_STEP_SECONDS", 10);
const WARMUP_SECONDS = knob("BENCH_WARMUP", 3);
const CLIENT_PROCS = Math.max(1, Math.round(knob("BENCH_CLIENT_PROCS", 2)));
const TARGET_P99_MS = 250;

/** Layout A: 1,000 sockets, one subscription each. */
const USERS = 100;
const CONNECTIONS_PER_USER = 10; // the router's default cap per client
/** Layout B: the same 1,000 subscriptions multiplexed on 40 sockets. */
const FEW_USERS = 4;
const SUBSCRIPTIONS_PER_CONNECTION = 25; // the router's default cap per connection
/** The followers named in events, each managing one public artist in catalog. */
const FANS = 10;

const DATABASE = "melodi_subscriptions_bench";
const KEY_PREFIX = "melodi-subs-bench:";
const REDIS_DB = Math.round(knob("BENCH_REDIS_DB", 9));
const PASSWORD = "bench-password-not-secret";
const QUERY = /* GraphQL */ `subscription BenchFollowers {
  followerAdded { cursor followedAt node { id profile { handle } artistProfiles { id name } } }
}`;

const log = (msg: string) => console.log(`» ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const clock = () => performance.timeOrigin + performance.now();
const SUBGRAPH_SECRET = randomBytes(24).toString("base64url");

class WrongAnswer extends Error {}

// --- data ---------------------------------------------------------------------------------------

interface Seeded {
  subscribers: { id: string; email: string }[];
  few: { id: string; email: string }[];
  fans: { id: string; artist: string }[];
}

async function seed(databaseUrl: string): Promise<Seeded> {
  const users = createUsersDb({ databaseUrl, poolSize: 4 });
  const catalog = createCatalogDb({ databaseUrl, poolSize: 4 });
  try {
    // One cheap hash for every bench account: logins are set-up here, not what is measured.
    const previous = env.SCRYPT_COST_LOG2;
    env.SCRYPT_COST_LOG2 = "10";
    const passwordHash = await hashPassword(PASSWORD);
    if (previous === undefined) delete env.SCRYPT_COST_LOG2;
    else env.SCRYPT_COST_LOG2 = previous;

    const ensure = async (handle: string, withPassword: boolean) => {
      const email = `${handle}@bench.melodi.local`;
      const found = await users.user.findUnique({ where: { email }, select: { id: true } });
      const id =
        found?.id ??
        (
          await users.user.create({
            data: {
              email,
              profile: { create: { handle, handleKey: handle.toLowerCase(), displayName: handle } },
              ...(withPassword ? { credential: { create: { passwordHash } } } : {}),
            },
          })
        ).id;
      return { id, email };
    };
    const pad = (n: number, width: number) => String(n).padStart(width, "0");
    const subscribers = [];
    for (let i = 1; i <= USERS; i++) subscribers.push(await ensure(`bsub_u${pad(i, 3)}`, true));
    const few = [];
    for (let i = 1; i <= FEW_USERS; i++) few.push(await ensure(`bsub_few${i}`, true));
    const fans = [];
    for (let i = 1; i <= FANS; i++) {
      const { id } = await ensure(`bsub_fan${pad(i, 2)}`, false);
      const name = `Bench Fan Band ${pad(i, 2)}`;
      const slug = `bsub-fan-band-${pad(i, 2)}`;
      const artist = await catalog.artist.upsert({
        where: { slug },
        create: { name, slug, searchText: name.toLowerCase(), isPublic: true },
        update: { isPublic: true, isVisible: true },
      });
      await catalog.artistManager.createMany({ data: [{ artistId: artist.id, userId: id }], skipDuplicates: true });
      fans.push({ id, artist: name });
    }
    return { subscribers, few, fans };
  } finally {
    await Promise.all([users.$disconnect(), catalog.$disconnect()]);
  }
}

// --- HTTP to the users subgraph (set-up and revocations, not through the router) ----------------

async function usersGql<T = unknown>(url: string, query: string, variables: unknown, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [SUBGRAPH_SECRET_HEADER]: SUBGRAPH_SECRET,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!res.ok || body.errors || !body.data)
    throw new Error(`users: HTTP ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
  return body.data;
}

async function login(url: string, email: string): Promise<string> {
  const data = await usersGql<{
    login: { session: { accessToken: string } | null; userErrors: { code: string }[] };
  }>(url, `mutation($input: LoginInput!) { login(input: $input) { session { accessToken } userErrors { code } } }`, {
    input: { email, password: PASSWORD },
  });
  const token = data.login.session?.accessToken;
  if (!token) throw new Error(`login ${email}: ${JSON.stringify(data.login.userErrors)}`);
  return token;
}

async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

// --- the router's heap, through its inspector ----------------------------------------------------

/** Heap used after a full GC, in MiB, through the router's --inspect port (DevTools protocol). */
async function heapAfterGc(inspectPort: number): Promise<number | undefined> {
  try {
    const targets = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    let id = 0;
    const call = (method: string) =>
      new Promise<unknown>((resolve) => {
        const mine = ++id;
        const onMessage = (data: WebSocket.RawData) => {
          const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
          if (message.id === mine) {
            ws.off("message", onMessage);
            resolve(message.result);
          }
        };
        ws.on("message", onMessage);
        ws.send(JSON.stringify({ id: mine, method }));
      });
    await call("HeapProfiler.collectGarbage");
    await call("HeapProfiler.collectGarbage");
    const usage = (await call("Runtime.getHeapUsage")) as { usedSize: number };
    ws.close();
    return usage.usedSize / 2 ** 20;
  } catch (err) {
    log(`router heap not readable: ${String(err)}`);
    return undefined;
  }
}

// --- subscriber processes -------------------------------------------------------------------------

interface Clients {
  procs: ChildProcess[];
  ask<T extends Reply["type"]>(i: number, command: Command, reply: T): Promise<Extract<Reply, { type: T }>>;
  all<T extends Reply["type"]>(command: Command, reply: T): Promise<Extract<Reply, { type: T }>[]>;
  cpuMs(): number | undefined;
  stop(): void;
}

function startClients(n: number): Clients {
  const procs = Array.from({ length: n }, () =>
    fork(path.join(import.meta.dirname, "subscriptionClients.ts"), [], {
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  process.on("exit", () => {
    for (const p of procs) p.kill("SIGKILL");
  });
  const ask: Clients["ask"] = (i, command, reply) =>
    new Promise((resolve, reject) => {
      const p = procs[i]!;
      const onMessage = (message: Reply) => {
        if (message.type !== reply) return;
        p.off("message", onMessage);
        p.off("exit", onExit);
        resolve(message as never);
      };
      const onExit = (code: number | null) => reject(new Error(`subscriber process ${i} exited (${code})`));
      p.on("message", onMessage);
      p.once("exit", onExit);
      p.send(command);
    });
  return {
    procs,
    ask,
    all: (command, reply) => Promise.all(procs.map((_, i) => ask(i, command, reply))),
    cpuMs() {
      const each = procs.map((p) => cpuMs(p.pid!));
      return each.every((x) => x !== undefined) ? (each as number[]).reduce((a, b) => a + b, 0) : undefined;
    },
    stop() {
      for (const p of procs) p.kill("SIGTERM");
    },
  };
}

// --- figures ---------------------------------------------------------------------------------------

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
    // A Redis database of its own on that server: a FLUSHDB by someone's tests on the shared one
    // would drop the revocation marker mid-run (every signed-in connect refused for a second).
    const redisUrl = new URL(redisServer.url);
    redisUrl.pathname = `/${REDIS_DB}`;
    const redisService = { url: redisUrl.toString() };
    const databaseUrl = new URL(postgres.url);
    databaseUrl.pathname = `/${DATABASE}`;
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    if ((await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE])).rowCount === 0)
      await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
    await migrateAll(databaseUrl.toString());
    const seeded = await seed(databaseUrl.toString());
    log(`bench data in ${DATABASE}: ${USERS} + ${FEW_USERS} subscribers, ${FANS} followers with an artist each`);

    const keys = loadKeys(log);
    const [usersPort, catalogPort, routerPort, inspectPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const base: NodeJS.ProcessEnv = {
      PATH: env.PATH,
      HOME: env.HOME,
      NODE_ENV: "production",
      LOG_LEVEL: env.LOG_LEVEL ?? "warn",
      HOST: "127.0.0.1",
      REDIS_URL: redisService.url,
      REDIS_KEY_PREFIX: KEY_PREFIX,
      JWT_PUBLIC_KEYS: JSON.stringify(keys.publicKeys),
      SUBGRAPH_SECRET,
    };
    const mediaDir = path.join(root, ".data/bench-media");
    mkdirSync(mediaDir, { recursive: true });
    const services: Service[] = [];
    const start = async (opts: Parameters<typeof startService>[0]) => {
      const service = await startService(opts);
      services.push(service);
      cleanups.push(() => service.stop());
      return service;
    };
    const [users, catalog] = await Promise.all([
      start({
        name: "users subgraph",
        script: path.join(root, "subgraphs/users/src/main.ts"),
        cwd: root,
        env: {
          ...base,
          PORT: String(usersPort),
          DATABASE_URL: databaseUrl.toString(),
          JWT_SIGNING_KID: keys.signingKey.kid,
          JWT_SIGNING_KEY: keys.signingKey.privateKey,
          LIMIT_LOGIN_PER_IP_PER_MINUTE: "1000000000",
          LIMIT_FAILED_LOGINS_PER_ACCOUNT: "1000000000",
          LIMIT_REGISTER_PER_IP_PER_HOUR: "1000000000",
        },
        healthUrl: `http://127.0.0.1:${usersPort}/health`,
      }),
      start({
        name: "catalog subgraph",
        script: path.join(root, "subgraphs/catalog/src/main.ts"),
        cwd: root,
        env: {
          ...base,
          PORT: String(catalogPort),
          DATABASE_URL: databaseUrl.toString(),
          MEDIA_DIR: mediaDir,
          MEDIA_URL_SECRET: "bench-only-secret",
          MEDIA_WORKER: "false",
        },
        healthUrl: `http://127.0.0.1:${catalogPort}/health`,
      }),
    ]);
    const router = await start({
      name: "router",
      script: path.join(root, "router/src/main.ts"),
      cwd: root,
      nodeArgs: [
        `--inspect=127.0.0.1:${inspectPort}`,
        ...(env.BENCH_ROUTER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean),
      ],
      env: {
        ...base,
        PORT: String(routerPort),
        SUBGRAPH_URLS: `users=http://127.0.0.1:${usersPort}/graphql,catalog=http://127.0.0.1:${catalogPort}/graphql`,
        LIMIT_REQUESTS_PER_MINUTE: "1000000000",
      },
      healthUrl: `http://127.0.0.1:${routerPort}/health`,
    });
    log(
      `users pid ${users.pid} :${usersPort}, catalog pid ${catalog.pid} :${catalogPort}, router pid ${router.pid} :${routerPort}`,
    );
    const usersUrl = `http://127.0.0.1:${usersPort}/graphql`;
    const routerWs = `ws://127.0.0.1:${routerPort}/graphql`;

    // The publisher, and a listener on the revocation channel (to time announcements).
    const redis = new Redis(redisService.url, { keyPrefix: KEY_PREFIX, lazyConnect: false });
    cleanups.push(() => void redis.disconnect());
    const pubsub = createPubSub(redis);
    cleanups.push(() => pubsub.close());
    const announcements: number[] = [];
    await pubsub.subscribe(REVOCATION_CHANNEL, () => void announcements.push(clock()));
    const channelOf = (userId: string) => `users:followerAdded:${userId}`;
    const listeners = async (ids: string[]) => {
      const reply = (await redis.call("PUBSUB", "NUMSUB", ...ids.map((id) => KEY_PREFIX + channelOf(id)))) as (
        | string
        | number
      )[];
      return reply.filter((_, i) => i % 2 === 1).reduce((a: number, b) => a + Number(b), 0);
    };
    const upstreamSockets = () => tcpConnections(router.pid, { remotePort: usersPort });
    const clientSockets = () => tcpConnections(router.pid, { localPort: routerPort });
    /** RSS after the heap's GCs, and the heap. */
    const routerMemory = async () => {
      const heap = await heapAfterGc(inspectPort);
      return { heap, rss: memory(router.pid)?.rss };
    };
    const artistOf = Object.fromEntries(seeded.fans.map((f) => [f.id, f.artist]));

    let seq = 0;
    const publishTo = (userId: string, n = 1) => {
      const fan = seeded.fans[seq % FANS]!;
      const t = clock();
      seq += n;
      return publishEvent(pubsub, channelOf(userId), {
        userId: fan.id,
        followedAt: new Date(t).toISOString(),
        cursor: `${seq}:${t.toFixed(3)}`,
      });
    };

    const clients = startClients(CLIENT_PROCS);
    cleanups.push(() => clients.stop());
    const collect = async () => {
      const replies = await clients.all({ type: "collect" }, "collected");
      const latencies = new Float64Array(replies.reduce((n, r) => n + r.latencies.length, 0));
      const seqs = new Float64Array(latencies.length);
      let offset = 0;
      for (const r of replies) {
        latencies.set(r.latencies, offset);
        seqs.set(r.seqs, offset);
        offset += r.latencies.length;
      }
      return {
        latencies,
        seqs,
        bad: replies.flatMap((r) => r.bad),
        silent: replies.reduce((n, r) => n + r.silent, 0),
        open: replies.reduce((n, r) => n + r.open, 0),
        closes: replies.flatMap((r) => r.closes),
      };
    };
    const waitFor = async (what: string, ok: () => Promise<boolean>, ms: number) => {
      const deadline = Date.now() + ms;
      while (!(await ok())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(50);
      }
    };
    /** Opens the given sockets split over the subscriber processes, each user's on one process. */
    const open = async (plan: { token: string; connections: number; subscriptions: number }[]) => {
      const per: Command[] = clients.procs.map(() => ({
        type: "open",
        url: routerWs,
        query: QUERY,
        sockets: [],
        concurrency: 25,
        artistOf,
      }));
      plan.forEach((p, i) => {
        const command = per[i % per.length] as Extract<Command, { type: "open" }>;
        for (let c = 0; c < p.connections; c++)
          command.sockets.push({ token: p.token, subscriptions: p.subscriptions });
      });
      const started = performance.now();
      const routerBefore = cpuMs(router.pid);
      const replies = await Promise.all(per.map((command, i) => clients.ask(i, command, "opened")));
      const failed = replies.flatMap((r) => r.failed);
      if (failed.length) throw new Error(`${failed.length} sockets failed to open: ${failed.slice(0, 3).join("; ")}`);
      // Acks are in and the subscribes sent: wait for the router to have done them (every upstream
      // socket open, then its CPU quiet: under 5 ms in a 100 ms window).
      const sockets = plan.reduce((n, p) => n + p.connections, 0);
      await waitFor(`${sockets} upstream sockets`, async () => upstreamSockets() >= sockets, 30_000);
      let last = cpuMs(router.pid) ?? 0;
      let quietSince = performance.now();
      for (let i = 0; i < 300; i++) {
        await sleep(100);
        const nowCpu = cpuMs(router.pid) ?? 0;
        if (nowCpu - last < 5) break;
        last = nowCpu;
        quietSince = performance.now();
      }
      return {
        ms: quietSince - started,
        routerCpuMs: last - (routerBefore ?? Number.NaN),
        connectsRetried: replies.reduce((n, r) => n + r.retried.connects, 0),
        subscribesRetried: replies.reduce((n, r) => n + r.retried.subscribes, 0),
        reasons: replies.flatMap((r) => r.retried.reasons).slice(0, 2),
      };
    };
    const window = async () => {
      for (let i = 0; i < clients.procs.length; i++) clients.procs[i]!.send({ type: "window" } satisfies Command);
      await collect(); // a round trip: the window command went first
    };
    /**
     * Every subscription live end to end: one event per user, again every second, until each
     * subscription got one (a subscribe may still be on its way upstream), and every one checked.
     */
    const probe = async (ids: string[]) => {
      await window();
      const deadline = Date.now() + 30_000;
      for (;;) {
        for (const id of ids) await publishTo(id);
        await sleep(1000);
        const c = await collect();
        if (c.bad.length) throw new WrongAnswer(`bad deliveries: ${c.bad.filter(Boolean).slice(0, 3).join("\n")}`);
        if (c.silent === 0) return;
        if (Date.now() > deadline) throw new Error(`${c.silent} subscriptions got no event within 30 s`);
      }
    };

    // --- log in ---------------------------------------------------------------------------------
    const loginStarted = performance.now();
    const tokens = await inBatches(seeded.subscribers, 10, (u) => login(usersUrl, u.email));
    log(`${USERS} subscribers signed in (${((performance.now() - loginStarted) / 1000).toFixed(1)} s)`);

    // --- warm-up: one user's 10 sockets, then closed ---------------------------------------------
    await open([{ token: tokens[0]!, connections: CONNECTIONS_PER_USER, subscriptions: 1 }]);
    await probe([seeded.subscribers[0]!.id]);
    await window();
    for (let i = 0; i < 50; i++) {
      await publishTo(seeded.subscribers[0]!.id);
      await sleep(20);
    }
    let warm = await collect();
    for (let i = 0; i < 50 && warm.latencies.length < 50 * CONNECTIONS_PER_USER; i++) {
      await sleep(100);
      warm = await collect();
    }
    if (warm.bad.length || warm.latencies.length < 50 * CONNECTIONS_PER_USER)
      throw new WrongAnswer(
        `warm-up: ${warm.latencies.length} of ${50 * CONNECTIONS_PER_USER} deliveries, bad: ${warm.bad.filter(Boolean).slice(0, 3).join("\n")}`,
      );
    await clients.all({ type: "closeAll" }, "closedAll");
    await waitFor("warm-up sockets closed", async () => upstreamSockets() === 0 && clientSockets() === 0, 10_000);
    await sleep(500);

    // --- layout A: 1,000 sockets, one subscription each ------------------------------------------
    const memBefore = await routerMemory();
    const openA = await open(tokens.map((token) => ({ token, connections: CONNECTIONS_PER_USER, subscriptions: 1 })));
    const totalA = USERS * CONNECTIONS_PER_USER;
    log(`${totalA} sockets open in ${(openA.ms / 1000).toFixed(1)} s`);
    await waitFor("1,000 upstream sockets", async () => upstreamSockets() >= totalA, 30_000);
    await waitFor(
      "every channel subscribed in users",
      async () => (await listeners(seeded.subscribers.map((u) => u.id))) >= USERS,
      30_000,
    );
    await probe(seeded.subscribers.map((u) => u.id));
    log(`probe: every one of the ${totalA} subscriptions got its event`);
    await sleep(500);
    const memOpenA = await routerMemory();
    const socketsA = { upstream: upstreamSockets(), clients: clientSockets() };

    // --- steady steps -----------------------------------------------------------------------------
    interface Step {
      label: string;
      offered: number;
      published: number;
      expected: number;
      delivered: number;
      seconds: number;
      bad: number;
      lat?: { p50: number; p99: number; max: number };
      cpu: {
        router?: number;
        users?: number;
        catalog?: number;
        clients?: number;
        postgres?: number;
        redis?: number;
        driver: number;
        machine?: number;
      };
      machineBusy?: number;
      wall: number;
    }
    const runStep = async (label: string, rate: number, seconds: number): Promise<Step> => {
      const publishesPerSecond = rate / CONNECTIONS_PER_USER;
      await window();
      const before = {
        router: cpuMs(router.pid),
        users: cpuMs(users.pid),
        catalog: cpuMs(catalog.pid),
        clients: clients.cpuMs(),
        postgres: cpuOfCommand("postgres"),
        redis: cpuOfCommand("redis-server"),
        driver: process.cpuUsage(),
        machine: machineCpuMs(),
        at: performance.now(),
      };
      let published = 0;
      let next = 0;
      const firstSeq = seq + 1;
      const startedAt = performance.now();
      const pending: Promise<unknown>[] = [];
      await new Promise<void>((resolve) => {
        const tick = () => {
          const elapsed = (performance.now() - startedAt) / 1000;
          if (elapsed >= seconds) return resolve();
          const due = Math.floor(elapsed * publishesPerSecond) + 1;
          while (published < due) {
            const user = seeded.subscribers[next++ % USERS]!;
            pending.push(publishTo(user.id));
            published += 1;
          }
          if (pending.length > 200) void Promise.all(pending.splice(0));
          setTimeout(tick, 2);
        };
        tick();
      });
      await Promise.all(pending);
      const lastSeq = seq;
      const expected = published * CONNECTIONS_PER_USER;
      // Only this step's events (a late delivery of an earlier one is not counted here).
      const ours = (c: Awaited<ReturnType<typeof collect>>) =>
        c.latencies.filter((_, i) => c.seqs[i]! >= firstSeq && c.seqs[i]! <= lastSeq);
      // Drain: until every delivery arrived, or 15 s without all of them.
      let c = await collect();
      let latencies = ours(c);
      const drainUntil = performance.now() + 15_000;
      while (latencies.length < expected && performance.now() < drainUntil) {
        await sleep(100);
        c = await collect();
        latencies = ours(c);
      }
      const after = {
        router: cpuMs(router.pid),
        users: cpuMs(users.pid),
        catalog: cpuMs(catalog.pid),
        clients: clients.cpuMs(),
        postgres: cpuOfCommand("postgres"),
        redis: cpuOfCommand("redis-server"),
        driver: process.cpuUsage(before.driver),
        machine: machineCpuMs(),
        at: performance.now(),
      };
      const delivered = latencies.length;
      const per = (a?: number, b?: number) => (a !== undefined && b !== undefined ? (b - a) / delivered : undefined);
      return {
        label,
        offered: rate,
        published,
        expected,
        delivered,
        seconds,
        bad: c.bad.length,
        lat: percentiles(latencies),
        cpu: {
          router: per(before.router, after.router),
          users: per(before.users, after.users),
          catalog: per(before.catalog, after.catalog),
          clients: per(before.clients, after.clients),
          postgres: per(before.postgres, after.postgres),
          redis: per(before.redis, after.redis),
          driver: (after.driver.user + after.driver.system) / 1000 / delivered,
          machine: before.machine && after.machine ? (after.machine.busy - before.machine.busy) / delivered : undefined,
        },
        machineBusy:
          before.machine && after.machine
            ? (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total)
            : undefined,
        wall: (after.at - before.at) / 1000,
      };
    };
    log(`warm-up: ${RATES[0]} deliveries/s for ${WARMUP_SECONDS} s`);
    await runStep("warm-up", RATES[0]!, WARMUP_SECONDS);
    const steps: Step[] = [];
    for (const rate of RATES) {
      log(`step: ${rate} deliveries/s offered for ${STEP_SECONDS} s`);
      steps.push(await runStep(String(rate), rate, STEP_SECONDS));
      await sleep(500);
    }
    const peakA = memory(router.pid)?.peak;

    // --- revocation, layout A: every user signs out everywhere ----------------------------------
    interface Revocation {
      label: string;
      subscriptions: number;
      sockets: number;
      users: number;
      announcements: number;
      firstAnnouncementMs: number;
      lastAnnouncementMs: number;
      lastCloseMs: number;
      sinceFirst: number;
      sinceLast: number;
      codes: string;
      zeroMs?: number;
      after: { upstream: number; clients: number; listeners: number };
    }
    const revoke = async (
      label: string,
      who: { id: string; token: string }[],
      subscriptions: number,
      sockets: number,
    ): Promise<Revocation> => {
      await window();
      announcements.length = 0;
      const t0 = clock();
      await Promise.all(
        who.map((u) =>
          usersGql(usersUrl, `mutation { logout(input: { everywhere: true }) { signedOutSessionCount } }`, {}, u.token),
        ),
      );
      let c = await collect();
      const deadline = Date.now() + 30_000;
      while (c.open > 0 && Date.now() < deadline) {
        await sleep(20);
        c = await collect();
      }
      if (c.open > 0) throw new Error(`${label}: ${c.open} sockets still open 30 s after the revocation`);
      const codes = new Map<number, number>();
      for (const close of c.closes) codes.set(close.code, (codes.get(close.code) ?? 0) + 1);
      const lastClose = Math.max(...c.closes.map((x) => x.at));
      const firstAnn = Math.min(...announcements);
      const lastAnn = Math.max(...announcements);
      // Everything the router held for them, back to zero.
      let zeroMs: number | undefined;
      const ids = who.map((u) => u.id);
      try {
        await waitFor(
          "zero",
          async () => upstreamSockets() === 0 && clientSockets() === 0 && (await listeners(ids)) === 0,
          15_000,
        );
        zeroMs = clock() - lastClose;
      } catch {
        // reported below as what is left
      }
      const result: Revocation = {
        label,
        subscriptions,
        sockets,
        users: who.length,
        announcements: announcements.length,
        firstAnnouncementMs: firstAnn - t0,
        lastAnnouncementMs: lastAnn - t0,
        lastCloseMs: lastClose - t0,
        sinceFirst: lastClose - firstAnn,
        sinceLast: lastClose - lastAnn,
        codes: [...codes].map(([code, n]) => `${n}×${code}`).join(" "),
        zeroMs,
        after: { upstream: upstreamSockets(), clients: clientSockets(), listeners: await listeners(ids) },
      };
      await clients.all({ type: "closeAll" }, "closedAll");
      return result;
    };
    log(`revocation: ${USERS} users sign out everywhere`);
    const revA = await revoke(
      `A: ${USERS} users × ${CONNECTIONS_PER_USER} sockets × 1`,
      seeded.subscribers.map((u, i) => ({ id: u.id, token: tokens[i]! })),
      totalA,
      totalA,
    );
    await sleep(500);
    const memClosedA = await routerMemory();

    // --- layout B: the same 1,000 subscriptions on 40 sockets of 4 users --------------------------
    const fewTokens = await Promise.all(seeded.few.map((u) => login(usersUrl, u.email)));
    const socketsB = FEW_USERS * CONNECTIONS_PER_USER;
    const totalB = socketsB * SUBSCRIPTIONS_PER_CONNECTION;
    const openB = await open(
      fewTokens.map((token) => ({
        token,
        connections: CONNECTIONS_PER_USER,
        subscriptions: SUBSCRIPTIONS_PER_CONNECTION,
      })),
    );
    await waitFor(`${socketsB} upstream sockets`, async () => upstreamSockets() >= socketsB, 30_000);
    await waitFor(
      "every channel subscribed in users",
      async () => (await listeners(seeded.few.map((u) => u.id))) >= FEW_USERS,
      30_000,
    );
    await probe(seeded.few.map((u) => u.id));
    log(
      `B: ${totalB} subscriptions on ${socketsB} sockets open in ${(openB.ms / 1000).toFixed(1)} s, each got its event`,
    );
    await sleep(500);
    const memOpenB = await routerMemory();
    log(`revocation: ${FEW_USERS} users sign out everywhere`);
    const revB = await revoke(
      `B: ${FEW_USERS} users × ${CONNECTIONS_PER_USER} sockets × ${SUBSCRIPTIONS_PER_CONNECTION}`,
      seeded.few.map((u, i) => ({ id: u.id, token: fewTokens[i]! })),
      totalB,
      socketsB,
    );
    await sleep(500);
    const memClosedB = await routerMemory();

    // --- report -----------------------------------------------------------------------------------
    const load = os.loadavg();
    const loadText = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
    console.log(
      `\n=== Melodi federated subscriptions: ${totalA} subscribers on one router, followerAdded (users) + artistProfiles (catalog) ===`,
    );
    console.log(
      `Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? "?"}), load average ${loadText(loadAtStart)} at the start, ${loadText(load)} at the end; ${CLIENT_PROCS} subscriber processes`,
    );
    table(
      `1. Steady delivery: ${totalA} subscriptions on ${totalA} sockets (${USERS} users × ${CONNECTIONS_PER_USER}), ${STEP_SECONDS} s per step; CPU in ms per delivered event`,
      [
        "offered/s",
        "delivered/s",
        "delivered",
        "missing",
        "bad",
        "p50 ms",
        "p99 ms",
        "max ms",
        "router CPU",
        "router cores",
        "users CPU",
        "catalog CPU",
        "clients CPU",
        "driver CPU",
        "Postgres CPU",
        "Redis CPU",
        "rest CPU",
        "rest cores",
        "machine busy %",
      ],
      steps.map((s) => {
        const ours =
          (s.cpu.router ?? 0) +
          (s.cpu.users ?? 0) +
          (s.cpu.catalog ?? 0) +
          (s.cpu.clients ?? 0) +
          s.cpu.driver +
          (s.cpu.postgres ?? 0) +
          (s.cpu.redis ?? 0);
        return [
          String(s.offered),
          fmt(s.delivered / s.seconds, 0),
          String(s.delivered),
          String(s.expected - s.delivered),
          String(s.bad),
          fmt(s.lat?.p50),
          fmt(s.lat?.p99),
          fmt(s.lat?.max),
          fmt(s.cpu.router, 3),
          fmt(s.cpu.router === undefined ? undefined : (s.cpu.router * s.delivered) / 1000 / s.wall, 2),
          fmt(s.cpu.users, 3),
          fmt(s.cpu.catalog, 3),
          fmt(s.cpu.clients, 3),
          fmt(s.cpu.driver, 3),
          fmt(s.cpu.postgres, 3),
          fmt(s.cpu.redis, 3),
          fmt(s.cpu.machine === undefined ? undefined : s.cpu.machine - ours, 3),
          fmt(s.cpu.machine === undefined ? undefined : ((s.cpu.machine - ours) * s.delivered) / 1000 / s.wall, 2),
          fmt(s.machineBusy === undefined ? undefined : s.machineBusy * 100, 0),
        ];
      }),
    );
    const worst = Math.max(...steps.map((s) => s.lat?.p99 ?? Number.POSITIVE_INFINITY));
    console.log(
      `target p99 < ${TARGET_P99_MS} ms at every step: ${worst < TARGET_P99_MS ? "MET" : "NOT MET"} (worst p99 ${fmt(worst)} ms)`,
    );

    // KiB per subscription; n/a when memory went down (RSS freed by A is not returned to the OS).
    const perSub = (a?: number, b?: number, n = 1000) =>
      a !== undefined && b !== undefined && b >= a ? ((b - a) * 1024) / n : undefined;
    table(
      "2. Router memory (MiB; heap = V8 heap used after two full GCs, through the router's inspector)",
      ["when", "RSS", "heap", "RSS KiB/sub", "heap KiB/sub", "client sockets", "upstream sockets"],
      [
        ["before (after warm-up)", fmt(memBefore.rss), fmt(memBefore.heap, 2), "", "", "0", "0"],
        [
          `A open: ${totalA} subs / ${totalA} sockets`,
          fmt(memOpenA.rss),
          fmt(memOpenA.heap, 2),
          fmt(perSub(memBefore.rss, memOpenA.rss, totalA)),
          fmt(perSub(memBefore.heap, memOpenA.heap, totalA)),
          String(socketsA.clients),
          String(socketsA.upstream),
        ],
        ["A peak during steps (VmHWM)", fmt(peakA), "", "", "", "", ""],
        [
          "A closed (after revocation)",
          fmt(memClosedA.rss),
          fmt(memClosedA.heap, 2),
          "",
          "",
          String(revA.after.clients),
          String(revA.after.upstream),
        ],
        [
          `B open: ${totalB} subs / ${socketsB} sockets`,
          fmt(memOpenB.rss),
          fmt(memOpenB.heap, 2),
          fmt(perSub(memClosedA.rss, memOpenB.rss, totalB)),
          fmt(perSub(memClosedA.heap, memOpenB.heap, totalB)),
          String(socketsB),
          String(socketsB),
        ],
        [
          "B closed (after revocation)",
          fmt(memClosedB.rss),
          fmt(memClosedB.heap, 2),
          "",
          "",
          String(revB.after.clients),
          String(revB.after.upstream),
        ],
      ],
    );

    table(
      "3. Revocation: users' logout(everywhere) for every user at once → every socket closed (ms from the first logout sent)",
      [
        "layout",
        "subs",
        "sockets",
        "logouts",
        "announced",
        "1st announce",
        "last announce",
        "last close",
        "1st announce→last close",
        "last announce→last close",
        "close codes",
        "→ zero ms",
        "left: upstream/clients/channels",
      ],
      [revA, revB].map((r) => [
        r.label,
        String(r.subscriptions),
        String(r.sockets),
        String(r.users),
        String(r.announcements),
        fmt(r.firstAnnouncementMs),
        fmt(r.lastAnnouncementMs),
        fmt(r.lastCloseMs),
        fmt(r.sinceFirst),
        fmt(r.sinceLast),
        r.codes,
        fmt(r.zeroMs, 0),
        `${r.after.upstream}/${r.after.clients}/${r.after.listeners}`,
      ]),
    );
    table(
      "4. Opening: 25 sockets connecting at once per subscriber process, each subscribing right after its ack; seconds until the router is done (its CPU quiet)",
      ["layout", "subs", "sockets", "seconds", "router CPU ms/sub", "connects retried", "subscribes retried"],
      [
        [`A: ${USERS} users × ${CONNECTIONS_PER_USER} × 1`, String(totalA), String(totalA), openA],
        [
          `B: ${FEW_USERS} users × ${CONNECTIONS_PER_USER} × ${SUBSCRIPTIONS_PER_CONNECTION}`,
          String(totalB),
          String(socketsB),
          openB,
        ],
      ].map(([label, subs, sockets, o]) => {
        const x = o as typeof openA;
        return [
          label as string,
          subs as string,
          sockets as string,
          fmt(x.ms / 1000, 2),
          fmt(x.routerCpuMs / Number(subs), 2),
          String(x.connectsRetried),
          String(x.subscribesRetried),
        ];
      }),
    );
    for (const reason of [...openA.reasons, ...openB.reasons]) console.log(`  retried after: ${reason}`);
    console.log(
      "router CPU = user + system CPU of the router process (/proc) from the step's start until its last delivery, per delivered event;",
    );
    console.log(
      "router cores = its busy share of one core over the step; rest = the kernel's own threads and anyone else's load (rest cores: how many cores that took).",
    );
    const bad = steps.reduce((n, s) => n + s.bad, 0);
    if (bad > 0) {
      console.error(`\nWRONG DELIVERIES: ${bad} (payload with errors or without the catalog field)`);
      return 1;
    }
    return 0;
  } catch (err) {
    if (interrupted) return 130;
    console.error(
      err instanceof WrongAnswer
        ? `\nWRONG DELIVERY: ${err.message}`
        : `\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    return 1;
  } finally {
    if (!interrupted) await cleanup();
  }
}

// Exit explicitly: async-exit-hook (imported through scripts/services.ts) exits 0 on "beforeExit".
process.exit(await main());
