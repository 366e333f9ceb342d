// Server bootstrap every subgraph shares: Apollo Server over buildSubgraphSchema, the caller
// authenticated from the forwarded access token (verified again here, ARCHITECTURE.md §4), masked
// internal errors, request ids in logs, and `/health` with the service's own dependencies.
// buildSubgraph is the server alone, which tests also run in process; startSubgraph adds HTTP.
import type http from "node:http";
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { GraphQLError, parse, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from "@apollo/server/plugin/landingPage/default";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema, type GraphQLResolverMap } from "@apollo/subgraph";
import type { Authenticator, Viewer } from "./auth.ts";
import { makeFormatError } from "./errors.ts";
import { checkHealth, healthHttpStatus, redisHealth, type HealthChecks } from "./health.ts";
import type { Redis } from "./redis.ts";
import { close, createHttpFront, listen, sendJson, type RouteHandler } from "./http.ts";
import type { Logger } from "./logger.ts";
import { refuseBadText } from "./text.ts";
import { subgraphSubscriptions } from "./subscriptions.ts";

export interface RequestBase {
  viewer: Viewer | null;
  requestId: string;
  log: Logger;
  /** The end client's address as the router saw it (for per-client limits). */
  clientIp: string;
  /** Aborts when the caller (the router) stops waiting for the answer: its client left or it timed out. */
  signal?: AbortSignal;
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

/**
 * `/health` checks of a subgraph's own stores: its database (critical) and Redis, and whether
 * the revocation cache is filled (without them the subgraph still answers public reads: it is
 * degraded, not down; README "When Redis is gone").
 */
export function storeHealth(
  db: { $queryRaw(query: TemplateStringsArray): PromiseLike<unknown> },
  redis: Redis,
): HealthChecks {
  return {
    database: () => Promise.resolve(db.$queryRaw`SELECT 1`),
    ...redisHealth(redis),
  };
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
  /**
   * The secret the router sends in SUBGRAPH_SECRET_HEADER (SUBGRAPH_SECRET). When set, GraphQL
   * is answered only for requests carrying it; unset (development only) every caller counts as
   * the router.
   */
  subgraphSecret?: string;
}

export interface RunningService {
  url: string;
  port: number;
  httpServer: http.Server;
  stop(): Promise<void>;
}

/**
 * The viewer after a mutation (ARCHITECTURE.md §9). A sign-in (login, register) runs as nobody,
 * but its payload is read by the account it signed in: the rest of the operation must resolve
 * as that viewer, or `login { user { email } }` would be refused to the very user it returns.
 * Each context remembers how it was made (under a symbol key, which Apollo Server's per-operation
 * shallow copy of the context keeps), so actAsViewer can make it again for the new viewer
 * (per-viewer loaders included) in place; the new access token goes back to the router in the
 * response's `extensions.viewerToken`, and the router sends it with the operation's later
 * fetches (router/src/subgraphClient.ts), so other subgraphs' fields see that viewer too.
 */
interface ContextOrigin {
  base: RequestBase;
  remake: (base: RequestBase) => object;
  accessToken?: string;
}
const ORIGIN = Symbol("contextOrigin");
const originOf = (context: object) => (context as { [ORIGIN]?: ContextOrigin })[ORIGIN];

/** The key of the issued token in a subgraph response's `extensions`. */
export const VIEWER_TOKEN_EXTENSION = "viewerToken";

function makeContext<TContext extends RequestBase>(
  createContext: (base: RequestBase) => TContext,
  base: RequestBase,
): TContext {
  const context = createContext(base);
  (context as { [ORIGIN]?: ContextOrigin })[ORIGIN] = { base, remake: createContext };
  return context;
}

/**
 * From here on this operation runs as `viewer`, signed in with `accessToken` (just issued to
 * it): for the rest of this subgraph's resolvers, and, through the router, for the fetches to
 * other subgraphs that follow.
 */
export function actAsViewer(context: RequestBase, viewer: Viewer, accessToken: string): void {
  const origin = originOf(context);
  if (!origin) {
    context.viewer = viewer;
    return;
  }
  origin.base = { ...origin.base, viewer };
  origin.accessToken = accessToken;
  Object.assign(context, origin.remake(origin.base));
}

/** Puts the token actAsViewer was given into the response, for the router. */
function viewerTokenPlugin<T extends RequestBase>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async willSendResponse({ response }) {
          const token = originOf(contextValue)?.accessToken;
          if (!token || response.body.kind !== "single") return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, [VIEWER_TOKEN_EXTENSION]: token };
        },
      };
    },
  };
}

