// One request pipeline for every transport. HTTP (router.ts) uses it today and graphql-ws will
// use the same object, so a WebSocket operation is authenticated, limited, validated and has its
// errors formatted exactly like a POST. Each concern is its own small unit with its own test:
//   authentication      the kit's authenticator (token verified, revocations checked)
//   client limit        clientLimit.ts (per user, or per address when signed out)
//   client address      the kit's clientIpOf (X-Forwarded-For from trusted proxies only)
//   document limits     documentLimits.ts (tokens and nesting before parsing; fragments and spread
//                       depth before validation), so a hostile document is refused cheaply
//   validation rules    queryLimits.ts (depth, aliases, fields, through fragments)
//   demand control      cost.ts (the operation's estimated cost against the budget, before planning)
//   error formatting    errors.ts (masking, the failed subgraph named)
// A transport gives contextFor the operation's source (the document limits run there, before
// anything parses it), parses with `parseOptions`, validates with `validationRules`, then calls
// `checkCost` before executing; HTTP gets the last through `apolloPlugin`.
import type http from "node:http";
import type {
  DocumentNode,
  GraphQLError,
  GraphQLFormattedError,
  GraphQLSchema,
  OperationDefinitionNode,
  ParseOptions,
  ValidationRule,
} from "graphql";
import type { ApolloServerPlugin, GraphQLRequestListener } from "@apollo/server";
import { clientIpOf, createAuthenticator, type Logger, type PublicKeys } from "@melodi/kit";
import type { Redis } from "ioredis";
import { createClientLimit } from "./clientLimit.ts";
import { createErrorFormatter } from "./errors.ts";
import { DEFAULT_QUERY_LIMITS, queryLimitsRule, type QueryLimits } from "./queryLimits.ts";
import type { RouterContext } from "./context.ts";
import { checkSource, DEFAULT_DOCUMENT_LIMITS, documentLimitsRule, type DocumentLimits } from "./documentLimits.ts";
import { costDirectivesOf, costTooHigh, DEFAULT_COST_SETTINGS, estimateCost, type CostSettings } from "./cost.ts";

export interface PipelineConfig {
  redis: Redis;
  publicKeys: PublicKeys;
  log: Logger;
  requestsPerMinute: number;
  /** Proxies in front of the router that append to X-Forwarded-For; 0 = none. */
  trustedProxyHops: number;
  queryLimits?: QueryLimits;
  documentLimits?: Partial<DocumentLimits>;
  /** The supergraph whose @cost and @listSize directives price operations; no demand control without it. */
  supergraphSdl?: string;
  cost?: Partial<CostSettings>;
  /** Development: every response carries its estimated cost in `extensions.cost`. */
  reportCost?: boolean;
  /** Client request headers passed on to subgraphs as they are (lower-case names). */
  forwardHeaders?: string[];
}

/** What a transport knows of a caller before the operation runs. */
export interface Caller {
  /** The operation's source, as sent: refused here when it is too big for its worth (documentLimits.ts). */
  query?: string;
  /** The Authorization value: an HTTP header, or graphql-ws connectionParams. */
  authorization: string | undefined;
  clientIp: string;
  requestId: string;
  /** The client's headers (HTTP request, or the WebSocket upgrade request). */
  headers?: http.IncomingHttpHeaders;
  /** Aborts when the client goes away (the HTTP response closed early, the socket or subscription ended). */
  signal?: AbortSignal;
}

export interface RequestPipeline {
  /**
   * The context of an operation: the caller authenticated and counted against the client limit,
   * and its source within the document limits (counted first, so hostile documents count too).
   * Throws a GraphQLError (UNAUTHENTICATED, RATE_LIMITED, QUERY_TOO_COMPLEX) the transport answers with.
   */
  contextFor(caller: Caller): Promise<RouterContext>;
  /** The client's address as the limits count it. */
  clientIpOf(req: http.IncomingMessage): string;
  /** Options for graphql's parse: its own token limit, a second line behind contextFor's. */
  parseOptions: ParseOptions;
  /** The document limits alone (documentLimits.ts), for a transport that checks a source before parsing it. */
  checkDocument(source: string): GraphQLError | undefined;
  /** Rules every operation is validated with, besides GraphQL's own. */
  validationRules: ValidationRule[];
  /**
   * The operation's estimated cost (cost.ts); throws COST_ESTIMATED_TOO_EXPENSIVE, with the
   * estimate, when it is over the budget. 0 without a supergraph to price it.
   */
  checkCost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown> | undefined,
  ): number;
  /** checkCost for Apollo Server, once the operation is known and before the gateway plans it. */
  apolloPlugin: ApolloServerPlugin<RouterContext>;
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /**
   * The rest of the operation runs as the viewer of `accessToken`, which a subgraph just issued
   * (a sign-in): verified like any token, then forwarded to the operation's later fetches. A
   * token that does not verify changes nothing.
   */
  actAsViewer(context: RouterContext, accessToken: string): Promise<void>;
}

