// The router: @apollo/gateway over a composed supergraph file, served over HTTP through the
// request pipeline (pipeline.ts: token verification, per-client limit, hostile-query limits,
// masked errors) that every transport shares, with health endpoints.
import { readFileSync } from "node:fs";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from "@apollo/server/plugin/landingPage/default";
import {
  close,
  createHttpFront,
  createLogger,
  createRedis,
  healthHttpStatus,
  listen,
  redisHealth,
  redisReady,
  type Logger,
  sendJson,
  type PublicKeys,
  type RunningService,
} from "@melodi/kit";
import type { RouterContext } from "./context.ts";
import { DEFAULT_SUBGRAPH_TIMEOUT_MS, SubgraphClient } from "./subgraphClient.ts";
import type { QueryLimits } from "./queryLimits.ts";
import type { DocumentLimits } from "./documentLimits.ts";
import { servicesHealth } from "./health.ts";
import { createPipeline } from "./pipeline.ts";
import { createRouterSubscriptions, type SubscriptionLimits, type SubscriptionStats } from "./subscriptions/server.ts";

export interface RouterConfig {
  port: number;
  host?: string;
  supergraphPath: string;
  /** Overrides the URLs written in the supergraph, by subgraph name. */
  subgraphUrls?: Record<string, string>;
  redisUrl: string;
  redisKeyPrefix?: string;
  publicKeys: PublicKeys;
  development?: boolean;
  queryLimits?: QueryLimits;
  documentLimits?: Partial<DocumentLimits>;
  /** Operations whose estimated cost (router/src/cost.ts) is above this are refused before planning. */
  maxOperationCost?: number;
  maxBodyBytes?: number;
  requestsPerMinute?: number;
  /** Proxies (load balancers) in front of the router that append to X-Forwarded-For; 0 = none. */
  trustedProxyHops?: number;
  /**
   * How long a subgraph may take to answer one fetch before the operation gets
   * SERVICE_UNAVAILABLE for it: one value for all, or per subgraph name ("*" for the rest).
   */
  subgraphTimeoutMs?: number | Record<string, number>;
  /** Client headers passed on to every subgraph as they are (besides the verified token, request id and client address). */
  forwardHeaders?: string[];
  /** SUBGRAPH_SECRET: sent to every subgraph, which answers GraphQL only to requests carrying it. */
  subgraphSecret?: string;
  /** Caps for subscriptions over graphql-ws (subscriptions/server.ts). */
  subscriptions?: SubscriptionLimits;
  log?: Logger;
}

export interface RunningRouter extends RunningService {
  /** Open subscription connections, upstream sockets and upstream subscriptions. */
  subscriptionStats(): SubscriptionStats;
}

/** A subgraph's fetch timeout from RouterConfig.subgraphTimeoutMs. */
export function timeoutFor(setting: RouterConfig["subgraphTimeoutMs"], name: string): number {
  if (typeof setting === "number") return setting;
  return setting?.[name] ?? setting?.["*"] ?? DEFAULT_SUBGRAPH_TIMEOUT_MS;
}

/** Subgraph names and URLs from the supergraph's `join__Graph` enum, with overrides applied. */
export function subgraphsOf(
  supergraphSdl: string,
  overrides: Record<string, string> = {},
): { name: string; url: string }[] {
  const found = [...supergraphSdl.matchAll(/@join__graph\(name:\s*"([^"]+)",\s*url:\s*"([^"]*)"\)/g)];
  return found.map(([, name, url]) => ({ name: name!, url: overrides[name!] ?? url! }));
}

export async function startRouter(config: RouterConfig): Promise<RunningRouter> {
  const log = config.log ?? createLogger("router");
  const development = config.development ?? process.env.NODE_ENV !== "production";
  const supergraphSdl = readFileSync(config.supergraphPath, "utf8");
  const subgraphs = subgraphsOf(supergraphSdl, config.subgraphUrls);
  const urlOf = new Map(subgraphs.map((s) => [s.name, s.url]));
  const clients: SubgraphClient[] = [];

  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      const client = new SubgraphClient(
        name,
        urlOf.get(name) ?? url ?? "",
        timeoutFor(config.subgraphTimeoutMs, name),
        { secret: config.subgraphSecret, onViewerToken: (token, context) => pipeline.actAsViewer(context, token) },
      );
      clients.push(client);
      return client;
    },
  });

  const redis = createRedis(config.redisUrl, config.redisKeyPrefix);
  // Signed-in requests need it (revocations); a Redis that is away does not hold up start-up.
  await redisReady(redis, 2000).catch(() => {});
  const pipeline = createPipeline({
    redis,
    publicKeys: config.publicKeys,
    log,
    requestsPerMinute: config.requestsPerMinute ?? 600,
    trustedProxyHops: config.trustedProxyHops ?? 0,
    queryLimits: config.queryLimits,
    documentLimits: config.documentLimits,
    supergraphSdl,
    cost: config.maxOperationCost === undefined ? undefined : { maxCost: config.maxOperationCost },
    reportCost: development,
    forwardHeaders: config.forwardHeaders,
  });

  const server = new ApolloServer<RouterContext>({
    gateway,
    introspection: development,
    // No "Did you mean ...?" in validation errors when the schema is not public.
    hideSchemaDetailsFromClientErrors: !development,
    // Shutdown is ours (kit lifecycle.ts stops everything in order); Apollo's own signal
    // handlers would race it and re-raise the signal mid-shutdown.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    parseOptions: pipeline.parseOptions,
    validationRules: pipeline.validationRules,
    formatError: pipeline.formatError,
    plugins: [
      pipeline.apolloPlugin,
      development
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true })
        : ApolloServerPluginLandingPageProductionDefault({ footer: false }),
    ],
  });
  await server.start();
  // graphql-ws on /graphql through the same pipeline (ARCHITECTURE.md §8).
  const subscriptions = await createRouterSubscriptions({
    gateway,
    pipeline,
    urlOf: (name) => urlOf.get(name),
    redis,
    log,
    limits: config.subscriptions,
    subgraphSecret: config.subgraphSecret,
  });

  const httpServer = createHttpFront<RouterContext>({
    server,
    maxBodyBytes: config.maxBodyBytes ?? 256 * 1024,
    routes: {
      "/health": (_req, res) =>
        sendJson(res, 200, { status: "ok", service: "router", subgraphs: subgraphs.map((s) => s.name) }),
      "/health/services": async (_req, res) => {
        const report = await servicesHealth(subgraphs, redisHealth(redis));
        sendJson(res, healthHttpStatus(report.status), report);
      },
    },
    // Loaded only in development: production never reads Altair's package.
    prefixRoutes: development ? (await import("./explorer.ts")).explorerRoutes() : {},
    upgrades: { "/graphql": subscriptions.upgrade },
    beforeClose: () => subscriptions.close(),
    context: ({ req, requestId, query, signal }) =>
      pipeline.contextFor({
        query,
        signal,
        authorization: req.headers.authorization,
        clientIp: pipeline.clientIpOf(req),
        requestId,
        headers: req.headers,
      }),
  });
  const host = config.host ?? "127.0.0.1";
  const port = await listen(httpServer, config.port, host);
  log.info({ port, subgraphs }, "router ready");
  return {
    url: `http://${host}:${port}/graphql`,
    port,
    httpServer,
    subscriptionStats: subscriptions.stats,
    async stop() {
      await close(httpServer);
      await subscriptions.stop();
      await server.stop();
      await Promise.all(clients.map((c) => c.close()));
      redis.disconnect();
    },
  };
}
