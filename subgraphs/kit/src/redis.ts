import { Redis } from "ioredis";

export { Redis };

/**
 * One Redis connection. `keyPrefix` isolates environments sharing a server (tests use a
 * prefix of their own so parallel runs never see each other's keys).
 */
export function createRedis(url: string, keyPrefix = process.env.REDIS_KEY_PREFIX ?? "melodi:"): Redis {
  // Auto-pipelining: commands issued in the same tick by concurrent requests (token revocation
  // check, rate limit) share one write to Redis.
  return new Redis(url, { keyPrefix, maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false, enableAutoPipelining: true });
}
