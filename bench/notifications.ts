// `pnpm bench:notifications`: the notifications subgraph's three figures (issue 12, Performance).
// Figures only, one run; it exits 1 only when something does not start or a result is wrong (a
// duplicate push is reported, not thrown: it is the figure asked for). On a database of its own
// (melodi_notifications_bench, made, migrated and dropped) and a Redis database and key prefix of
// its own.
//
//   1. Pushes: BENCH_PUSHES (100,000) pending pushes, sent to a fake Expo push server
//      (tests/support/fakeExpo.ts, in this process, Expo's wire format) that answers 429 to a
//      share of requests (BENCH_429_SHARE, 0.1), by two worker processes running the service's
//      sender (bench/pushWorker.ts) side by side, as two replicas would; one is killed with
//      SIGKILL once 30 % have arrived and a third starts. Reported: pushes/s, 429s, duplicates
//      (a notification and device pair Expo received twice), and what the killed worker had
//      claimed and never sent again (at most once: those are lost, and counted as unknown).
//   2. Live: 1,000 accounts each hold `notificationReceived` over graphql-ws through the router
//      (the notifications subgraph and the router, each its own process, production settings);
//      an admin's announcement to everyone, sent now, reaches all of them. Per round, the delay
//      from the notification's row (its createdAt, set in the transaction that makes the 1,000)
//      to each client, and from the admin's mutation to each client.
//   3. The hourly clean-up over BENCH_STORED (1,000,000) stored notifications, half past 72
//      hours: how long it takes, and the p50/p95/p99 of an inbox query through the router (4
//      connections) before and while it runs.
//
// Knobs: BENCH_PUSHES, BENCH_429_SHARE, BENCH_SUBSCRIBERS, BENCH_ROUNDS (5), BENCH_STORED,
// BENCH_STEP_SECONDS (8, the inbox load before the clean-up), BENCH_NOTIFICATIONS_NODE_ARGS (extra
// Node flags for the subgraph, e.g. "--cpu-prof --cpu-prof-dir=.data/prof").
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import type pg from "pg";
import type WebSocket from "ws";
import { openSubscribers } from "./wsSubscribers.ts";
import { bullPrefix } from "@melodi/kit";
import { root } from "../scripts/subgraphs.ts";
import { HOURLY_QUEUE } from "../subgraphs/notifications/src/jobs/schedule.ts";
import { startFakeExpo } from "../tests/support/fakeExpo.ts";
import { cpuMs, freePort, startService, type Service } from "./procs.ts";
import { fmt, percentiles, table } from "./report.ts";
import { withSandbox, type Sandbox } from "./sandbox.ts";

