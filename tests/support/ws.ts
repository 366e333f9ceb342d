// graphql-ws clients for tests, as the mobile app speaks to the router: the graphql-ws client
// (with the close event kept, to read its code) and a raw socket for what a well-behaved client
// never sends.
import type { FormattedExecutionResult } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { SUBGRAPH_SECRET_HEADER } from "@melodi/kit";
import { TEST_SUBGRAPH_SECRET } from "./keys.ts";

/**
 * A socket that carries the test stack's subgraph secret, as the router's upstream sockets do,
 * so the same client can talk to a subgraph directly (the router ignores the header).
 */
class TestSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[], headers: Record<string, string> = {}) {
    super(url, protocols, { headers: { [SUBGRAPH_SECRET_HEADER]: TEST_SUBGRAPH_SECRET, ...headers } });
  }
}

export const wsUrl = (httpUrl: string) => httpUrl.replace(/^http/, "ws");

export interface TestWsClient {
  client: Client;
  /** Resolves with the close code once the socket closes (any reason). */
  closed: Promise<{ code: number; reason: string }>;
  dispose(): Promise<void>;
}

export function wsClient(
  httpUrl: string,
  opts: { token?: string; params?: Record<string, unknown> } = {},
): TestWsClient {
  let resolveClosed!: (e: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    resolveClosed = resolve;
  });
  const client = createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: TestSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.params },
    on: {
      closed: (event) => {
        const e = event as { code: number; reason: string };
        resolveClosed({ code: e.code, reason: String(e.reason) });
      },
    },
    // A connect that fails is reported through `closed`, not thrown at the test.
    onNonLazyError: () => {},
  });
  return {
    client,
    closed,
    async dispose() {
      await client.dispose();
    },
  };
}

export interface Subscription<T> {
  /** The next event (rejects when the subscription errors or completes first). */
  next(): Promise<FormattedExecutionResult<T, unknown>>;
  /** Resolves with the errors of an `error` message, or [] on complete. */
  ended: Promise<readonly { message: string; extensions?: Record<string, unknown> }[]>;
  unsubscribe(): void;
}

export function subscribe<T = any>(
  client: Client,
  query: string,
  variables?: Record<string, unknown>,
): Subscription<T> {
  const events: FormattedExecutionResult<T, unknown>[] = [];
  const waiting: { resolve: (v: FormattedExecutionResult<T, unknown>) => void; reject: (e: unknown) => void }[] = [];
  let endedWith: unknown;
  let resolveEnded!: (errors: readonly { message: string; extensions?: Record<string, unknown> }[]) => void;
  const ended = new Promise<readonly { message: string; extensions?: Record<string, unknown> }[]>((resolve) => {
    resolveEnded = resolve;
  });
  const finish = (reason: unknown, errors: readonly { message: string; extensions?: Record<string, unknown> }[]) => {
    endedWith = reason;
    resolveEnded(errors);
    for (const w of waiting.splice(0)) w.reject(reason);
  };
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        const w = waiting.shift();
        if (w) w.resolve(value);
        else events.push(value);
      },
      error: (err) => finish(err, Array.isArray(err) ? err : [{ message: String((err as Error)?.message ?? err) }]),
      complete: () => finish(new Error("completed"), []),
    },
  );
  return {
    next() {
      const queued = events.shift();
      if (queued) return Promise.resolve(queued);
      if (endedWith) return Promise.reject(endedWith);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    ended,
    unsubscribe,
  };
}

/**
 * A raw graphql-transport-ws socket: send anything, read messages and the close code. `headers`
 * go on the upgrade request (an `origin`, as a browser sends).
 */
export async function rawSocket(
  httpUrl: string,
  protocol = "graphql-transport-ws",
  headers: Record<string, string> = {},
) {
  const socket = new TestSocket(wsUrl(httpUrl), protocol, headers);
  const messages: any[] = [];
  const waiting: ((m: any) => void)[] = [];
  socket.on("message", (data) => {
    const message = JSON.parse(String(data));
    const w = waiting.shift();
    if (w) w(message);
    else messages.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on("close", (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  return {
    socket,
    closed,
    send: (message: unknown) => socket.send(typeof message === "string" ? message : JSON.stringify(message)),
    next: (): Promise<any> => {
      const queued = messages.shift();
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiting.push(resolve));
    },
    async init(payload: Record<string, unknown> = {}) {
      socket.send(JSON.stringify({ type: "connection_init", payload }));
      const ack = await this.next();
      if (ack.type !== "connection_ack") throw new Error(`expected connection_ack, got ${JSON.stringify(ack)}`);
    },
  };
}
