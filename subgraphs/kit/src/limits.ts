// Rate limits shared by every replica, in Redis (rate-limiter-flexible: atomic counters, well
// kept), failing open onto a per-process count while Redis is gone or hung (README "When Redis
// is gone"): a limit is a defence against floods, and refusing every client because the counter
// store is away would be the outage the limit exists to prevent. Meanwhile each replica counts
// on its own (the limit holds per replica, so N replicas allow up to N times as many); the
// shared counts start again from Redis once it answers. Redis is asked through redisCall, so a
// call never waits for a Redis known to be away.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Redis } from "ioredis";
import { redisCall, RedisUnavailableError } from "./redis.ts";

export { RateLimiterRes };

export interface LimiterOptions {
  /** Names the counters (under the connection's key prefix). */
  keyPrefix: string;
  points: number;
  /** Seconds a count lasts. */
  duration: number;
}

/** One limit: the subset of rate-limiter-flexible's API the services use. */
export interface Limiter {
  /** Counts one; rejects with RateLimiterRes when the limit is reached. */
  consume(key: string, points?: number): Promise<RateLimiterRes>;
  get(key: string): Promise<RateLimiterRes | null>;
  penalty(key: string, points?: number): Promise<RateLimiterRes>;
  delete(key: string): Promise<boolean>;
  /** Whether the last call was counted in this process only (Redis away). */
  readonly degraded: boolean;
}

export function createLimiter(redis: Redis, opts: LimiterOptions): Limiter {
  const shared = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: opts.keyPrefix,
    points: opts.points,
    duration: opts.duration,
    // Fail at once while disconnected rather than queue the command.
    rejectIfRedisNotReady: true,
  });
  // The fallback. rate-limiter-flexible's own insuranceLimiter option does the same on an error
  // but cannot skip a Redis that is hung (each call would wait for its own timeout); redisCall can.
  const local = new RateLimiterMemory({ keyPrefix: opts.keyPrefix, points: opts.points, duration: opts.duration });
  let degraded = false;

  async function run<T>(op: (limiter: RateLimiterAbstract) => Promise<T>): Promise<T> {
    try {
      const result = await redisCall(redis, () => op(shared));
      degraded = false;
      return result;
    } catch (err) {
      // A refusal is an answer; anything else (the store is away) falls back to this process.
      if (err instanceof RateLimiterRes) throw err;
      if (!(err instanceof RedisUnavailableError) && !/redis/i.test(String(err))) throw err;
      degraded = true;
      return op(local);
    }
  }

  return {
    consume: (key, points = 1) => run((l) => l.consume(key, points)),
    get: (key) => run((l) => l.get(key)),
    penalty: (key, points = 1) => run((l) => l.penalty(key, points)),
    delete: (key) => run((l) => l.delete(key)),
    get degraded() {
      return degraded;
    },
  };
}
