// Redis connections and how a request waits for them (README "When Redis is gone",
// ARCHITECTURE.md §7). Every connection made here bounds every command (commandTimeout) and
// gives up on a connection attempt (connectTimeout), so a Redis that is gone or hung fails a
// call instead of hanging it. On top of that, calls on a request's path go through `redisCall`,
// which answers at once, without sending anything, while the connection is not ready or Redis
// recently failed to answer in time: a request never waits for a Redis known to be away, and a
// hung Redis costs one timeout per connection, not one per request, until a probe answers again.
import { Redis, type RedisOptions } from "ioredis";
import { withTimeout } from "./timeout.ts";

export { Redis };

/** The key prefix when none is given: REDIS_KEY_PREFIX, else "melodi:". */
export const DEFAULT_KEY_PREFIX = () => process.env.REDIS_KEY_PREFIX ?? "melodi:";

/** BullMQ's key prefix under a service's Redis key prefix: every queue of a deployment shares it. */
export const bullPrefix = (keyPrefix?: string) => `${keyPrefix ?? DEFAULT_KEY_PREFIX()}bull`;

/**
 * Bounds of every connection the kit makes. A command answers in well under a millisecond when
 * Redis is well, so 500 ms is an outage, not a slow moment; a request that meets it still answers
 * within a second (the router's and the subgraph's checks each fail fast once one has timed out).
 */
export const REDIS_TIMEOUTS = {
  /** Any one command, including the time it waits in the offline queue while reconnecting. */
  commandMs: 500,
  /** One connection attempt. */
  connectMs: 1000,
  /** A call on a request's path (redisCall): shorter, the request has other work to do. */
  requestMs: 300,
  /** How long after a timeout request-path calls skip Redis unless a probe answered first. */
  breakerMs: 5000,
  /** Between probes (PING) while the breaker is open. */
  probeMs: 250,
} as const;

/** Options for ioredis connections that requests use: bounded, few retries, reconnect quickly. */
export function boundedRedisOptions(extra: RedisOptions = {}): RedisOptions {
  return {
    commandTimeout: REDIS_TIMEOUTS.commandMs,
    connectTimeout: REDIS_TIMEOUTS.connectMs,
    // One resend after a reconnect; with the command timeout this never waits long.
    maxRetriesPerRequest: 1,
    // Commands sent while (re)connecting wait for the connection, bounded by commandTimeout:
    // start-up writes go through once Redis answers instead of failing at once.
    enableOfflineQueue: true,
    // Reconnect soon after Redis comes back: 100 ms, 200 ms … at most 1 s apart.
    retryStrategy: (times) => Math.min(times * 100, 1000),
    ...extra,
  };
}

/**
 * One Redis connection. `keyPrefix` isolates environments sharing a server (tests use a
 * prefix of their own so parallel runs never see each other's keys).
 */
export function createRedis(url: string, keyPrefix = DEFAULT_KEY_PREFIX()): Redis {
  // Auto-pipelining: commands issued in the same tick by concurrent requests (token revocation
  // check, rate limit) share one write to Redis.
  const redis = new Redis(url, boundedRedisOptions({ keyPrefix, lazyConnect: false, enableAutoPipelining: true }));
  // Failures are reported by the calls that meet them and by /health; without a listener
  // ioredis prints every reconnect failure to stderr.
  redis.on("error", () => {});
  return redis;
}

/** Resolves once the connection is ready, or rejects after `ms` (start-up work that needs Redis). */
export function redisReady(redis: Redis, ms: number): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return withTimeout(
    new Promise<void>((resolve) => redis.once("ready", () => resolve())),
    ms,
    `Redis did not answer within ${ms} ms`,
  );
}

/** Redis could not be used for this call (not connected, timed out, or recently timed out). */
export class RedisUnavailableError extends Error {
  override name = "RedisUnavailableError";
}

interface Breaker {
  openUntil: number;
  probing: boolean;
}
const breakers = new WeakMap<Redis, Breaker>();
const breakerOf = (redis: Redis): Breaker => {
  let b = breakers.get(redis);
  if (!b) {
    b = { openUntil: 0, probing: false };
    breakers.set(redis, b);
  }
  return b;
};

/** Connection states that mean Redis was lost (not a first connect still under way). */
const OUTAGE_STATUSES = new Set(["reconnecting", "close", "end"]);

/** Whether a request-path call would be sent to Redis now (connected, not recently timed out). */
export function redisUsable(redis: Redis): boolean {
  return redis.status === "ready" && breakerOf(redis).openUntil <= Date.now();
}

/** After a timeout: skip Redis until a PING answers in time (or breakerMs passes). */
function trip(redis: Redis): void {
  const breaker = breakerOf(redis);
  breaker.openUntil = Date.now() + REDIS_TIMEOUTS.breakerMs;
  if (breaker.probing) return;
  breaker.probing = true;
  const probe = () => {
    if (breaker.openUntil <= Date.now() || redis.status === "end") {
      breaker.probing = false;
      return;
    }
    withTimeout(redis.ping(), REDIS_TIMEOUTS.requestMs).then(
      () => {
        breaker.openUntil = 0;
        breaker.probing = false;
      },
      () => setTimeout(probe, REDIS_TIMEOUTS.probeMs).unref(),
    );
  };
  setTimeout(probe, REDIS_TIMEOUTS.probeMs).unref();
}

/**
 * A call to Redis on a request's path: rejects with RedisUnavailableError at once when Redis is
 * not usable, and after `timeoutMs` when it does not answer (the callers decide what that means:
 * fail closed for revocations, fail open for limits, skip for the cache).
 */
export async function redisCall<T>(
  redis: Redis,
  work: () => Promise<T>,
  timeoutMs: number = REDIS_TIMEOUTS.requestMs,
): Promise<T> {
  // A connection still making its first connect (a service just started) queues the command,
  // bounded by the timeout below; one that lost Redis (reconnecting, closed) is an outage now.
  if (OUTAGE_STATUSES.has(redis.status)) throw new RedisUnavailableError(`Redis is not connected (${redis.status})`);
  if (breakerOf(redis).openUntil > Date.now()) throw new RedisUnavailableError("Redis did not answer in time recently");
  try {
    return await withTimeout(work(), timeoutMs, `Redis did not answer within ${timeoutMs} ms`);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // A reply error (a script's error, a wrong type) says Redis answered: no outage.
    if (/did not answer|timed out|Connection is closed|Stream isn't writeable|ECONN|EPIPE|max retries/i.test(message)) {
      if (/did not answer|timed out/i.test(message)) trip(redis);
      throw new RedisUnavailableError(message);
    }
    throw err;
  }
}
