// GraphQL errors with `extensions.code`, and the formatter that keeps internals (stack traces,
// SQL, Prisma messages) away from clients. Expected failures of mutations are not errors: they
// are `userErrors` in the payload (see userErrors.ts).
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import type { Logger } from "./logger.ts";

export function unauthenticated(message = "You must be signed in."): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 200 } } });
}

export function forbidden(message = "You are not allowed to do this."): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "FORBIDDEN" } });
}

export function badUserInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", ...(field ? { field } : {}) } });
}

export function tooManyRequests(message: string, retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "RATE_LIMITED", retryAfterSeconds } });
}

/**
 * A dependency the answer needs is away for a moment (Redis, for a signed-in request's revocation
 * check): HTTP 503 with Retry-After when it refuses a whole request, so clients retry.
 */
export function serviceUnavailable(message: string, retryAfterSeconds = 1): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: "SERVICE_UNAVAILABLE",
      retryAfterSeconds,
      http: { status: 503, headers: new Map([["retry-after", String(retryAfterSeconds)]]) },
    },
  });
}

/** Codes whose message was written for the client and may be shown as is. */
const CLIENT_CODES = new Set([
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BAD_USER_INPUT",
  "RATE_LIMITED",
  "SERVICE_UNAVAILABLE",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
  "QUERY_TOO_COMPLEX",
  "COST_ESTIMATED_TOO_EXPENSIVE",
  "TOO_MANY_SUBSCRIPTIONS",
  "PAYLOAD_TOO_LARGE",
  // Nobody waits for the answer: not an internal fault.
  "REQUEST_ABANDONED",
]);

/**
 * Apollo Server `formatError`: client errors pass through without their stack; anything else is
 * logged in full and replaced by a generic INTERNAL_SERVER_ERROR.
 */
export function makeFormatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === "string" && CLIENT_CODES.has(code)) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    log.error({ err: unwrapResolverError(error), path: formatted.path }, "internal error");
    return {
      message: "Internal server error.",
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    };
  };
}
