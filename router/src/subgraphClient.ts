// How the router talks to a subgraph: one keep-alive undici Pool per subgraph, a plain JSON
// POST, and the caller's token, request id and address forwarded. The stock data source goes
// through make-fetch-happen and builds a node-fetch Request per call; in a profile under load
// that stack was the largest share of the gateway's CPU, so the fetch is ours. Behaviour kept:
// subgraph errors come back as GraphQL errors, timeouts fail the fetch.
import { GraphQLError } from "graphql";
import { Pool } from "undici";
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import { SUBGRAPH_SECRET_HEADER, VIEWER_TOKEN_EXTENSION } from "@melodi/kit";
import type { RouterContext } from "./context.ts";

/**
 * The headers the router sends a subgraph, over HTTP and on a WebSocket upgrade alike: the
 * configured pass-through headers first, so they can never replace the ones the router sets; the
 * verified token (HTTP only: a WebSocket carries it in connectionParams); the request id; the
 * client address; and the router's secret, set or removed whatever was forwarded, so a client's
 * own copy never reaches a subgraph.
 */
export function subgraphHeaders(
  ctx: Partial<RouterContext>,
  secret: string | undefined,
  opts: { authorization: boolean } = { authorization: true },
): Record<string, string> {
  const headers: Record<string, string> = { ...ctx.forwarded };
  if (opts.authorization && ctx.authorization) headers.authorization = ctx.authorization;
  if (ctx.requestId) headers["x-request-id"] = ctx.requestId;
  if (ctx.clientIp) headers["x-forwarded-for"] = ctx.clientIp;
  if (secret) headers[SUBGRAPH_SECRET_HEADER] = secret;
  else delete headers[SUBGRAPH_SECRET_HEADER];
  return headers;
}

export const DEFAULT_SUBGRAPH_TIMEOUT_MS = 10_000;

export interface SubgraphClientOptions {
  /** SUBGRAPH_SECRET, sent on every fetch so the subgraph knows the router asks. */
  secret?: string;
  /**
   * A subgraph signed a viewer in during this operation (login, register) and sent the new
   * access token back (the kit's VIEWER_TOKEN_EXTENSION): verify it and use it for the
   * operation's later fetches, so fields other subgraphs resolve for the payload see the viewer
   * after the mutation, as the subgraph's own fields do.
   */
  onViewerToken?: (token: string, context: RouterContext) => Promise<void>;
}

export class SubgraphClient implements GraphQLDataSource<RouterContext> {
  readonly name: string;
  readonly url: URL;
  private readonly pool: Pool;
  private readonly timeoutMs: number;
  private readonly secret: string | undefined;
  private readonly onViewerToken: SubgraphClientOptions["onViewerToken"];

  constructor(name: string, url: string, timeoutMs = DEFAULT_SUBGRAPH_TIMEOUT_MS, options: SubgraphClientOptions = {}) {
    this.name = name;
    this.url = new URL(url);
    this.timeoutMs = timeoutMs;
    this.secret = options.secret;
    this.onViewerToken = options.onViewerToken;
    this.pool = new Pool(this.url.origin, { connections: 128, keepAliveTimeout: 30_000 });
  }

  async process(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const ctx = options.context as Partial<RouterContext>;
    const headers = {
      ...subgraphHeaders(ctx, this.secret),
      "content-type": "application/json",
      accept: "application/json",
    };

    const body = JSON.stringify({
      query: request.query,
      variables: request.variables,
      operationName: request.operationName,
      extensions: request.extensions,
    });
    let response: Awaited<ReturnType<Pool["request"]>>;
    let text: string;
    try {
      response = await this.pool.request({
        path: this.url.pathname + this.url.search,
        method: "POST",
        headers,
        body,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        // A client that went away abandons the fetch: undici closes that connection, so the
        // subgraph sees its caller gone too (as it does when the timeouts above fire).
        signal: ctx.signal,
      });
      text = await response.body.text();
    } catch (err) {
      // Refused, reset or timed out: say which service, not how (no addresses to clients).
      throw new GraphQLError(`The ${this.name} service is unavailable.`, {
        originalError: err instanceof Error ? err : undefined,
        extensions: { code: "SERVICE_UNAVAILABLE", serviceName: this.name },
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new GraphQLError(`The ${this.name} service answered HTTP ${response.statusCode}.`, {
        extensions: { code: "SERVICE_UNAVAILABLE", serviceName: this.name },
      });
    }
    // Apollo Server answers some GraphQL errors (validation, CSRF) with 4xx and a GraphQL body;
    // keep those errors rather than replacing them with a transport error.
    if (response.statusCode >= 300 && !(parsed && typeof parsed === "object" && "errors" in parsed)) {
      throw new GraphQLError(`The ${this.name} service answered HTTP ${response.statusCode}.`, {
        extensions: { code: "SERVICE_UNAVAILABLE", serviceName: this.name },
      });
    }
    const result = parsed as GatewayGraphQLResponse;
    const token = result.extensions?.[VIEWER_TOKEN_EXTENSION];
    if (result.extensions && VIEWER_TOKEN_EXTENSION in result.extensions) {
      // Never passed on as it is: the client reads its tokens from the payload it asked for.
      const { [VIEWER_TOKEN_EXTENSION]: _token, ...rest } = result.extensions;
      result.extensions = rest;
      if (typeof token === "string" && this.onViewerToken) await this.onViewerToken(token, ctx as RouterContext);
    }
    return result;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
