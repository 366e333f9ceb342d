// The router: @apollo/gateway over a composed supergraph file, with token verification,
// hostile-query limits, a per-client rate limit, health endpoints and masked errors.
import { readFileSync } from "node:fs";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from "@apollo/server/plugin/landingPage/default";
import type { GraphQLFormattedError } from "graphql";
import {
  clientIpOf,
  close,
  createAuthenticator,
  createHttpFront,
  createLogger,
  createRedis,
  listen,
  makeFormatError,
  type Logger,
  sendJson,
  type PublicKeys,
  type RunningService,
} from "@melodi/kit";
import type { RouterContext } from "./context.ts";
import { SubgraphClient } from "./subgraphClient.ts";
import { DEFAULT_QUERY_LIMITS, queryLimitsRule, type QueryLimits } from "./queryLimits.ts";
import { servicesHealth } from "./health.ts";
import { createClientLimit } from "./clientLimit.ts";
import { explorerRoutes } from "./explorer.ts";

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
  maxBodyBytes?: number;
  requestsPerMinute?: number;
  /** Proxies (load balancers) in front of the router that append to X-Forwarded-For; 0 = none. */
  trustedProxyHops?: number;
  log?: Logger;
}

/** Subgraph names and URLs from the supergraph's `join__Graph` enum, with overrides applied. */
export function subgraphsOf(supergraphSdl: string, overrides: Record<string, string> = {}): { name: string; url: string }[] {
  const found = [...supergraphSdl.matchAll(/@join__graph\(name:\s*"([^"]+)",\s*url:\s*"([^"]*)"\)/g)];
  return found.map(([, name, url]) => ({ name: name!, url: overrides[name!] ?? url! }));
}

export async function startRouter(config: RouterConfig): Promise<RunningService> {
  const log = config.log ?? createLogger("router");
  const development = config.development ?? process.env.NODE_ENV !== "production";
  const supergraphSdl = readFileSync(config.supergraphPath, "utf8");
  const subgraphs = subgraphsOf(supergraphSdl, config.subgraphUrls);
  const urlOf = new Map(subgraphs.map((s) => [s.name, s.url]));
  const clients: SubgraphClient[] = [];

  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      const client = new SubgraphClient(name, urlOf.get(name) ?? url ?? "");
      clients.push(client);
      return client;
    },
  });

  const redis = createRedis(config.redisUrl, config.redisKeyPrefix);
  const authenticator = createAuthenticator({ keys: config.publicKeys, redis });
  const consumeClientLimit = createClientLimit(redis, config.requestsPerMinute ?? 600);
  const maskInternal = makeFormatError(log);

  const server = new ApolloServer<RouterContext>({
    gateway,
    introspection: development,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    validationRules: [queryLimitsRule(config.queryLimits ?? DEFAULT_QUERY_LIMITS)],
    formatError(formatted: GraphQLFormattedError, error: unknown) {
      const serviceName = formatted.extensions?.serviceName;
      const code = formatted.extensions?.code;
      // A subgraph that failed is named (SubgraphClient), so clients and operators know which.
      if (code === "SERVICE_UNAVAILABLE" && typeof serviceName === "string") {
        log.warn({ serviceName, path: formatted.path }, "subgraph unavailable");
        return { message: formatted.message, ...(formatted.path ? { path: formatted.path } : {}), extensions: { code, serviceName } };
      }
      const masked = maskInternal(formatted, error);
      return typeof serviceName === "string" ? { ...masked, extensions: { ...masked.extensions, serviceName } } : masked;
    },
    plugins: [development ? ApolloServerPluginLandingPageLocalDefault({ embed: true }) : ApolloServerPluginLandingPageProductionDefault({ footer: false })],
  });
  await server.start();

  const httpServer = createHttpFront<RouterContext>({
    server,
    maxBodyBytes: config.maxBodyBytes ?? 256 * 1024,
    routes: {
      "/health": (_req, res) => sendJson(res, 200, { status: "ok", service: "router", subgraphs: subgraphs.map((s) => s.name) }),
      "/health/services": async (_req, res) => {
        const report = await servicesHealth(subgraphs);
        sendJson(res, report.status === "ok" ? 200 : 503, report);
      },
    },
    prefixRoutes: development ? explorerRoutes() : {},
    context: async ({ req, requestId }) => {
      const clientIp = clientIpOf(req, config.trustedProxyHops ?? 0);
      const viewer = await authenticator.authenticate(req.headers.authorization);
      await consumeClientLimit(viewer ? `user:${viewer.id}` : `ip:${clientIp}`);
      return { viewer, authorization: viewer ? req.headers.authorization : undefined, requestId, clientIp };
    },
  });
  const host = config.host ?? "127.0.0.1";
  const port = await listen(httpServer, config.port, host);
  log.info({ port, subgraphs }, "router ready");
  return {
    url: `http://${host}:${port}/graphql`,
    port,
    httpServer,
    async stop() {
      await close(httpServer);
      await server.stop();
      await Promise.all(clients.map((c) => c.close()));
      redis.disconnect();
    },
  };
}
