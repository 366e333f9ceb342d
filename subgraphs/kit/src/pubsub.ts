// Redis pub/sub for messages between replicas (upload locks today; GraphQL subscriptions fanned
// out across replicas next). Three things ioredis leaves to us:
//  - Channel names get no key prefix (keyPrefix applies to keys only): here every channel is
//    named under the connection's prefix, so environments sharing a server (tests, staging)
//    never hear each other.
//  - A connection that subscribes can do nothing else: one subscriber connection per PubSub,
//    made on first use, carries every channel of the process (create one PubSub per service).
//  - Redis gone or hung must never hang a request: every call here is bounded by a timeout.
// After a reconnect every channel with a handler is subscribed again, and a subscribe that
// failed while Redis was away is retried once it is back.
import type { Redis } from "ioredis";
import type { Logger } from "./logger.ts";
import { REDIS_TIMEOUTS } from "./redis.ts";
import { withTimeout } from "./timeout.ts";

export type MessageHandler = (message: string) => void | Promise<void>;

export interface PubSubOptions {
  /** Bound on every call to Redis (REDIS_TIMEOUTS.connectMs, 1 s). */
  timeoutMs?: number;
  log?: Logger;
}

export interface PubSub {
  /** Sends a message to every subscriber of the channel, in any process; resolves with how many got it. */
  publish(channel: string, message: string): Promise<number>;
  /**
   * Calls `handler` with each message on the channel until the returned function is called.
   * Resolves once Redis confirmed the subscription, so messages published after that arrive;
   * rejects (and keeps no handler) when Redis did not confirm it within the timeout.
   */
  subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>>;
  /** Handlers subscribed in this process on channels Redis confirmed (tests wait for them, and check they return to zero). */
  handlerCount(): number;
  close(): Promise<void>;
}

/** Pub/sub on `redis`'s server and under its key prefix; `redis` itself publishes. */
export function createPubSub(redis: Redis, opts: PubSubOptions = {}): PubSub {
  const timeoutMs = opts.timeoutMs ?? REDIS_TIMEOUTS.connectMs;
  const prefix = redis.options.keyPrefix ?? "";
  const bounded = <T>(work: Promise<T>, what: string) =>
    withTimeout(work, timeoutMs, `Redis did not ${what} within ${timeoutMs} ms`);
  /** Full channel name → its handlers, and the subscription Redis confirms (or not). */
  interface Channel {
    handlers: Set<MessageHandler>;
    confirmed: Promise<unknown>;
    /** Redis confirmed the subscription: messages published from now on arrive. */
    live: boolean;
  }
  const channels = new Map<string, Channel>();
  let subscriber: Redis | undefined;
  let closed = false;

  const deliver = (channel: string, message: string) => {
    for (const handler of channels.get(channel)?.handlers ?? []) {
      try {
        void Promise.resolve(handler(message)).catch((err: unknown) =>
          opts.log?.warn({ err, channel }, "pub/sub handler failed"),
        );
      } catch (err) {
        opts.log?.warn({ err, channel }, "pub/sub handler failed");
      }
    }
  };

  const connection = (): Redis => {
    if (subscriber) return subscriber;
    // Our own re-subscribing below (autoResubscribe would miss channels whose first subscribe
    // failed). No offline queue: a command while disconnected fails at once, it is retried on
    // "ready", and no caller waits for a Redis that is gone.
    const sub = redis.duplicate({ autoResubscribe: false, enableOfflineQueue: false, lazyConnect: false });
    sub.on("error", (err: unknown) => opts.log?.warn({ err }, "pub/sub: Redis error"));
    sub.on("message", deliver);
    sub.on("ready", () => {
      const wanted = [...channels.keys()];
      if (wanted.length === 0) return;
      sub
        .subscribe(...wanted)
        .catch((err: unknown) =>
          opts.log?.warn({ err }, "pub/sub: re-subscribing failed; tried again on the next reconnect"),
        );
    });
    subscriber = sub;
    return sub;
  };

  /** Once the connection is ready (bounded): a subscribe sent before would fail at once. */
  const ready = (sub: Redis): Promise<void> =>
    sub.status === "ready"
      ? Promise.resolve()
      : bounded(new Promise<void>((resolve) => sub.once("ready", () => resolve())), "answer");

  async function unsubscribe(channel: string, handler: MessageHandler): Promise<void> {
    const entry = channels.get(channel);
    if (!entry?.handlers.delete(handler) || entry.handlers.size > 0) return;
    channels.delete(channel);
    // Best effort: a channel left subscribed only costs messages nobody handles, and a
    // reconnect drops it.
    if (subscriber?.status === "ready") await bounded(subscriber.unsubscribe(channel), "unsubscribe").catch(() => {});
  }

  return {
    async publish(channel, message) {
      return bounded(redis.publish(`${prefix}${channel}`, message), "take a message");
    },
    async subscribe(channel, handler) {
      if (closed) throw new Error("pub/sub is closed");
      const full = `${prefix}${channel}`;
      const sub = connection();
      let entry = channels.get(full);
      if (!entry) {
        // The first handler of a channel subscribes; later ones wait for the same confirmation.
        const created: Channel = { handlers: new Set(), confirmed: Promise.resolve(), live: false };
        created.confirmed = ready(sub)
          .then(() => bounded(sub.subscribe(full), "confirm a subscription"))
          .then(() => {
            created.live = true;
          });
        entry = created;
        entry.confirmed.catch(() => {}); // awaited below
        channels.set(full, entry);
      }
      entry.handlers.add(handler);
      try {
        await entry.confirmed;
      } catch (err) {
        await unsubscribe(full, handler);
        throw err;
      }
      let done = false;
      return async () => {
        if (done) return;
        done = true;
        await unsubscribe(full, handler);
      };
    },
    handlerCount() {
      // Only channels Redis has confirmed: a message published before that would not arrive.
      let count = 0;
      for (const entry of channels.values()) if (entry.live) count += entry.handlers.size;
      return count;
    },
    async close() {
      closed = true;
      channels.clear();
      if (subscriber) await bounded(subscriber.quit(), "close").catch(() => subscriber?.disconnect());
    },
  };
}
