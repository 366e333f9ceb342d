// A small node:http front for an ApolloServer: JSON body with a size cap, extra routes
// (health), and the request id. Router and subgraphs both serve GraphQL this way, so it lives
// in the kit. Apollo Server 5 ships no HTTP framework; this is what startStandaloneServer does,
// minus CORS/body-parser, plus a body limit that answers 413 instead of buffering 50 MB.
import http from "node:http";
import { randomUUID } from "node:crypto";
import type { Duplex } from "node:stream";
import { HeaderMap, type ApolloServer, type BaseContext, type ContextFunction } from "@apollo/server";

export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> | void;

/** Takes an HTTP Upgrade (a WebSocket handshake) on one path: e.g. ws's handleUpgrade. */
export type UpgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface HttpFrontOptions<TContext extends BaseContext> {
  server: ApolloServer<TContext>;
  /**
   * `query` is the operation's source as sent (POST body or GET parameter), for checks before
   * GraphQL parses it; `signal` aborts when the client goes away before its answer is written,
   * so work done for it (a router's subgraph fetches) can stop.
   */
  context: ContextFunction<
    [{ req: http.IncomingMessage; requestId: string; query: string | undefined; signal: AbortSignal }],
    TContext
  >;
  /** Maximum accepted request body, in bytes. */
  maxBodyBytes?: number;
  /** Exact-path routes served before GraphQL (e.g. `/health`). */
  routes?: Record<string, RouteHandler>;
  /**
   * Routes for every path under a prefix, served before GraphQL: the key `/uploads/` answers
   * `/uploads` and `/uploads/<anything>`. The longest matching prefix wins.
   */
  prefixRoutes?: Record<string, RouteHandler>;
  /** Called before GraphQL; may answer the request itself (rate limits) and return false. */
  beforeGraphQL?: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;
  /** Upgrade (WebSocket) handlers by exact path; an upgrade to any other path gets 404. */
  upgrades?: Record<string, UpgradeHandler>;
  /**
   * Runs first when close() is called, while upgraded sockets are still open: a WebSocket server
   * closes its clients here with a proper close code; close() then destroys whatever is left.
   */
  beforeClose?: () => Promise<void>;
}

/** What close() must end besides HTTP connections, per server. */
const upgradedOf = new WeakMap<http.Server, { sockets: Set<Duplex>; beforeClose?: () => Promise<void> }>();

export class BodyTooLargeError extends Error {}

export const REQUEST_ID_HEADER = "x-request-id";

/** Accepts an incoming request id only if it looks like one; otherwise makes a new one. */
export function requestIdOf(req: http.IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  if (typeof given === "string" && /^[A-Za-z0-9_.:-]{1,128}$/.test(given)) return given;
  return randomUUID();
}

export function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLargeError());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLargeError());
        req.removeAllListeners("data");
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function graphQLErrorBody(message: string, code: string) {
  return { errors: [{ message, extensions: { code } }] };
}

function prefixRoute(routes: Record<string, RouteHandler> | undefined, pathname: string): RouteHandler | undefined {
  if (!routes) return undefined;
  let best: string | undefined;
  for (const prefix of Object.keys(routes)) {
    const bare = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
    if ((pathname === bare || pathname.startsWith(`${bare}/`)) && (!best || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : routes[best];
}

function queryOf(body: unknown, url: URL): string | undefined {
  if (body && typeof body === "object" && "query" in body)
    return typeof body.query === "string" ? body.query : undefined;
  return url.searchParams.get("query") ?? undefined;
}

export function createHttpFront<TContext extends BaseContext>(opts: HttpFrontOptions<TContext>): http.Server {
  const maxBodyBytes = opts.maxBodyBytes ?? 1024 * 1024;
  const server = http.createServer(async (req, res) => {
    const requestId = requestIdOf(req);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      const route = opts.routes?.[url.pathname] ?? prefixRoute(opts.prefixRoutes, url.pathname);
      if (route) return await route(req, res);
      if (url.pathname !== "/graphql" && url.pathname !== "/") {
        return sendJson(res, 404, { error: "not found" });
      }
      if (opts.beforeGraphQL && !(await opts.beforeGraphQL(req, res))) return;

      let body: unknown;
      if (req.method === "POST") {
        let text: string;
        try {
          text = await readBody(req, maxBodyBytes);
        } catch (err) {
          if (err instanceof BodyTooLargeError) {
            res.setHeader("connection", "close");
            return sendJson(
              res,
              413,
              graphQLErrorBody(`Request body is larger than ${maxBodyBytes} bytes.`, "PAYLOAD_TOO_LARGE"),
            );
          }
          throw err;
        }
        const contentType = req.headers["content-type"] ?? "";
        if (contentType.includes("json")) {
          try {
            body = text.length ? JSON.parse(text) : undefined;
          } catch {
            return sendJson(res, 400, graphQLErrorBody("Request body is not valid JSON.", "BAD_REQUEST"));
          }
        } else {
          body = text;
        }
      }

      const abandoned = new AbortController();
      res.once("close", () => {
        if (!res.writableFinished) abandoned.abort();
      });
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
      }
      const response = await opts.server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: (req.method ?? "GET").toUpperCase(), headers, search: url.search, body },
        context: () => opts.context({ req, requestId, query: queryOf(body, url), signal: abandoned.signal }),
      });
      for (const [key, value] of response.headers) res.setHeader(key, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === "complete") {
        res.end(response.body.string);
        return;
      }
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    } catch {
      // Never leak internals: the error itself is logged by the server's own plugins.
      if (!res.headersSent) sendJson(res, 500, graphQLErrorBody("Internal server error.", "INTERNAL_SERVER_ERROR"));
      else res.end();
    }
  });
  // Upgraded sockets leave the HTTP server's bookkeeping (closeAllConnections does not see them),
  // so they are tracked here for close().
  const upgraded = { sockets: new Set<Duplex>(), beforeClose: opts.beforeClose };
  upgradedOf.set(server, upgraded);
  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.sockets.add(socket);
    socket.once("close", () => upgraded.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const handler = opts.upgrades?.[pathname];
    if (!handler) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    handler(req, socket, head);
  });
  return server;
}

export function listen(server: http.Server, port: number, host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

/** Stops listening and ends every connection, upgraded (WebSocket) ones included. */
export async function close(server: http.Server): Promise<void> {
  const upgraded = upgradedOf.get(server);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await upgraded?.beforeClose?.().catch(() => {});
  for (const socket of upgraded?.sockets ?? []) socket.destroy();
  await closed;
}
