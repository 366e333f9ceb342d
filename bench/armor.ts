// `pnpm bench:armor`: what the router's document limits and demand control cost, as figures
// (bench/README.md). Prints, in one run:
//   1. the time to refuse each hostile document of issue 9 through a real router over HTTP, and
//      the time of the check alone (router/src/documentLimits.ts);
//   2. the cost-estimate time per operation (router/src/cost.ts);
//   3. the query planner's time on the worst documents the limits still let through: the bound on
//      how long one operation's planning can hold the router's event loop;
//   4. another client's latency alone and while a hostile client sends chains.
// The router runs in this process over Redis (REDIS_URL, else 6379) with subgraph URLs nobody
// answers: refusals never reach a subgraph, and `{ __typename }` is answered by the router itself.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { getOperationAST, parse } from "graphql";
import { Supergraph, operationFromDocument } from "@apollo/federation-internals";
import { checkSource, DEFAULT_DOCUMENT_LIMITS } from "../router/src/documentLimits.ts";
import { costDirectivesOf, estimateCost } from "../router/src/cost.ts";
import { startRouter } from "../router/src/router.ts";
import { ensureRedis } from "../scripts/services.ts";
import { root } from "../scripts/subgraphs.ts";
import { CATALOG_FAN_OUT, fragmentChain, fragmentFanOut } from "../tests/support/hostile.ts";
import { QUERY as BENCH_QUERY } from "./queries.ts";
import { table } from "./report.ts";

const supergraphPath = path.join(root, "schema/supergraph.graphql");
const supergraphSdl = readFileSync(supergraphPath, "utf8");

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}
const ms = (n: number) => n.toFixed(n < 1 ? 3 : 1);
function time(fn: () => unknown, runs: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

const hostile: [string, string][] = [
  ["fragment chain n=100", fragmentChain(100)],
  ["fragment chain n=3,000 (issue 9)", fragmentChain(3000)],
  ["fragment chain n=8,000 (compact, ~230 KB)", fragmentChain(8000, true)],
  ["fragment fan-out 4^7", fragmentFanOut(7, 4)],
  ["6,000 x __typename", `{ ${Array.from({ length: 6000 }, () => "__typename").join(" ")} }`],
  ["8 x catalog fan-out (cost)", CATALOG_FAN_OUT],
];

async function post(url: string, query: string): Promise<{ status: number; ms: number; code?: string }> {
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
  return { status: res.status, ms: performance.now() - started, code: body.errors?.[0]?.extensions?.code };
}

async function main() {
  const redis = await ensureRedis({ log: (m) => console.log(`» ${m}`) });
  const router = await startRouter({
    port: 0,
    supergraphPath,
    subgraphUrls: { users: "http://127.0.0.1:9/graphql", catalog: "http://127.0.0.1:9/graphql" },
    redisUrl: redis.url,
    redisKeyPrefix: `bench-armor:${process.pid}:`,
    publicKeys: {},
    development: false,
    requestsPerMinute: 1_000_000,
  });
  try {
    console.log(`=== Melodi router armor figures (Node ${process.version}) ===`);
    // 1. Refusals.
    const rows: string[][] = [];
    for (const [name, query] of hostile) {
      const http: number[] = [];
      let last: { status: number; code?: string } = { status: 0 };
      for (let i = 0; i < 20; i++) {
        const res = await post(router.url, query);
        http.push(res.ms);
        last = res;
      }
      const check = stats(time(() => checkSource(query, DEFAULT_DOCUMENT_LIMITS), 50));
      const h = stats(http);
      rows.push([
        name,
        `${(Buffer.byteLength(query) / 1024).toFixed(0)} KB`,
        `${last.status} ${last.code}`,
        ms(check.p50),
        ms(h.p50),
        ms(h.p99),
      ]);
    }
    table(
      "1. Refusing hostile documents (20 requests each; check = checkSource alone, 50 runs)",
      ["document", "size", "answer", "check p50 ms", "HTTP p50 ms", "HTTP max ms"],
      rows,
    );

    // 2. Cost estimate per operation.
    const api = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
    const directives = costDirectivesOf(supergraphSdl);
    const costRows: string[][] = [];
    for (const [name, query, variables] of [
      ["bench profile + 20 followers", BENCH_QUERY, { id: "x" }],
      ["8 x catalog fan-out", CATALOG_FAN_OUT, undefined],
    ] as const) {
      const document = parse(query);
      const operation = getOperationAST(document)!;
      const estimate = () => estimateCost(api, directives, document, operation, variables, 10);
      const s = stats(time(estimate, 2000));
      costRows.push([name, String(estimate()), ms(s.p50 * 1000), ms(s.p99 * 1000)]);
    }
    table("2. Cost estimate per operation (2,000 runs)", ["operation", "estimate", "p50 µs", "p99 µs"], costRows);

    // 3. Planning the worst documents the limits let through.
    const requireFromGateway = createRequire(
      createRequire(path.join(root, "router/package.json")).resolve("@apollo/gateway"),
    );
    // The gateway's own planner (a dependency of @apollo/gateway, not of ours).
    const { QueryPlanner } = requireFromGateway("@apollo/query-planner") as {
      QueryPlanner: new (s: Supergraph) => { buildQueryPlan(operation: unknown): unknown };
    };
    const supergraph = Supergraph.build(supergraphSdl);
    const apiSchema = supergraph.apiSchema();
    // Every hop crosses from catalog to users and back, 15 levels deep, 30 times over (the depth and alias limits).
    let hop = "id";
    for (let i = 0; i < 6; i++) hop = `artistProfiles { managers { ${hop} } }`;
    const crossing = `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: me { ${hop} }`).join(" ")} }`;
    const planRows: string[][] = [];
    for (const [name, query] of [
      ["chain of 10 spreads (the spread-depth limit)", fragmentChain(9)],
      ["fan-out 2^10 spreads of one field", fragmentFanOut(9, 2, "genres { slug }")],
      ["30 aliases x 13 levels crossing subgraphs", crossing],
      ["8 x catalog fan-out", CATALOG_FAN_OUT],
    ] as const) {
      const document = parse(query);
      const plan = () => new QueryPlanner(supergraph).buildQueryPlan(operationFromDocument(apiSchema, document));
      const s = stats(time(plan, 5));
      planRows.push([name, ms(s.p50), ms(s.max)]);
    }
    table(
      "3. Query planning, worst documents under the limits (fresh planner, 5 runs)",
      ["document", "p50 ms", "max ms"],
      planRows,
    );

    // 4. Another client's latency, alone and beside a hostile client.
    const bystander = async () => {
      const samples: number[] = [];
      for (let i = 0; i < 300; i++) samples.push((await post(router.url, "{ __typename }")).ms);
      return stats(samples);
    };
    const alone = await bystander();
    let attacking = true;
    let sent = 0;
    const attacker = (async () => {
      while (attacking) {
        await post(router.url, fragmentChain(3000));
        sent += 1;
      }
    })();
    const beside = await bystander();
    attacking = false;
    await attacker;
    table(
      `4. Another client's { __typename } (300 sequential requests), alone and while one client sends n=3,000 chains back to back (${sent} sent)`,
      ["", "p50 ms", "p99 ms", "max ms"],
      [
        ["alone", ms(alone.p50), ms(alone.p99), ms(alone.max)],
        ["beside the hostile client", ms(beside.p50), ms(beside.p99), ms(beside.max)],
      ],
    );
    console.log(
      "\nThe router, the load and the hostile client share this process and the machine's cores: read ratios, not absolutes.",
    );
  } finally {
    await router.stop();
    await redis.stop();
  }
}

await main();
process.exit(0);
