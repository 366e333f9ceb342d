// graphql-ws (the graphql-transport-ws protocol) on an HTTP front's upgrade path, shared by the
// subgraphs and the router (ARCHITECTURE.md §8). What is common to both lives here: the socket
// server, authentication at connection_init (a bad token closes with 4401), closing at the
// token's `exp`, keep-alive pings, the cap on subscriptions per connection, the slow consumer
// (its bounded queue overflows, or the socket's send buffer does: closed with 1013 so the
// client reconnects), only subscription operations (queries go over HTTP, one path each),
// errors formatted by the service's formatter, and 1001 on shutdown. What differs (how a
// subscribe is parsed, validated and executed) is the caller's `prepare` and `subscribe`.
import type http from "node:http";
import type { Duplex } from "node:stream";
import {
  GraphQLError,
  getOperationAST,
  parse,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type ParseOptions,
} from "graphql";
import { CloseCode, type SubscribePayload } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import jwt from "jsonwebtoken";
import { WebSocketServer, type WebSocket } from "ws";
import { SlowConsumerError } from "./eventQueue.ts";
import type { Logger } from "./logger.ts";

/** Close codes a client of ours may see besides the protocol's own. */
export const WS_CLOSE = {
  /** Shutdown: reconnect (elsewhere). */
  goingAway: 1001,
  /** The client did not read its events fast enough; reconnect and resubscribe. */
  slowConsumer: 1013,
  /** No valid token: at connect, at the token's expiry, or after a revocation. Sign in again. */
  unauthorized: CloseCode.Unauthorized,
  /** Refused for this client (too many connections). */
  forbidden: CloseCode.Forbidden,
} as const;

/** One open connection, once connection_init was accepted. */
export interface WsConnection<TAuth> {
  auth: TAuth;
  /** Subscriptions running on it. */
  readonly subscriptions: number;
  close(code: number, reason: string): void;
}

export interface GraphQLWsOptions<TAuth> {
  log: Logger;
  /**
   * Accepts connection_init: what this connection's subscriptions run as. Throws (a GraphQLError
   * whose code is UNAUTHENTICATED) to close with 4401.
   */
  connect(params: Record<string, unknown>, request: http.IncomingMessage): Promise<TAuth>;
  /** The Authorization value a connection presented (its token's `exp` ends the connection). */
  authorizationOf?(auth: TAuth): string | undefined;
  /** After connect: may close the new connection (e.g. a per-client cap). */
  opened?(connection: WsConnection<TAuth>): void;
  closed?(connection: WsConnection<TAuth>): void;
  /** Validates one subscribe beyond parsing; returns the execution arguments or errors. */
  /** Refuses a source before it is parsed (a hostile document): errors, or nothing to go on. */
  checkSource?(source: string): GraphQLError | undefined;
  /** Options for graphql's parse (e.g. maxTokens). */
  parseOptions?: ParseOptions;
  prepare(
    auth: TAuth,
    document: DocumentNode,
    payload: SubscribePayload,
  ): Promise<ExecutionArgs | readonly GraphQLError[]> | ExecutionArgs | readonly GraphQLError[];
  subscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult>;
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /** Ping interval; a client that does not pong within it is dropped (12 s). */
  keepAliveMs?: number;
  maxSubscriptionsPerConnection?: number;
  /** Bytes a connection may have waiting in its socket before it counts as a slow consumer (1 MiB). */
  maxBufferedBytes?: number;
  /** A socket whose unsent data makes no progress this long is dropped as a slow consumer (5 s). */
  stallMs?: number;
}

export interface GraphQLWsServer<TAuth> {
  /** The HTTP front's upgrade handler for the GraphQL path. */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  connections(): ReadonlySet<WsConnection<TAuth>>;
  /** Closes every connection with 1001 and stops accepting (the HTTP front's beforeClose). */
  close(): Promise<void>;
}

const DEFAULT_MAX_SUBSCRIPTIONS = 100;

const errorWithCode = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

/** Errors as HTTP would answer them: validation errors carry GRAPHQL_VALIDATION_FAILED unless they have a code. */
export function withCode(errors: readonly GraphQLError[], code: string): GraphQLError[] {
  return errors.map((e) =>
    e.extensions.code
      ? e
      : new GraphQLError(e.message, {
          nodes: e.nodes,
          source: e.source,
          positions: e.positions,
          extensions: { ...e.extensions, code },
        }),
  );
}

