// Server bootstrap every subgraph shares: Apollo Server over buildSubgraphSchema, the caller
// authenticated from the forwarded access token (verified again here, ARCHITECTURE.md §4), masked
// internal errors, request ids in logs, and `/health` with the service's own dependencies.
// buildSubgraph is the server alone, which tests also run in process; startSubgraph adds HTTP.
import type http from "node:http";
import { readFileSync } from "node:fs";
import { parse, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from "@apollo/server/plugin/landingPage/default";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema, type GraphQLResolverMap } from "@apollo/subgraph";
import type { Authenticator, Viewer } from "./auth.ts";
import { makeFormatError } from "./errors.ts";
import { checkHealth, type HealthChecks } from "./health.ts";
import { close, createHttpFront, listen, sendJson, type RouteHandler } from "./http.ts";
import type { Logger } from "./logger.ts";
import { subgraphSubscriptions } from "./subscriptions.ts";

export interface RequestBase {
  viewer: Viewer | null;
  requestId: string;
  log: Logger;
  /** The end client's address as the router saw it (for per-client limits). */
  clientIp: string;
}

export interface SubgraphModule<TContext> {
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<TContext>;
}

/**
 * One room of a subgraph: its .graphql file (relative to `base`, the caller's import.meta.url)
 * and its resolvers. The resolvers are typed by codegen per subgraph; the map Apollo takes is
 * looser, hence the one cast here rather than in every service.
 */
export function schemaModule<TContext>(base: string, file: string, resolvers: object): SubgraphModule<TContext> {
  return {
    typeDefs: parse(readFileSync(new URL(file, base), "utf8")),
    resolvers: resolvers as GraphQLResolverMap<TContext>,
  };
}

/**
 * The types every subgraph shares (PageInfo, UserError: shared.graphql beside this file). A
 * module of its own that every subgraph's schema gets, so no subgraph carries a copy that could
 * drift; scripts/subgraphs.ts and codegen.ts read the same file.
 */
const SHARED_SDL_PATH = new URL("./shared.graphql", import.meta.url);
const sharedModule = <TContext>(): SubgraphModule<TContext> => ({
  typeDefs: parse(readFileSync(SHARED_SDL_PATH, "utf8")),
  resolvers: {},
});

/** `/health` checks of a subgraph's own stores: its database and Redis. */
export function storeHealth(
  db: { $queryRaw(query: TemplateStringsArray): PromiseLike<unknown> },
  redis: { ping(): Promise<unknown> },
): HealthChecks {
  return { database: () => Promise.resolve(db.$queryRaw`SELECT 1`), redis: () => redis.ping() };
}

export interface SubgraphOptions<TContext extends RequestBase> {
  name: string;
  modules: SubgraphModule<TContext>[];
  log: Logger;
  authenticator: Authenticator;
  createContext: (base: RequestBase) => TContext;
  health: HealthChecks;
  /** Sandbox landing page and introspection; off in production. */
  development?: boolean;
  /** Closes what the service opened (database, Redis, queues), after the server stops. */
  onStop?: () => Promise<void>;
  /** Extra exact-path HTTP routes (besides `/health`). */
  routes?: Record<string, RouteHandler>;
  /** HTTP routes for every path under a prefix (e.g. `/uploads/`), see createHttpFront. */
  prefixRoutes?: Record<string, RouteHandler>;
}

export interface RunningService {
  url: string;
  port: number;
  httpServer: http.Server;
  stop(): Promise<void>;
}

/** Logs each operation once, with its request id; never variables or tokens. */
function requestLogPlugin<T extends RequestBase>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, errors }) {
          contextValue.log?.info(
            { operationName, ms: Math.round(performance.now() - started), errors: errors?.length ?? 0 },
            "operation",
          );
        },
      };
    },
  };
}

/**
 * The end client's address, for per-client limits. `X-Forwarded-For` is written by whoever sends
 * it, so only the entries added by our own proxies count: with `trustedHops` proxies in front,
 * the client is the entry that many places from the right (each proxy appends the address it
 * saw). With none, the socket's peer is the client. The router is one trusted hop for every
 * subgraph: it sends the address it decided on (subgraphs are never exposed directly).
 */
export function clientIpOf(req: http.IncomingMessage, trustedHops: number): string {
  const peer = req.socket.remoteAddress ?? "unknown";
  if (trustedHops <= 0) return peer;
  const header = req.headers["x-forwarded-for"];
  const entries = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  return entries[entries.length - trustedHops] ?? peer;
}

/** What the schema and its execution need: no HTTP, no tokens. */
export type SubgraphSchemaOptions<TContext extends RequestBase> = Pick<
  SubgraphOptions<TContext>,
  "modules" | "log" | "createContext" | "development"
