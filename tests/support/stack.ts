// Starts real services in the test process (every subgraph of subgraphs.json the test needs,
// optionally the router) against the run's database and Redis, with a Redis key prefix of their
// own so test files never share state, and counts the SQL statements each subgraph sends. Each
// subgraph is configured by its own main.ts's configFromEnv, as deployed, then given the test's
// hooks (statement counter, logger, prefix); a new subgraph needs no line here.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { loadManifest, type Logger, type RunningService, type ServiceConfig } from "@melodi/kit";
import type { AuthLimitSettings } from "../../subgraphs/users/src/accounts/limits.ts";
import { startRouter } from "../../router/src/router.ts";
import type { CatalogConfig } from "../../subgraphs/catalog/src/service.ts";
import type { MediaConfig } from "../../subgraphs/catalog/src/media/config.ts";
import { type SqlLog, sqlLog, subgraphTestConfig, testRedisPrefix } from "./config.ts";
import type { QueryLimits } from "../../router/src/queryLimits.ts";
import type { SubscriptionLimits } from "../../router/src/subscriptions/server.ts";
import { subgraphMain } from "../../scripts/stack.ts";
import type { PushConfig } from "../../subgraphs/notifications/src/push/config.ts";
import { TEST_SUBGRAPH_SECRET, testKeys } from "./keys.ts";

export interface StackOptions {
  router?: boolean;
  /** Start the catalog subgraph (always on with the router: the supergraph needs every subgraph). */
  catalog?: boolean;
  limits?: AuthLimitSettings;
  requestsPerMinute?: number;
  trustedProxyHops?: number;
  queryLimits?: QueryLimits;
  /** The router's budget of estimated cost per operation (default: the router's). */
  maxOperationCost?: number;
  subscriptions?: SubscriptionLimits;
  /** Start the router in development mode (introspection, the landing page, the explorer); default off, as deployed. */
  routerDevelopment?: boolean;
  usersPort?: number;
  /**
   * Catalog media settings. Media always lives in a temporary folder of the stack's own; the
   * transcoding worker runs only when this is given (and `worker` is not false).
   */
  media?: Partial<MediaConfig>;
  /** Notifications' push settings (default: no worker; a test running one gives its fake Expo's URL). */
  push?: Partial<PushConfig>;
  /** A Redis of the test's own (tests/support/redisServer.ts) instead of the run's. */
  redisUrl?: string;
  /** Loggers for the services, by name (default: silent). */
  logs?: Record<string, Logger | undefined>;
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

export const ROOT = path.resolve(import.meta.dirname, "../..");

export async function startStack(opts: StackOptions = {}) {
  const keys = testKeys();
  const redisKeyPrefix = testRedisPrefix();
  const redisUrl = opts.redisUrl ?? inject("redisUrl");
  const mediaDir = mkdtempSync(path.join(os.tmpdir(), "melodi-media-"));
  const sqlLogs: Record<string, SqlLog> = {};
  const configs: Record<string, ServiceConfig> = {};
  const running: Record<string, RunningService> = {};
  const replicas: RunningService[] = [];

  async function start(name: string, port = 0): Promise<RunningService> {
    sqlLogs[name] ??= sqlLog();
    configs[name] ??= await subgraphTestConfig(name, {
      keys,
      redisKeyPrefix,
      redisUrl,
      log: opts.logs?.[name],
      onQuery: sqlLogs[name].onQuery,
      mediaDir,
      media: opts.media,
      limits: opts.limits,
      push: opts.push,
    });
    const main = await subgraphMain(name);
    running[name] = await main.start({ ...configs[name], port: port || configs[name].port });
    return running[name];
  }

  const wanted = opts.router
    ? loadManifest().subgraphs.map((s) => s.name)
    : ["users", ...(opts.catalog ? ["catalog"] : [])];
  for (const name of wanted) await start(name, name === "users" ? opts.usersPort : 0);
  const router = opts.router
    ? await startRouter({
        port: 0,
        supergraphPath: path.join(ROOT, "schema/supergraph.graphql"),
        subgraphUrls: Object.fromEntries(Object.entries(running).map(([name, service]) => [name, service.url])),
        redisUrl,
        redisKeyPrefix,
        publicKeys: keys.publicKeys,
        subgraphSecret: TEST_SUBGRAPH_SECRET,
        development: opts.routerDevelopment ?? false,
        requestsPerMinute: opts.requestsPerMinute ?? 100_000,
        trustedProxyHops: opts.trustedProxyHops,
        queryLimits: opts.queryLimits,
        maxOperationCost: opts.maxOperationCost,
        subscriptions: opts.subscriptions,
        maxBodyBytes: 256 * 1024,
        log: opts.logs?.router,
      })
    : undefined;

  /** Resets a subgraph's statement counter and returns a function that reads it. */
  const countSqlOf = (name: string) => sqlLogs[name]!.reset();
  /**
   * Waits until these subgraphs send no statement for `quietMs` (their event consumers done with
   * what earlier steps caused; the default outlasts the relays' 1 s poll, whose own statements
   * are not counted), so a count that follows is the next request's alone.
   */
  const quietSql = async (names: string[], quietMs = 1500, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reads = names.map((name) => sqlLogs[name]!.reset());
      await new Promise((r) => setTimeout(r, quietMs));
      if (reads.every((read) => read() === 0)) return;
      if (Date.now() > deadline) throw new Error(`${names.join(", ")} kept sending statements`);
    }
  };
  type Users = Awaited<ReturnType<typeof import("../../subgraphs/users/src/service.ts").startUsers>>;
  type Catalog = Awaited<ReturnType<typeof import("../../subgraphs/catalog/src/service.ts").startCatalog>>;
  type Library = Awaited<ReturnType<typeof import("../../subgraphs/library/src/service.ts").startLibrary>>;