const env = process.env;
const knob = (name: string, fallback: number) => (Number(env[name]) > 0 ? Number(env[name]) : fallback);
const PUSHES = knob("BENCH_PUSHES", 100_000);
const SHARE_429 = env.BENCH_429_SHARE === undefined ? 0.1 : Number(env.BENCH_429_SHARE);
const SUBSCRIBERS = knob("BENCH_SUBSCRIBERS", 1000);
const ROUNDS = knob("BENCH_ROUNDS", 5);
const STORED = knob("BENCH_STORED", 1_000_000);
const STEP_MS = knob("BENCH_STEP_SECONDS", 8) * 1000;
const KEY_PREFIX = "melodi-notif-bench:";
const log = (msg: string) => console.log(`» ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

async function main() {
  await withSandbox({ database: "melodi_notifications_bench", keyPrefix: KEY_PREFIX, redisDb: 12, log }, async (sb) => {
    const expo = await startFakeExpo();
    const services: Service[] = [];
    const sockets: WebSocket[] = [];
    try {
      await pushes(sb.databaseUrl, sb.db, expo);
      await live(sb, expo, services, sockets);
      const [l1, l5] = os.loadavg();
      console.log(
        `\nload average at the end: ${l1!.toFixed(2)} (1 min), ${l5!.toFixed(2)} (5 min); ${os.cpus().length} cores`,
      );
    } finally {
      for (const s of sockets) s.terminate();
      for (const s of services) await s.stop();
      await expo.close();
    }
  });
}

// --- 1. pushes ----------------------------------------------------------------------------------

function worker(databaseUrl: string, expoUrl: string): { child: ChildProcess; done: Promise<string> } {
  const child = spawn(process.execPath, [path.join(root, "bench/pushWorker.ts")], {
    cwd: root,
    env: { PATH: env.PATH, HOME: env.HOME, NODE_ENV: "production", DATABASE_URL: databaseUrl, EXPO_BASE_URL: expoUrl },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const done = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ? `killed (${signal})` : out.trim() || `exit ${code}`)),
  );
  return { child, done };
}

async function pushes(databaseUrl: string, db: pg.Pool, expo: Awaited<ReturnType<typeof startFakeExpo>>) {
  log(`${PUSHES.toLocaleString("en")} pending pushes`);
  const seedStarted = performance.now();
  await db.query(
    `INSERT INTO "notifications"."Notification" ("id", "recipientId", "type", "sourceKey", "eventId", "createdAt")
     SELECT gen_random_uuid(), gen_random_uuid(), 'USER_FOLLOWED', 'bench:' || n, gen_random_uuid(), now() AT TIME ZONE 'UTC'
     FROM generate_series(1, $1) AS n`,
    [PUSHES],
  );
  await db.query(
    `INSERT INTO "notifications"."PushDelivery" ("id", "notificationId", "token", "status")
     SELECT gen_random_uuid(), "id", 'ExponentPushToken[' || "sourceKey" || ']', 'PENDING' FROM "notifications"."Notification"`,
  );
  log(
    `seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s; Expo answers 429 to ${(SHARE_429 * 100).toFixed(0)} % of requests`,
  );
  expo.reset();
  expo.rateLimitShare = SHARE_429;

  const started = performance.now();
  const workers = [worker(databaseUrl, expo.url), worker(databaseUrl, expo.url)];
  // Kill the first once 30 % have arrived (or when it is about to finish on a fast machine).
  while (expo.received.length < PUSHES * 0.3) await sleep(20);
  const killedAt = expo.received.length;
  workers[0]!.child.kill("SIGKILL");
  workers.push(worker(databaseUrl, expo.url));
  const results = await Promise.all(workers.map((w) => w.done));
  // Pushes Expo kept refusing past their attempts go back to PENDING: a last worker takes them.
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "notifications"."PushDelivery" WHERE "status" = 'PENDING'`,
    );
    if (rows[0]!.n === 0) break;
    results.push(await worker(databaseUrl, expo.url).done);
  }
  const seconds = (performance.now() - started) / 1000;
  const { rows } = await db.query<{ status: string; n: number }>(
    `SELECT "status"::text AS status, count(*)::int AS n FROM "notifications"."PushDelivery" GROUP BY 1`,
  );
  const by = (s: string) => rows.find((r) => r.status === s)?.n ?? 0;
  const seen = new Map<string, number>();
  for (const r of expo.received) {
    const key = `${String(r.data?.notificationId)}|${r.to}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const duplicates = [...seen.values()].reduce((sum, c) => sum + (c > 1 ? c - 1 : 0), 0);
  const unknownReceived = [...seen.keys()].length - by("SENT");
  table(
    `Pushes to the fake Expo: 2 workers, one killed at ${killedAt.toLocaleString("en")} received, a third started`,
    ["figure", "value"],
    [
      ["pushes", PUSHES.toLocaleString("en")],
      ["wall time, s", fmt(seconds)],
      ["sent (ticket kept), per s", fmt(by("SENT") / seconds, 0)],
      ["sent (ticket kept)", by("SENT").toLocaleString("en")],
      ["requests answered 200 / 429", `${expo.sendRequests[200] ?? 0} / ${expo.sendRequests[429] ?? 0}`],
      ["largest request, messages", String(expo.largestChunk)],
      ["duplicates at Expo", String(duplicates)],
      ["claimed by the killed worker, never sent again", by("SENDING").toLocaleString("en")],
      ["  of which Expo had received", String(Math.max(0, unknownReceived))],
      ["still pending", String(by("PENDING"))],
      ["failed", String(by("FAILED"))],
    ],
  );
  console.log(`workers: ${results.join(" | ")}`);
  if (by("PENDING") !== 0 || by("SENT") + by("SENDING") !== PUSHES) throw new Error("pushes unaccounted for");
  await db.query(`TRUNCATE "notifications"."PushDelivery", "notifications"."Notification"`);
}

// --- 2. live delivery, 3. clean-up --------------------------------------------------------------

async function live(
  sb: Sandbox,
  expo: Awaited<ReturnType<typeof startFakeExpo>>,
  services: Service[],
  sockets: WebSocket[],
) {
  const { db, sign } = sb;
  const databaseUrl = sb.databaseUrl;
  const redisUrl = sb.redisUrl;
  // The accounts as users' user.changed events would leave them (no users service here).
  const { rows: people } = await db.query<{ id: string }>(
    `INSERT INTO "notifications"."UserRecord" ("id", "displayName", "role", "blocked", "version")
     SELECT gen_random_uuid(), 'Bench ' || n, 'USER', false, 1 FROM generate_series(1, $1) AS n RETURNING "id"::text`,
    [SUBSCRIBERS],
  );
  const adminToken = sign(randomUUID(), "ADMIN");

  const [notificationsPort, routerPort] = [await freePort(), await freePort()];
  const base = sb.baseEnv;
  const notifications = await startService({
    name: "notifications subgraph",
    script: path.join(root, "subgraphs/notifications/src/main.ts"),
    cwd: root,
    nodeArgs: (env.BENCH_NOTIFICATIONS_NODE_ARGS ?? "").split(/\s+/).filter(Boolean),
    env: { ...base, PORT: String(notificationsPort), DATABASE_URL: databaseUrl, EXPO_BASE_URL: expo.url },
    healthUrl: `http://127.0.0.1:${notificationsPort}/health`,
  });
  services.push(notifications);
  const router = await startService({
    name: "router",
    script: path.join(root, "router/src/main.ts"),
    cwd: root,
    env: {
      ...base,
      PORT: String(routerPort),
      SUBGRAPH_URLS: `notifications=http://127.0.0.1:${notificationsPort}/graphql`,
      LIMIT_REQUESTS_PER_MINUTE: "1000000000",
    },
    healthUrl: `http://127.0.0.1:${routerPort}/health`,
  });
  services.push(router);
  const httpUrl = `http://127.0.0.1:${routerPort}/graphql`;
  const gql = async (query: string, variables: object, token: string) => {
    const res = await fetch(httpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: unknown[] };
    if (!res.ok || body.errors) throw new Error(`router: HTTP ${res.status} ${JSON.stringify(body).slice(0, 400)}`);
    return body.data;
  };

  // --- 2. 1,000 subscribers
  log(`${SUBSCRIBERS} subscribers over graphql-ws through the router`);
  const receipts = new Map<string, { at: number; createdAt: number }[]>(); // title → deliveries
  await openSubscribers({
    url: `ws://127.0.0.1:${routerPort}/graphql`,
    tokens: people.map((p) => sign(p.id, "USER")),
    query: "subscription { notificationReceived { id title createdAt } }",
    sockets,
    onNext(data, at) {
      const n = data?.notificationReceived;
      if (!n) throw new Error(`bad delivery: ${JSON.stringify(data)}`);
      const list = receipts.get(n.title) ?? [];
      list.push({ at, createdAt: Date.parse(n.createdAt) });
      receipts.set(n.title, list);
    },
  });
  // Every subscription is on its Redis channel before the first round.
  const plain = new Redis(redisUrl);
  for (;;) {
    const channels = (await plain.pubsub("CHANNELS", `${KEY_PREFIX}notifications:inbox:*`)) as string[];
    if (channels.length >= SUBSCRIBERS) break;
    await sleep(100);
  }
  plain.disconnect();
  log(`${people.length} subscribed`);

  // Where the time goes: when each notification reaches Redis (published by the subgraph), beside
  // when it reaches its client through the subgraph's and the router's subscriptions.
  const published = new Map<string, number[]>(); // announcement id → delays row → Redis
  const listener = new Redis(redisUrl);
  await listener.psubscribe(`${KEY_PREFIX}notifications:inbox:*`);
  listener.on("pmessage", (_p, _c, message) => {
    const at = now();
    const m = JSON.parse(message) as { announcementId: string | null; createdAt: string };
    if (!m.announcementId) return;
    const list = published.get(m.announcementId) ?? [];
    list.push(at - Date.parse(m.createdAt));
    published.set(m.announcementId, list);
  });

  const SCHEDULE = `mutation ($input: ScheduleAnnouncementInput!) { scheduleAnnouncement(input: $input) { announcement { id } userErrors { code } } }`;
  const rows: string[][] = [];
  const allMade: number[] = [];
  let cpu0 = { notifications: 0, router: 0, bench: 0 };
  for (let round = 0; round <= ROUNDS; round++) {
    const title = `Round ${round}`;
    const sentAt = now();
    const made = await gql(
      SCHEDULE,
      { input: { title, body: "Bench.", segment: "EVERYONE", sendAt: new Date().toISOString() } },
      adminToken,
    );
    if (made.scheduleAnnouncement.userErrors.length) throw new Error(JSON.stringify(made));
    const deadline = Date.now() + 60_000;
    while ((receipts.get(title)?.length ?? 0) < SUBSCRIBERS) {
      if (Date.now() > deadline)
        throw new Error(`${title}: ${receipts.get(title)?.length ?? 0} of ${SUBSCRIBERS} delivered`);
      await sleep(20);
    }
    const got = receipts.get(title)!;
    if (got.length !== SUBSCRIBERS) throw new Error(`${title}: ${got.length} deliveries`);
    if (round === 0) {
      // Warm-up; CPU is counted from here.
      cpu0 = {
        notifications: cpuMs(notifications.pid) ?? 0,
        router: cpuMs(router.pid) ?? 0,
        bench: process.cpuUsage().user / 1000,
      };
      continue;
    }
    const fromRow = percentiles(got.map((r) => r.at - r.createdAt))!;
    const fromMutation = percentiles(got.map((r) => r.at - sentAt))!;
    const toRedis = percentiles(published.get(made.scheduleAnnouncement.announcement.id) ?? []);
    allMade.push(...got.map((r) => r.at - r.createdAt));
    rows.push([
      String(round),
      fmt(toRedis?.p50),
      fmt(toRedis?.p99),
      fmt(fromRow.p50),
      fmt(fromRow.p95),
      fmt(fromRow.p99),
      fmt(fromRow.max),
      fmt(fromMutation.p99),
    ]);
    await sleep(500);
  }
  const all = percentiles(allMade)!;
  rows.push(["all", "", "", fmt(all.p50), fmt(all.p95), fmt(all.p99), fmt(all.max), ""]);
  listener.disconnect();
  const deliveries = ROUNDS * SUBSCRIBERS;
  const perDelivery = (ms: number) => fmt((ms * 1000) / deliveries, 0);
  table(
    `One announcement to ${SUBSCRIBERS} subscribers, per round (after a warm-up round), ms; CPU per delivery, µs: ` +
      `notifications ${perDelivery((cpuMs(notifications.pid) ?? 0) - cpu0.notifications)}, ` +
      `router ${perDelivery((cpuMs(router.pid) ?? 0) - cpu0.router)}, ` +
      `bench clients ${perDelivery(process.cpuUsage().user / 1000 - cpu0.bench)}`,
    ["round", "row→Redis p50", "p99", "row→client p50", "p95", "p99", "max", "mutation→client p99"],
    rows,
  );
  for (const s of sockets) s.close();

  // --- 3. the clean-up over 1,000,000 stored notifications
  log(`${STORED.toLocaleString("en")} stored notifications, half past 72 hours`);
  const seedStarted = performance.now();
  const ids = people.map((p) => p.id);
  for (let done = 0; done < STORED; done += 200_000) {
    const count = Math.min(200_000, STORED - done);
    await db.query(
      `INSERT INTO "notifications"."Notification" ("id", "recipientId", "type", "actorId", "sourceKey", "eventId", "createdAt", "readAt")
       SELECT gen_random_uuid(), ($1::uuid[])[1 + n % $2], 'USER_FOLLOWED', gen_random_uuid(), 'stored:' || ($3 + n), gen_random_uuid(),
         now() AT TIME ZONE 'UTC' - CASE WHEN n % 2 = 0 THEN interval '73 hours' + random() * interval '72 hours'
                                          ELSE random() * interval '71 hours' END,
         CASE WHEN n % 3 = 0 THEN now() AT TIME ZONE 'UTC' END
       FROM generate_series(1, $4) AS n`,
      [ids, ids.length, done, count],
    );
  }
  await db.query(`ANALYZE "notifications"."Notification"`);
  const size = await db.query<{ size: string }>(
    `SELECT pg_size_pretty(pg_total_relation_size('"notifications"."Notification"')) AS size`,
  );
  log(
    `seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s; the table and its indexes: ${size.rows[0]!.size}`,
  );

  const INBOX = `{ unreadNotificationCount notifications(first: 20) { totalCount edges { node { id type read } } } }`;
  const tokens = people.slice(0, 200).map((p) => sign(p.id, "USER"));
  const load = async (until: () => boolean) => {
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async (_, c) => {
        for (let i = c; until(); i += 4) {
          const t = performance.now();
          await gql(INBOX, {}, tokens[i % tokens.length]!);
          times.push(performance.now() - t);
        }
      }),
    );
    return times;
  };
  const baselineEnd = performance.now() + STEP_MS;
  const baseline = await load(() => performance.now() < baselineEnd);

  const queue = new Queue(HOURLY_QUEUE, {
    connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
    prefix: bullPrefix(KEY_PREFIX),
  });
  const job = await queue.add("cleanup", { task: "cleanup" });
  let finished = false;
  const during = load(() => !finished);
  for (;;) {
    const state = await job.getState();
    if (state === "completed" || state === "failed") break;
    await sleep(50);
  }
  finished = true;
  const duringTimes = await during;
  const doneJob = (await queue.getJob(job.id!))!;
  if (doneJob.failedReason) throw new Error(`clean-up failed: ${doneJob.failedReason}`);
  const cleanupSeconds = ((doneJob.finishedOn ?? 0) - (doneJob.processedOn ?? 0)) / 1000;
  const left = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "notifications"."Notification"`);
  await queue.close();
  const b = percentiles(baseline)!;
  const d = percentiles(duringTimes)!;
  table(
    `The hourly clean-up over ${STORED.toLocaleString("en")} notifications: ${(doneJob.returnvalue as { deleted: number }).deleted.toLocaleString("en")} deleted in ${fmt(cleanupSeconds)} s, ${left.rows[0]!.n.toLocaleString("en")} left`,
    ["inbox query through the router, 4 connections", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms"],
    [
      ["before", String(baseline.length), fmt(b.p50), fmt(b.p95), fmt(b.p99), fmt(b.max)],
      ["while the clean-up runs", String(duringTimes.length), fmt(d.p50), fmt(d.p95), fmt(d.p99), fmt(d.max)],
    ],
  );
}

await main();
process.exit(0);
