// The gateway's planner and executor, used for subscriptions (ARCHITECTURE.md §8). Stock
// @apollo/gateway plans a subscription (a Subscription node: the primary fetch to the subgraph
// that owns the field, then the rest of the plan) but refuses to execute it. The planner and the
// schemas are private in its typings though present at run time; this module is the one place
// that reads them, and fails loudly (at router start, and in its test) if an upgrade moves them.
//
// Per event, the rest of the plan runs through the gateway's own executeQueryPlan: the primary
// fetch is handed to a stand-in service that answers with the event, so the event is merged at
// the root and every other fetch (entities from other subgraphs) runs as for a query.
import { buildOperationContext, executeQueryPlan, type ApolloGateway, type GraphQLDataSource } from "@apollo/gateway";
import { operationFromDocument, type Schema } from "@apollo/federation-internals";
import type { GatewayGraphQLRequestContext } from "@apollo/server-gateway-interface";
import { GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from "graphql";
import type { RouterContext } from "../context.ts";

type QueryPlan = Parameters<typeof executeQueryPlan>[0];
type OperationContext = Parameters<typeof executeQueryPlan>[3];
type PlanNode = NonNullable<QueryPlan["node"]>;

/** The primary fetch of a subscription plan: one operation for one subgraph. */
export interface PrimaryFetch {
  kind: "Fetch";
  serviceName: string;
  operation: string;
  operationName: string | undefined;
  variableUsages?: string[];
}

export interface SubscriptionPlan {
  primary: PrimaryFetch;
  /** Runs per event: the primary's result stands in for the fetch. */
  execute(event: ExecutionResult, context: RouterContext, variables: Record<string, unknown>): Promise<ExecutionResult>;
}

interface Internals {
  queryPlanner: { buildQueryPlan(operation: unknown): QueryPlan };
  apiSchema: Schema;
  supergraphSchema: GraphQLSchema;
  schema: GraphQLSchema;
  serviceMap: Record<string, { dataSource: GraphQLDataSource }>;
}

/** The planner and schemas of a started gateway; throws if they are not where 2.x keeps them. */
function internalsOf(gateway: ApolloGateway): Internals {
  const g = gateway as unknown as Partial<Internals>;
  const missing = (["queryPlanner", "apiSchema", "supergraphSchema", "schema", "serviceMap"] as const).filter(
    (key) => !g[key],
  );
  if (missing.length > 0 || typeof g.queryPlanner?.buildQueryPlan !== "function")
    throw new Error(
      `@apollo/gateway no longer exposes ${missing.join(", ") || "queryPlanner.buildQueryPlan"} at run time: subscriptions need its planner (router/src/subscriptions/gateway.ts)`,
    );
  return g as Internals;
}

/** The stand-in for the primary fetch (never a subgraph's name: `__` names are reserved in GraphQL). */
const EVENT_SERVICE = "__subscription_event";

export interface GatewayPlanner {
  /** The API schema subscriptions are validated against (what clients see). */
  schema: GraphQLSchema;
  /**
   * Plans a validated subscription; GraphQLError when the planner refuses it. With `source` (the
   * document's text) the plan is kept and reused for the same text and operation name.
   */
  plan(document: DocumentNode, operationName: string | undefined, source?: string): SubscriptionPlan;
}

/** Plans kept per planner (each supergraph load has its own), most recently used last. */
const PLAN_CACHE_SIZE = 500;

export function gatewayPlanner(gateway: ApolloGateway): GatewayPlanner {
  const internals = internalsOf(gateway);
  // Every client of an app sends the same few subscription documents, and planning was most of a
  // subscribe's CPU (about 1 ms of 1.6 on a 2-core machine; a burst of 1,000 subscribes held the
  // event loop long enough for the router's Redis calls to time out, bench/subscriptions.ts). A plan holds nothing per client or
  // per variable value, so it is shared, as the gateway shares query plans. Keyed by the planner
  // object: a supergraph reload brings a new one, so new subscriptions get new plans.
  const caches = new WeakMap<object, Map<string, SubscriptionPlan>>();
  return {
    schema: internals.schema,
    plan(document, operationName, source) {
      if (source === undefined) return planNow(document, operationName);
      const { queryPlanner } = internalsOf(gateway);
      let cache = caches.get(queryPlanner);
      if (!cache) {
        cache = new Map();
        caches.set(queryPlanner, cache);
      }
      const key = `${operationName ?? ""}\n${source}`;
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      const plan = planNow(document, operationName);
      cache.set(key, plan);
      if (cache.size > PLAN_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      return plan;
    },
  };

  function planNow(document: DocumentNode, operationName: string | undefined): SubscriptionPlan {
    // A supergraph reload replaces these; a live subscription keeps the plan it started with.
    const { queryPlanner, apiSchema, supergraphSchema, schema, serviceMap } = internalsOf(gateway);
    let queryPlan: QueryPlan;
    let operationContext: OperationContext;
    try {
      queryPlan = queryPlanner.buildQueryPlan(operationFromDocument(apiSchema, document, { operationName }));
      operationContext = buildOperationContext({ schema, operationDocument: document, operationName });
    } catch (err) {
      if (err instanceof GraphQLError) throw err;
      throw new GraphQLError("The subscription could not be planned.", {
        originalError: err instanceof Error ? err : undefined,
        extensions: { code: "BAD_REQUEST" },
      });
    }
    const node = queryPlan.node;
    if (node?.kind !== "Subscription")
      throw new GraphQLError("Not a subscription.", { extensions: { code: "BAD_REQUEST" } });
    const primary = node.primary as PrimaryFetch;
    const rest = node.rest as PlanNode | undefined;
    const standIn = { ...node.primary, serviceName: EVENT_SERVICE } as PlanNode;
    const perEvent: QueryPlan = {
      kind: "QueryPlan",
      node: rest ? ({ kind: "Sequence", nodes: [standIn, rest] } as PlanNode) : standIn,
    };
    const services = Object.fromEntries(Object.entries(serviceMap).map(([name, s]) => [name, s.dataSource]));
    return {
      primary,
      async execute(event, context, variables) {
        const eventSource: GraphQLDataSource = {
          // The event as the primary fetch's answer: keep __typename (entity fetches need it).
          process: async () => ({ data: event.data ?? null, errors: event.errors as never }),
        };
        const requestContext = {
          request: { query: "", variables, operationName },
          context,
          // The executor records subgraph error paths here.
          metrics: {},
          logger: console,
        } as unknown as GatewayGraphQLRequestContext;
        const result = await executeQueryPlan(
          perEvent,
          { ...services, [EVENT_SERVICE]: eventSource },
          requestContext,
          operationContext,
          supergraphSchema,
          apiSchema,
        );
        // Errors of the event itself name the stand-in: name the subgraph that sent them.
        const errors = result.errors?.map((e) =>
          e.extensions?.serviceName === EVENT_SERVICE
            ? new GraphQLError(e.message, {
                path: e.path,
                originalError: e.originalError ?? undefined,
                extensions: { ...e.extensions, serviceName: primary.serviceName },
              })
            : e,
        );
        return { data: result.data, ...(errors?.length ? { errors } : {}) } as ExecutionResult;
      },
    };
  }
}