/** The token's expiry (ms since epoch) from an already verified "Bearer <jwt>". */
export function tokenExpiry(authorization: string | undefined): number | undefined {
  const token = authorization?.trim().split(/\s+/)[1];
  const decoded = token ? jwt.decode(token) : null;
  return decoded && typeof decoded === "object" && typeof decoded.exp === "number" ? decoded.exp * 1000 : undefined;
}

/** The original error graphql-ws wrapped (it keeps only the message of an error thrown mid-stream). */
function unwrap(error: GraphQLError): unknown {
  return error.originalError instanceof GraphQLError ? error.originalError : (error.originalError ?? error);
}

type Extra<TAuth> = Record<PropertyKey, unknown> & {
  socket: WebSocket;
  request: http.IncomingMessage;
  connection?: Conn<TAuth>;
};

/**
 * Errors before the first event (a `subscribe` resolver that refused): graphql's subscribe gives
 * them as a result, which graphql-ws would send as a `next` and a `complete`; thrown from the
 * stream instead, they reach the client as the protocol's `error` message.
 */
class RefusedError extends Error {
  readonly errors: readonly GraphQLError[];
  constructor(errors: readonly GraphQLError[]) {
    super(errors[0]?.message ?? "Subscription refused.");
    this.errors = errors;
  }
}

