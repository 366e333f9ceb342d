// The general per-client request limit, in Redis so it holds across router replicas (the kit's
// createLimiter: rate-limiter-flexible, counted per process while Redis is away). A signed-in
// caller is counted by user, anyone else by address.
import type { Redis } from "ioredis";
import { createLimiter, RateLimiterRes, tooManyRequests } from "@melodi/kit";

export function createClientLimit(redis: Redis, requestsPerMinute: number) {
  const limiter = createLimiter(redis, { keyPrefix: "rl:client", points: requestsPerMinute, duration: 60 });
  return async function consume(clientKey: string): Promise<void> {
    try {
      await limiter.consume(clientKey);
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        const seconds = Math.ceil(err.msBeforeNext / 1000);
        const error = tooManyRequests(`Too many requests. Try again in ${seconds} seconds.`, seconds);
        error.extensions.http = { status: 429, headers: new Map([["retry-after", String(seconds)]]) };
        throw error;
      }
      throw err;
    }
  };
}
