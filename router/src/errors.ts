// What a client sees of an error, whatever the transport: the kit's masking (internal errors
// become INTERNAL_SERVER_ERROR, logged in full) plus the subgraph that failed, named, so clients
// and operators know which one (SubgraphClient tags its errors with serviceName).
import type { GraphQLFormattedError } from "graphql";
import { makeFormatError, type Logger } from "@melodi/kit";

export function createErrorFormatter(log: Logger) {
  const maskInternal = makeFormatError(log);
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const serviceName = formatted.extensions?.serviceName;
    const code = formatted.extensions?.code;
    if (code === "SERVICE_UNAVAILABLE" && typeof serviceName === "string") {
      log.warn({ serviceName, path: formatted.path }, "subgraph unavailable");
      return {
        message: formatted.message,
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code, serviceName },
      };
    }
    const masked = maskInternal(formatted, error);
    return typeof serviceName === "string" ? { ...masked, extensions: { ...masked.extensions, serviceName } } : masked;
  };
}