>;

/** One GraphQL operation, as a client sends it. */
export interface OperationRequest {
  query: string | DocumentNode;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** What a client reads from the response body: `data` and masked `errors`, as JSON. */
export interface OperationResult<TData = Record<string, unknown>> {
  data?: TData | null;
  errors?: GraphQLFormattedError[];
}

export interface BuiltSubgraph<TContext extends RequestBase> {
  server: ApolloServer<TContext>;
  /** The executable schema (subscriptions are served from it over graphql-ws). */
  schema: GraphQLSchema;
  /**
   * Runs one operation in this process for the caller described by `base` (whose viewer is
   * taken as given: tokens are verified by the HTTP front only), through the same plugins and
   * error masking as a request over HTTP.
   */
  execute<TData = Record<string, unknown>>(
    request: OperationRequest,
    base: RequestBase,
  ): Promise<OperationResult<TData>>;
  /** Stops the server (not the stores: those are the service's `onStop`). */
  stop(): Promise<void>;
}

/** The Apollo Server of a subgraph, started but not listening. */
export async function buildSubgraph<TContext extends RequestBase>(
  opts: SubgraphSchemaOptions<TContext>,
): Promise<BuiltSubgraph<TContext>> {
  const development = opts.development ?? process.env.NODE_ENV !== "production";
  const schema = buildSubgraphSchema([...opts.modules, sharedModule<TContext>()]);
  const server = new ApolloServer<TContext>({
    schema,
    introspection: development,
    // Shutdown is ours (kit lifecycle.ts stops everything in order); Apollo's own signal
    // handlers would race it and re-raise the signal mid-shutdown.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: makeFormatError(opts.log),
    csrfPrevention: true,
    plugins: [
      requestLogPlugin<TContext>(),
      // Traces are for Apollo's hosted reporting, which we do not use; they cost CPU per field.
      ApolloServerPluginInlineTraceDisabled(),
      development
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true })
        : ApolloServerPluginLandingPageProductionDefault({ footer: false }),
    ],
  });
  await server.start();
  return {
    server,
    schema,
    async execute<TData>(request: OperationRequest, base: RequestBase) {
      const response = await server.executeOperation<TData>(request, { contextValue: opts.createContext(base) });
      if (response.body.kind !== "single") throw new Error("Incremental delivery is not supported in process.");
      const { data, errors } = response.body.singleResult;
      // Through JSON, as a client gets it: no undefined fields, no null-prototype objects.
      return JSON.parse(JSON.stringify({ data, errors })) as OperationResult<TData>;
    },
    stop: () => server.stop(),
  };
}

/**
 * A service made but not listening (each service's create function): its stores, and what the
 * kit serves over HTTP (startSubgraph) or executes in process (buildSubgraph).
 */
export interface CreatedSubgraph<TContext extends RequestBase, TServices> {
  services: TServices;
  subgraph: SubgraphOptions<TContext>;
}

/** Builds the subgraph and serves it over HTTP, with `/health` and the service's own routes. */
export async function startSubgraph<TContext extends RequestBase>(
  opts: SubgraphOptions<TContext>,
  port: number,
  host = "127.0.0.1",
): Promise<RunningService> {
  const { server, schema, stop } = await buildSubgraph(opts);
  // Subscriptions on the same path and port as queries (kit subscriptions.ts).
  const subscriptions = subgraphSubscriptions(
    {
      schema,
      log: opts.log,
      authenticator: opts.authenticator,
      createContext: opts.createContext,
      formatError: makeFormatError(opts.log),
    },
    (req) => clientIpOf(req, 1),
  );

  const httpServer = createHttpFront<TContext>({
    server,
    maxBodyBytes: 1024 * 1024,
    prefixRoutes: opts.prefixRoutes,
    routes: {
      ...opts.routes,
      "/health": async (_req, res) => {
        const report = await checkHealth(opts.name, opts.health);
        sendJson(res, report.status === "ok" ? 200 : 503, report);
      },
    },
    upgrades: { "/graphql": subscriptions.upgrade },
    beforeClose: () => subscriptions.close(),
    context: async ({ req, requestId }) => {
      const log = opts.log.child({ requestId });
      const viewer = await opts.authenticator.authenticate(req.headers.authorization);
      return opts.createContext({ viewer, requestId, log, clientIp: clientIpOf(req, 1) });
    },
  });
  const actualPort = await listen(httpServer, port, host);
  return {
    url: `http://${host}:${actualPort}/graphql`,
    port: actualPort,
    httpServer,
    async stop() {
      await close(httpServer);
      await stop();
      await opts.onStop?.();
    },
  };
}
