// The router's graphql-ws endpoint (ARCHITECTURE.md §8): the kit's graphql-ws server on the
// router's `/graphql`, with every step of the request pipeline (pipeline.ts) that HTTP has:
//   connect      pipeline.contextFor from connectionParams `authorization`, the upgrade
//                request's address and headers: the token verified, the client limit counted;
//                then the per-client connection cap (connections.ts)
//   subscribe    pipeline.contextFor again (a revoked token or a spent limit refuses it),
//                validation with GraphQL's rules and pipeline.validationRules against the API
//                schema, planning by the gateway's planner (gateway.ts)
//   events       the primary fetch subscribed upstream (upstream.ts), the rest of the plan per
//                event, errors through pipeline.formatError
// and revocations announced by users close the affected connections at once.
import {
  createGraphQLWsServer,
  createPubSub,
  REVOCATION_CHANNEL,
  type Logger,
  mapEvents,
  requestIdOf,
  type RevocationNotice,
  WS_CLOSE,
  withCode,
  type WsConnection,
} from "@melodi/kit";
import type { ApolloGateway } from "@apollo/gateway";
import type { Redis } from "ioredis";
import jwt from "jsonwebtoken";
import { getOperationAST, GraphQLError, specifiedRules, validate, type ExecutionResult } from "graphql";
import type { RouterContext } from "../context.ts";
import type { RequestPipeline } from "../pipeline.ts";
import { createConnectionIndex, type TrackedConnection } from "./connections.ts";
import { gatewayPlanner, type SubscriptionPlan } from "./gateway.ts";
import { createUpstream, type Upstream, type UpstreamStats } from "./upstream.ts";

export interface SubscriptionLimits {
  /** Open subscriptions one connection may hold (25). */
  maxSubscriptionsPerConnection?: number;
  /** Open connections one client (user, else address) may hold on one router (10). */
  maxConnectionsPerClient?: number;
  /** Undelivered events one subscription may have before the client is dropped (100). */
  maxQueuedEvents?: number;
  /** Bytes waiting in a client's socket before it is dropped (1 MiB). */
  maxBufferedBytes?: number;
  /** Ping interval (12 s). */
  keepAliveMs?: number;
}

export interface SubscriptionStats extends UpstreamStats {
  connections: number;
}

interface Connection {
  context: RouterContext;
  upstream: Upstream;
  tracked: TrackedConnection;
  /** Connection-time caller, for the pipeline again at each subscribe. */
  caller: Parameters<RequestPipeline["contextFor"]>[0];
}

interface Planned {
  plan: SubscriptionPlan;
  connection: Connection;
  context: RouterContext;
}

export interface RouterSubscriptions {
  upgrade: ReturnType<typeof createGraphQLWsServer>["upgrade"];
  stats(): SubscriptionStats;
  /** Closes every connection with 1001 (the HTTP front's beforeClose). */
  close(): Promise<void>;
  /** Stops listening for revocations (after close). */
  stop(): Promise<void>;
}

/**
 * The token from connectionParams `authorization`, its name in any case: graphql-ws clients send
 * what they are given, and Apollo Sandbox sends its request headers as the connection parameters
 * (`Authorization`, as typed in its Headers panel). The lower-case name wins if both are there.
 */
export function authorizationParam(params: Record<string, unknown>): string | undefined {
  const key =
    "authorization" in params ? "authorization" : Object.keys(params).find((k) => k.toLowerCase() === "authorization");
  const value = key === undefined ? undefined : params[key];
  return typeof value === "string" ? value : undefined;
}