/**
 * Work the caller has abandoned stops: once the request's signal has aborted (the router gave up
 * or its client left), no further field resolves, so no further loader batch or SQL statement
 * is sent. A statement already running finishes; what it feeds is dropped.
 */
export function abandonedRequestPlugin<T extends RequestBase>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ contextValue }) {
      if (!contextValue.signal) return;
      return {
        async executionDidStart() {
          return {
            willResolveField({ contextValue: ctx }) {
              if (ctx.signal?.aborted)
                throw new GraphQLError("The request was abandoned.", { extensions: { code: "REQUEST_ABANDONED" } });
            },
          };
        },
      };
    },
  };
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

/** The header the router proves itself with to subgraphs (router/src/subgraphClient.ts). */
export const SUBGRAPH_SECRET_HEADER = "x-subgraph-secret";

/**
 * Whether a request comes from the router: it carries the shared secret. Both sides are hashed
 * first so the comparison takes the same time whatever the given value's length, and
 * timingSafeEqual makes it take the same time wherever the first difference is. No secret
 * configured (development): every caller is the router.
 */
export function routerCheck(secret: string | undefined): (req: http.IncomingMessage) => boolean {
  if (!secret) return () => true;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  const expected = digest(secret);
  return (req) => {
    const given = req.headers[SUBGRAPH_SECRET_HEADER];
    return typeof given === "string" && timingSafeEqual(digest(given), expected);
  };
}

/**
 * The end client's address, for per-client limits. `X-Forwarded-For` is written by whoever sends
 * it, so only the entries added by our own proxies count: with `trustedHops` proxies in front,
 * the client is the entry that many places from the right (each proxy appends the address it
 * saw). With none, the socket's peer is the client. The router is one trusted hop for every
 * subgraph, and only a request carrying the router's secret is from the router: it sends the
 * address it decided on.
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
  // NUL bytes and invalid Unicode refused in every argument (text.ts), over HTTP and WebSocket.
  const schema = refuseBadText(buildSubgraphSchema([...opts.modules, sharedModule<TContext>()]));
  const server = new ApolloServer<TContext>({
    schema,
    introspection: development,
    // No "Did you mean ...?" in validation errors when the schema is not public.
    hideSchemaDetailsFromClientErrors: !development,
    // Shutdown is ours (kit lifecycle.ts stops everything in order); Apollo's own signal
    // handlers would race it and re-raise the signal mid-shutdown.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: makeFormatError(opts.log),
    csrfPrevention: true,
    plugins: [
      requestLogPlugin<TContext>(),
      viewerTokenPlugin<TContext>(),
      abandonedRequestPlugin<TContext>(),
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
      const response = await server.executeOperation<TData>(request, {
        contextValue: makeContext(opts.createContext, base),
      });
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
  const fromRouter = routerCheck(opts.subgraphSecret);
  // Subscriptions on the same path and port as queries (kit subscriptions.ts).
  const subscriptions = subgraphSubscriptions(
    {
      schema,
      log: opts.log,
      authenticator: opts.authenticator,
      createContext: opts.createContext,
      formatError: makeFormatError(opts.log),
    },
    (req) => clientIpOf(req, fromRouter(req) ? 1 : 0),
  );

  const httpServer = createHttpFront<TContext>({
    server,
    maxBodyBytes: 1024 * 1024,
    prefixRoutes: opts.prefixRoutes,
    routes: {
      ...opts.routes,
      "/health": async (_req, res) => {
        const report = await checkHealth(opts.name, opts.health);
        sendJson(res, healthHttpStatus(report.status), report);
      },
    },
    // GraphQL only from the router: anyone else who reaches a subgraph (its port exposed by
    // mistake, another container) gets 403 before anything runs. /health and the service's own
    // routes (media, uploads) are answered before this check.
    beforeGraphQL: async (req, res) => {
      if (fromRouter(req)) return true;
      sendJson(res, 403, {
        errors: [{ message: "This service answers only the router.", extensions: { code: "FORBIDDEN" } }],
      });
      return false;
    },
    // The same for subscriptions: an upgrade without the router's secret is refused (403).
    upgrades: {
      "/graphql": (req, socket, head) => {
        if (fromRouter(req)) return subscriptions.upgrade(req, socket, head);
        socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      },
    },
    beforeClose: () => subscriptions.close(),
    context: async ({ req, requestId, signal }) => {
      const log = opts.log.child({ requestId });
      const viewer = await opts.authenticator.authenticate(req.headers.authorization);
      return makeContext(opts.createContext, {
        viewer,
        requestId,
        log,
        clientIp: clientIpOf(req, fromRouter(req) ? 1 : 0),
        signal,
      });
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