  return {
    keys,
    /** The prefix of every Redis key the stack's services use. */
    redisKeyPrefix,
    /** What the router sends subgraphs to be answered (SUBGRAPH_SECRET). */
    subgraphSecret: TEST_SUBGRAPH_SECRET,
    /** Every subgraph started, by name. */
    services: running,
    countSqlOf,
    quietSql,
    /** The statements a subgraph sent since its counter was last reset (their first 120 characters). */
    sqlOf: (name: string) => sqlLogs[name]!.statements.map((x) => x.slice(0, 120)),
    get sql() {
      return sqlLogs.users!;
    },
    get users() {
      return running.users as Users;
    },
    router,
    get catalog() {
      return running.catalog as Catalog | undefined;
    },
    get library() {
      return running.library as Library | undefined;
    },
    /** How the catalog was started: another replica of it starts from the same (tests of scaling out). */
    get catalogConfig() {
      return configs.catalog as CatalogConfig;
    },
    mediaDir,
    /** Resets the catalog's statement counter and returns a function that reads it. */
    countCatalogSql: () => countSqlOf("catalog"),
    get catalogSql() {
      return sqlLogs.catalog!;
    },
    /** Resets the users statement counter and returns a function that reads it. */
    countSql: () => countSqlOf("users"),
    /** Another replica of a started subgraph, configured as the first (tests of scaling out); stopped with the stack. */
    async startReplica(name: string): Promise<RunningService> {
      const main = await subgraphMain(name);
      const replica = await main.start({ ...configs[name]!, port: 0 });
      replicas.push(replica);
      return replica;
    },
    /** Stops the users subgraph (for outage tests). */
    async stopUsers() {
      await running.users!.stop();
    },
    /** Starts the users subgraph again on the same port. */
    async restartUsers() {
      await start("users", running.users!.port);
    },
    async stop() {
      await router?.stop();
      for (const replica of replicas) await replica.stop().catch(() => {});
      for (const name of Object.keys(running).reverse()) await running[name]!.stop().catch(() => {});
      rmSync(mediaDir, { recursive: true, force: true });
    },
  };
}
