// One request pipeline for every transport. HTTP (router.ts) uses it today and graphql-ws will
// use the same object, so a WebSocket operation is authenticated, limited, validated and has its
// errors formatted exactly like a POST. Each concern is its own small unit with its own test:
//   authentication      the kit's authenticator (token verified, revocations checked)
//   client limit        clientLimit.ts (per user, or per address when signed out)
//   client address      the kit's clientIpOf (X-Forwarded-For from trusted proxies only)
//   validation rules    queryLimits.ts (depth, aliases, fields, through fragments)
//   error formatting    errors.ts (masking, the failed subgraph named)
import type http from "node:http";
import type { GraphQLFormattedError, ValidationRule } from "graphql";
import { clientIpOf, createAuthenticator, type Logger, type PublicKeys } from "@melodi/kit";
import type { Redis } from "ioredis";
import { createClientLimit } from "./clientLimit.ts";
import { createErrorFormatter } from "./errors.ts";
import { DEFAULT_QUERY_LIMITS, queryLimitsRule, type QueryLimits } from "./queryLimits.ts";
import type { RouterContext } from "./context.ts";

export interface PipelineConfig {
  redis: Redis;
  publicKeys: PublicKeys;
  log: Logger;
  requestsPerMinute: number;
  /** Proxies in front of the router that append to X-Forwarded-For; 0 = none. */
  trustedProxyHops: number;
  queryLimits?: QueryLimits;
  /** Client request headers passed on to subgraphs as they are (lower-case names). */
  forwardHeaders?: string[];
}

/** What a transport knows of a caller before the operation runs. */
export interface Caller {
  /** The Authorization value: an HTTP header, or graphql-ws connectionParams. */
  authorization: string | undefined;
  clientIp: string;
  requestId: string;
  /** The client's headers (HTTP request, or the WebSocket upgrade request). */
  headers?: http.IncomingHttpHeaders;
}

export interface RequestPipeline {
  /**
   * The context of an operation: the caller authenticated and counted against the client limit.
   * Throws a GraphQLError (UNAUTHENTICATED, RATE_LIMITED) the transport answers with.
   */
  contextFor(caller: Caller): Promise<RouterContext>;
  /** The client's address as the limits count it. */
  clientIpOf(req: http.IncomingMessage): string;
  /** Rules every operation is validated with, besides GraphQL's own. */
  validationRules: ValidationRule[];
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
  return {
    async contextFor(caller) {
      const viewer = await authenticator.authenticate(caller.authorization);
      await consumeClientLimit(viewer ? `user:${viewer.id}` : `ip:${caller.clientIp}`);
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
      };
    },
    clientIpOf: (req) => clientIpOf(req, config.trustedProxyHops),
    validationRules: [queryLimitsRule(config.queryLimits ?? DEFAULT_QUERY_LIMITS)],
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
