// The router's side of a subscription towards the subgraph that owns it: graphql-ws clients,
// one per client connection and subgraph (each carries that client's token in connectionParams,
// which the subgraph verifies again, and the request id and client address as headers, as the
// router's HTTP fetches do). Lazy: a socket opens with the first subscription and closes with the
// last one. Events go into a bounded queue (kit eventQueue.ts) whose return() unsubscribes at once.
import { createEventQueue, type EventQueue } from "@melodi/kit";
import { subgraphHeaders } from "../subgraphClient.ts";
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import type { RouterContext } from "../context.ts";

/** Open upstream sockets and subscriptions in this process (tests check both return to zero). */
export interface UpstreamStats {
  sockets: number;
  subscriptions: number;
}

export interface Upstream {
  subscribe(
    serviceName: string,
    request: { query: string; variables: Record<string, unknown>; operationName?: string },
  ): EventQueue<ExecutionResult>;
  /** Ends every subscription and socket of this client connection. */
  dispose(): void;
}

export interface UpstreamOptions {
  urlOf(serviceName: string): string | undefined;
  stats: UpstreamStats;
  maxQueued: number;
  /** SUBGRAPH_SECRET: subgraphs take a WebSocket only from the router, as they take HTTP. */
  secret?: string;
}

const wsUrlOf = (httpUrl: string) => httpUrl.replace(/^http/, "ws");

/** Why a subscription ended that the client should hear of, with the subgraph named. */
function upstreamError(serviceName: string, err: unknown): GraphQLError {
  if (Array.isArray(err) && err.length > 0) {
    // The subgraph's own `error` message (already masked by the subgraph).
    const first = err[0] as GraphQLFormattedError;
    return new GraphQLError(first.message, {
      path: first.path,
      extensions: { ...first.extensions, serviceName },
    });
  }
  // Its socket closed (it stopped, crashed or is unreachable).
  return new GraphQLError(`The ${serviceName} service is unavailable.`, {
    originalError: err instanceof Error ? err : undefined,
    extensions: { code: "SERVICE_UNAVAILABLE", serviceName },
  });
}

export function createUpstream(context: RouterContext, opts: UpstreamOptions): Upstream {
  const clients = new Map<string, Client>();
  const live = new Set<EventQueue<ExecutionResult>>();
  // The same headers as a query's fetch; the token goes in connectionParams instead.
  const headers = subgraphHeaders(context, opts.secret, { authorization: false });
  const { stats } = opts;

  // ws with the headers set, and its sockets counted.
  class CountedSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
      stats.sockets += 1;
      this.once("close", () => {
        stats.sockets -= 1;
      });
    }
  }

  const clientFor = (serviceName: string, url: string): Client => {
    let client = clients.get(serviceName);
    if (!client) {
      client = createClient({
        url: wsUrlOf(url),
        webSocketImpl: CountedSocket,
        lazy: true,
        lazyCloseTimeout: 0,
        // A subgraph that goes away ends its subscriptions with an error the client sees; the
        // client resubscribes (through the router, to whichever replica is up).
        retryAttempts: 0,
        connectionParams: context.authorization ? { authorization: context.authorization } : {},
      });
      clients.set(serviceName, client);
    }
    return client;
  };

  return {
    subscribe(serviceName, request) {
      let unsubscribe: (() => void) | undefined;
      const queue: EventQueue<ExecutionResult> = createEventQueue<ExecutionResult>({
        maxQueued: opts.maxQueued,
        onEnd: () => {
          live.delete(queue);
          stats.subscriptions -= 1;
          unsubscribe?.();
        },
      });
      stats.subscriptions += 1;
      live.add(queue);
      const url = opts.urlOf(serviceName);
      if (!url) {
        queue.fail(upstreamError(serviceName, new Error("no URL")));
        return queue;
      }
      unsubscribe = clientFor(serviceName, url).subscribe<Record<string, unknown>>(request, {
        next: (value) => queue.push(value as ExecutionResult),
        error: (err) => queue.fail(upstreamError(serviceName, err)),
        complete: () => queue.end(),
      });
      return queue;
    },
    dispose() {
      for (const queue of [...live]) void queue.return(undefined);
      for (const client of clients.values()) void client.dispose();
      clients.clear();
    },
  };
}