function refused(errors: readonly GraphQLError[]): AsyncGenerator<ExecutionResult> {
  const stream: AsyncGenerator<ExecutionResult> = {
    next: () => Promise.reject(new RefusedError(errors)),
    return: () => Promise.resolve({ value: undefined, done: true }),
    throw: (err) => Promise.reject(err),
    [Symbol.asyncIterator]: () => stream,
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
  return stream;
}

interface Conn<TAuth> extends WsConnection<TAuth> {
  timer?: NodeJS.Timeout;
  /** Watches for a socket whose unsent data makes no progress (see stallMs). */
  watch?: NodeJS.Timeout;
}

/** How often the stall watch looks at each socket. */
const STALL_CHECK_MS = 500;

export function createGraphQLWsServer<TAuth>(opts: GraphQLWsOptions<TAuth>): GraphQLWsServer<TAuth> {
  const wss = new WebSocketServer({ noServer: true });
  const maxSubscriptions = opts.maxSubscriptionsPerConnection ?? DEFAULT_MAX_SUBSCRIPTIONS;
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
  const stallMs = opts.stallMs ?? 5000;
  const open = new Set<Conn<TAuth>>();
  const format = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.flatMap((e) => {
      const original = unwrap(e);
      if (original instanceof RefusedError) return format(original.errors);
      if (original instanceof SlowConsumerError)
        return { message: original.message, extensions: { code: "SLOW_CONSUMER" } };
      const error = original instanceof GraphQLError ? original : e;
      return opts.formatError(error.toJSON(), original);
    });

  /**
   * Drops a client that does not read: its subscriptions end now (upstream unsubscribed, nothing
   * more queued for it), then the close (1013). A client that is not reading cannot answer the
   * close handshake either, so the socket is cut after a short grace instead of ws's 30 s.
   */
  const dropSlow = (ctx: { extra: Extra<TAuth>; subscriptions: Record<string, unknown> }) => {
    const { socket } = ctx.extra;
    if (socket.readyState !== socket.OPEN) return;
    for (const sub of Object.values(ctx.subscriptions))
      void (sub as AsyncGenerator | null)?.return?.(undefined)?.catch(() => {});
    socket.close(WS_CLOSE.slowConsumer, "Slow consumer: events are not being read.");
    setTimeout(() => socket.terminate(), 5000).unref();
  };

  const disposable = useServer<Record<string, unknown>, Extra<TAuth>>(
    {
      // A client that opens a socket and never says who it is is closed by graphql-ws (4408).
      connectionInitWaitTimeout: 10_000,
      async onConnect(ctx) {
        const { socket, request } = ctx.extra;
        let auth: TAuth;
        try {
          auth = await opts.connect(ctx.connectionParams ?? {}, request);
        } catch (err) {
          const code = err instanceof GraphQLError ? err.extensions.code : undefined;
          const message = err instanceof GraphQLError ? err.message : "Internal server error";
          if (!(err instanceof GraphQLError)) opts.log.error({ err }, "graphql-ws: connect failed");
          socket.close(code === "UNAUTHENTICATED" ? WS_CLOSE.unauthorized : code ? WS_CLOSE.forbidden : 4500, message);
          return false;
        }
        const connection: Conn<TAuth> = {
          auth,
          // graphql-ws holds every running (and starting) subscription of the connection here.
          get subscriptions() {
            return Object.keys(ctx.subscriptions).length;
          },
          close: (code, reason) => socket.close(code, reason),
        };
        const expires = tokenExpiry(opts.authorizationOf?.(auth));
        if (expires !== undefined) {
          // At the token's exp, not at the next event: a connection never outlives its token.
          connection.timer = setTimeout(
            () => socket.close(WS_CLOSE.unauthorized, "Access token has expired."),
            Math.max(0, expires - Date.now()),
          );
          connection.timer.unref();
        }
        // graphql-ws sends one message at a time and waits for it to be written: behind a client
        // that stopped reading, that one message sits unsent, the socket's buffer never passes
        // maxBufferedBytes, and the events wait in the upstream queue where nobody pulls their
        // overflow. So a socket whose unsent data has not moved for stallMs is dropped too.
        let lastPending = 0;
        let movedAt = Date.now();
        connection.watch = setInterval(() => {
          const pending = socket.bufferedAmount;
          if (pending === 0 || pending !== lastPending) {
            lastPending = pending;
            movedAt = Date.now();
          } else if (Date.now() - movedAt > stallMs) dropSlow(ctx);
        }, STALL_CHECK_MS);
        connection.watch.unref();
        ctx.extra.connection = connection;
        open.add(connection);
        opts.opened?.(connection);
        return socket.readyState === socket.OPEN;
      },
      onClose(ctx) {
        const connection = ctx.extra.connection;
        if (!connection) return;
        clearTimeout(connection.timer);
        clearInterval(connection.watch);
        open.delete(connection);
        opts.closed?.(connection);
      },
      async onSubscribe(ctx, _id, payload) {
        const connection = ctx.extra.connection!;
        // This subscribe is already among them.
        if (connection.subscriptions > maxSubscriptions)
          return [
            errorWithCode(`A connection may run at most ${maxSubscriptions} subscriptions.`, "TOO_MANY_SUBSCRIPTIONS"),
          ];
        let document: DocumentNode;
        try {
          const source = String(payload.query ?? "");
          const refused = opts.checkSource?.(source);
          if (refused) return [refused];
          document = parse(source, opts.parseOptions);
        } catch (err) {
          return err instanceof GraphQLError
            ? withCode([err], "GRAPHQL_PARSE_FAILED")
            : [errorWithCode("The document could not be parsed.", "GRAPHQL_PARSE_FAILED")];
        }
        const operation = getOperationAST(document, payload.operationName ?? undefined);
        if (!operation) return [errorWithCode("Unable to identify the operation.", "BAD_REQUEST")];
        if (operation.operation !== "subscription")
          return [
            errorWithCode(
              `Only subscriptions are served over WebSocket; send a ${operation.operation} over HTTP.`,
              "BAD_REQUEST",
            ),
          ];
        const prepared = await opts.prepare(connection.auth, document, payload);
        if (Array.isArray(prepared)) return prepared;
        return prepared as ExecutionArgs;
      },
      async subscribe(args) {
        const result = await opts.subscribe(args);
        if (Symbol.asyncIterator in result) return result;
        return result.errors?.length && !result.data ? refused(result.errors) : result;
      },
      onNext(ctx, _id, _payload, _args, result) {
        const { socket } = ctx.extra;
        // The socket's own buffer: a client that stopped reading is dropped before the router
        // holds more than this for it.
        if (socket.bufferedAmount > maxBuffered) {
          dropSlow(ctx);
          return;
        }
        if (!result.errors?.length) return;
        return { ...result, errors: format(result.errors) };
      },
      onError(ctx, _id, _payload, errors) {
        if (errors.some((e) => unwrap(e) instanceof SlowConsumerError)) dropSlow(ctx);
        return format(errors);
      },
    },
    wss,
    opts.keepAliveMs ?? 12_000,
  );

  return {
    upgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
    },
    connections: () => open,
    async close() {
      // 1001 ("Going away") so clients reconnect elsewhere; waited for (briefly), so the close
      // frame is out before the HTTP front destroys what is left.
      const closing = [...wss.clients].map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            const timer = setTimeout(resolve, 1000);
            ws.once("close", () => {
              clearTimeout(timer);
              resolve();
            });
            ws.close(WS_CLOSE.goingAway, "The server is shutting down.");
          }),
      );
      await Promise.all(closing);
      await disposable.dispose();
    },
  };
}
