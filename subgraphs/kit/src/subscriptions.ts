// Subscriptions in a subgraph (ARCHITECTURE.md §8): graphql-ws on its `/graphql`, running the
// `Subscription` fields of its own schema, and events fanned out through Redis pub/sub.
//
// Fan-out: a producer publishes once (on whichever replica made the change) to a pub/sub
// channel; every replica with a subscriber on that channel receives it once and hands it to its
// own subscribers, and each subscriber is connected to exactly one replica, so every subscriber
// gets every event once however many replicas run.
import {
  createSourceEventStream,
  execute,
  validate,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from "graphql";
import type { Authenticator } from "./auth.ts";
import { createEventQueue, mapEvents } from "./eventQueue.ts";
import { createGraphQLWsServer, type GraphQLWsServer, withCode } from "./graphqlWs.ts";
import { requestIdOf } from "./http.ts";
import type { Logger } from "./logger.ts";
import type { PubSub } from "./pubsub.ts";
import type { RequestBase } from "./subgraph.ts";

/** Undelivered events one subscriber may have before it is dropped as a slow consumer. */
export const DEFAULT_MAX_QUEUED_EVENTS = 100;

/**
 * The messages of one pub/sub channel as a subscription's event stream (JSON-decoded), for a
 * `Subscription` field's `subscribe`. Resolves once Redis confirmed the channel, so every event
 * published after that arrives; leaving the subscription unsubscribes at once.
 */
export function channelEvents<T>(
  pubsub: PubSub,
  channel: string,
  opts: { maxQueued?: number; filter?: (event: T) => boolean } = {},
): Promise<AsyncGenerator<T, undefined, unknown>> {
  return channelsEvents(pubsub, [channel], opts);
}

/**
 * The messages of several channels as one stream (e.g. the activity of each person a listener
 * follows): resolves once Redis confirmed every channel; leaving unsubscribes from all at once.
 */
export async function channelsEvents<T>(
  pubsub: PubSub,
  channels: string[],
  opts: { maxQueued?: number; filter?: (event: T) => boolean } = {},
): Promise<AsyncGenerator<T, undefined, unknown>> {
  const unsubscribes: (() => Promise<void>)[] = [];
  let ended = false;
  const queue = createEventQueue<T>({
    maxQueued: opts.maxQueued ?? DEFAULT_MAX_QUEUED_EVENTS,
    onEnd: () => {
      ended = true;
      for (const unsubscribe of unsubscribes) void unsubscribe();
    },
  });
  const handler = (message: string) => {
    const event = JSON.parse(message) as T;
    if (!opts.filter || opts.filter(event)) queue.push(event);
  };
  try {
    await Promise.all(
      channels.map(async (channel) => {
        const unsubscribe = await pubsub.subscribe(channel, handler);
        unsubscribes.push(unsubscribe);
        if (ended) await unsubscribe();
      }),
    );
  } catch (err) {
    // One channel refused: none is kept.
    await Promise.all(unsubscribes.map((u) => u().catch(() => {})));
    throw err;
  }
  return queue;
}

/** Publishes one event for channelEvents subscribers, in every replica. */
export function publishEvent(pubsub: PubSub, channel: string, event: unknown): Promise<number> {
  return pubsub.publish(channel, JSON.stringify(event));
}

export interface SubgraphSubscriptionOptions<TContext extends RequestBase> {
  schema: GraphQLSchema;
  log: Logger;
  authenticator: Authenticator;
  createContext: (base: RequestBase) => TContext;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  keepAliveMs?: number;
}

/**
 * graphql-ws for a subgraph's schema. The token comes from connectionParams `authorization` and
 * is verified again here by the subgraph's own authenticator, as for HTTP; the request id and the
 * client's address come from the upgrade request's headers (the router sets them, as it does on
 * its HTTP fetches). Each event is executed with a context of its own (fresh loaders), built by
 * the same createContext as a query's.
 */
export function subgraphSubscriptions<TContext extends RequestBase>(
  opts: SubgraphSubscriptionOptions<TContext>,
  clientIpOf: (req: import("node:http").IncomingMessage) => string,
): GraphQLWsServer<RequestBase & { authorization?: string }> {
  return createGraphQLWsServer<RequestBase & { authorization?: string }>({
    log: opts.log,
    keepAliveMs: opts.keepAliveMs,
    async connect(params, request) {
      const authorization = typeof params.authorization === "string" ? params.authorization : undefined;
      const viewer = await opts.authenticator.authenticate(authorization);
      const requestId = requestIdOf(request);
      return { viewer, requestId, log: opts.log.child({ requestId }), clientIp: clientIpOf(request), authorization };
    },
    authorizationOf: (auth) => auth.authorization,
    prepare(auth, document, payload) {
      const errors = validate(opts.schema, document);
      if (errors.length > 0) return withCode(errors, "GRAPHQL_VALIDATION_FAILED");
      const { authorization: _token, ...base } = auth;
      return {
        schema: opts.schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue: base,
      };
    },
    async subscribe(args) {
      const base = args.contextValue as RequestBase;
      const stream = await createSourceEventStream({ ...args, contextValue: opts.createContext(base) });
      if (!(Symbol.asyncIterator in stream)) return stream as ExecutionResult;
      return mapEvents(
        stream as AsyncGenerator<unknown>,
        (event) => execute({ ...args, rootValue: event, contextValue: opts.createContext(base) }) as ExecutionResult,
      );
    },
    formatError: opts.formatError,
  });
}