export function createPipeline(config: PipelineConfig): RequestPipeline {
  const authenticator = createAuthenticator({ keys: config.publicKeys, redis: config.redis });
  const consumeClientLimit = createClientLimit(config.redis, config.requestsPerMinute);
  const forward = (config.forwardHeaders ?? []).map((h) => h.toLowerCase());
  const documentLimits = { ...DEFAULT_DOCUMENT_LIMITS, ...config.documentLimits };
  const costSettings = { ...DEFAULT_COST_SETTINGS, ...config.cost };
  const costDirectives = config.supergraphSdl ? costDirectivesOf(config.supergraphSdl) : undefined;
  const parseOptions: ParseOptions = { maxTokens: documentLimits.maxTokens };

  const checkCost: RequestPipeline["checkCost"] = (schema, document, operation, variables) => {
    if (!costDirectives) return 0;
    const estimated = estimateCost(
      schema,
      costDirectives,
      document,
      operation,
      variables,
      costSettings.defaultListSize,
    );
    if (estimated > costSettings.maxCost) throw costTooHigh(estimated, costSettings.maxCost);
    return estimated;
  };

  // One listener for every request (its hooks read the request from their argument), so the
  // plugin allocates nothing per request. Apollo answers a GraphQLError thrown from
  // didResolveOperation with its extensions (the 400 status included); a throw from its earlier
  // hooks would be a 500, which is why the document limits run in contextFor instead.
  const estimates = new WeakMap<object, number>();
  const listener: GraphQLRequestListener<RouterContext> = {
    async didResolveOperation({ schema, document, operation, request, contextValue }) {
      if (!operation) return;
      const estimated = checkCost(schema, document, operation, request.variables);
      if (config.reportCost) estimates.set(contextValue, estimated);
    },
    async willSendResponse({ response, contextValue }) {
      const estimated = estimates.get(contextValue);
      if (estimated === undefined || response.body.kind !== "single") return;
      response.body.singleResult.extensions = {
        ...response.body.singleResult.extensions,
        cost: { estimated, max: costSettings.maxCost },
      };
    },
  };

  return {
    async contextFor(caller) {
      const viewer = await authenticator.authenticate(caller.authorization);
      await consumeClientLimit(viewer ? `user:${viewer.id}` : `ip:${caller.clientIp}`);
      if (caller.query !== undefined) {
        const refused = checkSource(caller.query, documentLimits);
        if (refused) throw refused;
      }
      const forwarded: Record<string, string> = {};
      for (const name of forward) {
        const value = caller.headers?.[name];
        if (value !== undefined) forwarded[name] = Array.isArray(value) ? value.join(", ") : value;
      }
      return {
        viewer,
        authorization: viewer ? caller.authorization : undefined,
        requestId: caller.requestId,
        clientIp: caller.clientIp,
        forwarded,
        signal: caller.signal,
      };
    },
    clientIpOf: (req) => clientIpOf(req, config.trustedProxyHops),
    parseOptions,
    checkDocument: (source) => checkSource(source, documentLimits),
    validationRules: [documentLimitsRule(documentLimits), queryLimitsRule(config.queryLimits ?? DEFAULT_QUERY_LIMITS)],
    checkCost,
    apolloPlugin: { requestDidStart: async () => listener },
    formatError: createErrorFormatter(config.log),
    async actAsViewer(context, accessToken) {
      const authorization = `Bearer ${accessToken}`;
      const viewer = await authenticator.authenticate(authorization).catch(() => null);
      if (!viewer) return;
      context.viewer = viewer;
      context.authorization = authorization;
    },
  };
}
