import { Redis } from "ioredis";

export { Redis };

/** The key prefix when none is given: REDIS_KEY_PREFIX, else "melodi:". */
export const DEFAULT_KEY_PREFIX = () => process.env.REDIS_KEY_PREFIX ?? "melodi:";

/** BullMQ's key prefix under a service's Redis key prefix: every queue of a deployment shares it. */
export const bullPrefix = (keyPrefix?: string) => `${keyPrefix ?? DEFAULT_KEY_PREFIX()}bull`;

/**
 * One Redis connection. `keyPrefix` isolates environments sharing a server (tests use a
 * prefix of their own so parallel runs never see each other's keys).
 */
export function createRedis(url: string, keyPrefix = DEFAULT_KEY_PREFIX()): Redis {
  // Auto-pipelining: commands issued in the same tick by concurrent requests (token revocation
  // check, rate limit) share one write to Redis.
  return new Redis(url, {
    keyPrefix,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
    enableAutoPipelining: true,
  });
}
