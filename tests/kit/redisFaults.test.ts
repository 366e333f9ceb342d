// Each Redis use on its own while Redis is stopped and while it is paused (SIGSTOP), on a
// redis-server of the test's own (README "When Redis is gone"): limits count in this process,
// the search cache is skipped and its missed bump written once Redis answers, an upload lock is
// refused with tus's 503, a job add fails; every call within a bound (loose: not a benchmark).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createJobs,
  createLimiter,
  createLogger,
  createPubSub,
  createRedis,
  RateLimiterRes,
  type Redis,
} from "@melodi/kit";
import { createSearchCache } from "../../subgraphs/catalog/src/search/cache.ts";
import { createUploadLocker, LOCKS_UNAVAILABLE } from "../../subgraphs/catalog/src/media/uploadLocks.ts";
import { startOwnRedis, type OwnRedis } from "../support/redisServer.ts";

const BOUND_MS = 1500;
const log = createLogger("test", { write: () => {} }, "silent");
let own: OwnRedis;
let redis: Redis;
beforeAll(async () => {
  own = await startOwnRedis();
  redis = createRedis(own.url, `test:${randomUUID().slice(0, 8)}:`);
  await redis.ping();
});
afterAll(async () => {
  redis?.disconnect();
  await own?.close();
});

/** The settled outcome of `work` and how long it took. */
async function timed<T>(work: () => Promise<T>) {
  const started = performance.now();
  const outcome = await work().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return { ...outcome, ms: performance.now() - started };
}

/** Redis well again and this connection using it (the breaker closed). */
async function healthy() {
  for (let i = 0; i < 100; i++) {
    if (
      redis.status === "ready" &&
      (await redis.ping().then(
        () => true,
        () => false,
      ))
    ) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("Redis did not come back");
}

for (const fault of ["stopped", "paused"] as const) {
  describe(`Redis ${fault}`, () => {
    const breakRedis = async () => {
      if (fault === "stopped") await own.stop();
      else own.pause();
    };
    const mendRedis = async () => {
      if (fault === "stopped") await own.start();
      else own.resume();
      await healthy();
    };
    beforeEach(async () => {
      await healthy();
    });

    it("a limit keeps counting in this process, and refuses past its points", async () => {
      const limiter = createLimiter(redis, { keyPrefix: `rl:${randomUUID()}`, points: 3, duration: 60 });
      await limiter.consume("client");
      expect(limiter.degraded).toBe(false);
      await breakRedis();
      try {
        for (let i = 0; i < 3; i++) {
          const call = await timed(() => limiter.consume("client"));
          expect(call.ok).toBe(true);
          expect(call.ms).toBeLessThan(BOUND_MS);
        }
        expect(limiter.degraded).toBe(true);
        const over = await timed(() => limiter.consume("client"));
        expect(over.ok ? null : over.error).toBeInstanceOf(RateLimiterRes);
      } finally {
        await mendRedis();
      }
      // Back on the shared count (Redis kept its one point if it was only paused).
      await limiter.consume("client");
      expect(limiter.degraded).toBe(false);
    });

    it("the search cache is skipped; a change made meanwhile is written before the cache is used again", async () => {
      const cache = createSearchCache(redis, 60, log);
      const first = await cache.lookup<string[]>(["q", fault]);
      await first.store(["old"]);
      expect((await cache.lookup<string[]>(["q", fault])).hit).toEqual(["old"]);
      const before = Number(await redis.get("catalog:search:version"));
      await breakRedis();
      try {
        const miss = await timed(() => cache.lookup<string[]>(["q", fault]));
        expect(miss.ok && miss.value.hit).toBeNull();
        expect(miss.ms).toBeLessThan(BOUND_MS);
        const change = await timed(() => cache.changed());
        expect(change.ok).toBe(true);
        expect(change.ms).toBeLessThan(BOUND_MS);
      } finally {
        await mendRedis();
      }
      // The entry from before the change is not served: the owed bump went first.
      expect((await cache.lookup<string[]>(["q", fault])).hit).toBeNull();
      if (fault === "paused") expect(Number(await redis.get("catalog:search:version"))).toBeGreaterThan(before);
    });

    it("an upload lock is refused with 503 (the client retries), within the bound", async () => {
      const pubsub = createPubSub(redis, { log });
      const locker = createUploadLocker(redis, pubsub, { log });
      try {
        await breakRedis();
        try {
          const call = await timed(() => locker.newLock(randomUUID()).lock(new AbortController().signal, () => {}));
          expect(call.ok ? null : call.error).toEqual(LOCKS_UNAVAILABLE);
          expect(call.ms).toBeLessThan(BOUND_MS);
        } finally {
          await mendRedis();
        }
        const lock = locker.newLock(randomUUID());
        await lock.lock(new AbortController().signal, () => {});
        await lock.unlock();
      } finally {
        await locker.close();
        await pubsub.close();
      }
    });

    it("adding a job fails within its bound, and works once Redis is back", async () => {
      const jobs = createJobs({ redisUrl: own.url, prefix: `test:${randomUUID().slice(0, 8)}:bull`, log });
      try {
        const queue = jobs.queue("faults");
        await queue.add("warm-up", {});
        await breakRedis();
        try {
          const call = await timed(() => queue.add("during", {}));
          expect(call.ok).toBe(false);
          expect(call.ms).toBeLessThan(2 * BOUND_MS);
        } finally {
          await mendRedis();
        }
        await queue.add("after", {});
      } finally {
        await jobs.close();
      }
    });
  });
}