export async function createRouterSubscriptions(opts: {
  gateway: ApolloGateway;
  pipeline: RequestPipeline;
  urlOf(serviceName: string): string | undefined;
  redis: Redis;
  log: Logger;
  limits?: SubscriptionLimits;
  /** SUBGRAPH_SECRET, sent on every upstream socket. */
  subgraphSecret?: string;
}): Promise<RouterSubscriptions> {
  const planner = gatewayPlanner(opts.gateway);
  const limits = opts.limits ?? {};
  const upstreamStats: UpstreamStats = { sockets: 0, subscriptions: 0 };
  const index = createConnectionIndex(limits.maxConnectionsPerClient ?? 10);
  const rules = [...specifiedRules, ...opts.pipeline.validationRules];

  const pubsub = createPubSub(opts.redis, { log: opts.log.child({ component: "pubsub" }) });
  await pubsub.subscribe(REVOCATION_CHANNEL, (message) => {
    const closed = index.revoke(JSON.parse(message) as RevocationNotice, WS_CLOSE.unauthorized);
    if (closed > 0) opts.log.info({ closed }, "subscriptions: connections closed after a revocation");
  });

  const server = createGraphQLWsServer<Connection>({
    log: opts.log,
    keepAliveMs: limits.keepAliveMs,
    maxSubscriptionsPerConnection: limits.maxSubscriptionsPerConnection ?? 25,
    maxBufferedBytes: limits.maxBufferedBytes,
    // The same document limits as HTTP, before parsing, and the same parse bound.
    checkSource: (source) => opts.pipeline.checkDocument(source),
    parseOptions: opts.pipeline.parseOptions,
    async connect(params, request) {
      const caller = {
        authorization: authorizationParam(params),
        clientIp: opts.pipeline.clientIpOf(request),
        requestId: requestIdOf(request),
        headers: request.headers,
      };
      const context = await opts.pipeline.contextFor(caller);
      const claims = context.authorization ? jwt.decode(context.authorization.trim().split(/\s+/)[1] ?? "") : null;
      const tracked: TrackedConnection = {
        clientKey: context.viewer ? `user:${context.viewer.id}` : `ip:${context.clientIp}`,
        userId: context.viewer?.id,
        sessionId: context.viewer?.sessionId,
        tokenVersion: claims && typeof claims === "object" && typeof claims.tv === "number" ? claims.tv : undefined,
        close: () => {}, // set once the connection is open
      };
      const upstream = createUpstream(context, {
        urlOf: opts.urlOf,
        stats: upstreamStats,
        maxQueued: limits.maxQueuedEvents ?? 100,
        secret: opts.subgraphSecret,
      });
      return { context, upstream, tracked, caller };
    },
    authorizationOf: (connection) => connection.context.authorization,
    opened(connection: WsConnection<Connection>) {
      const { tracked } = connection.auth;
      tracked.close = (code, reason) => connection.close(code, reason);
      if (!index.add(tracked)) connection.close(WS_CLOSE.forbidden, "Too many connections for this client.");
    },
    closed(connection) {
      index.remove(connection.auth.tracked);
      connection.auth.upstream.dispose();
    },
    async prepare(connection, document, payload) {
      let context: RouterContext;
      try {
        context = await opts.pipeline.contextFor(connection.caller);
      } catch (err) {
        if (err instanceof Error && "extensions" in err) return [err as never];
        throw err;
      }
      const errors = validate(planner.schema, document, rules);
      if (errors.length > 0) return withCode(errors, "GRAPHQL_VALIDATION_FAILED");
      // Demand control as for HTTP: an operation over the budget is refused before planning.
      const operation = getOperationAST(document, payload.operationName ?? undefined);
      try {
        if (operation) opts.pipeline.checkCost(planner.schema, document, operation, payload.variables ?? undefined);
      } catch (err) {
        if (err instanceof GraphQLError) return [err];
        throw err;
      }
      let plan: SubscriptionPlan;
      try {
        plan = planner.plan(document, payload.operationName ?? undefined, payload.query);
      } catch (err) {
        return [err as never];
      }
      const planned: Planned = { plan, connection, context };
      return {
        schema: planner.schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables ?? {},
        contextValue: planned,
      };
    },
    async subscribe(args) {
      const { plan, connection, context } = args.contextValue as Planned;
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      // Only the variables the primary operation declares (the subgraph rejects others).
      const primaryVariables = Object.fromEntries(
        (plan.primary.variableUsages ?? []).filter((name) => name in variables).map((name) => [name, variables[name]]),
      );
      const events = connection.upstream.subscribe(plan.primary.serviceName, {
        query: plan.primary.operation,
        variables: primaryVariables,
        ...(plan.primary.operationName ? { operationName: plan.primary.operationName } : {}),
      });
      return mapEvents(events, (event): Promise<ExecutionResult> => plan.execute(event, context, variables));
    },
    formatError: opts.pipeline.formatError,
  });

  return {
    upgrade: server.upgrade,
    stats: () => ({ connections: index.size(), ...upstreamStats }),
    close: () => server.close(),
    stop: () => pubsub.close(),
  };
}
