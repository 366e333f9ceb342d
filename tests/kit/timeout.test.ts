// withTimeout (subgraphs/kit/src/timeout.ts) and the Redis calls bounded by it: a process that was
// itself busy past the deadline is not taken for a silent Redis (the reply waiting in the socket
// wins), while a server that really says nothing still times out. Real Redis.
import { afterAll, describe, expect, inject, it } from "vitest";
import { createRedis, redisCall, withTimeout } from "@melodi/kit";

const redis = createRedis(inject("redisUrl"), `test:timeout:${process.pid}:`);
afterAll(() => redis.disconnect());

/** Holds the event loop, as a burst of synchronous work (planning 1,000 subscriptions) would. */
const busy = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {}
};

describe("withTimeout", () => {
  it("takes an answer that arrived while the process was busy past the deadline", async () => {
    await redis.ping();
    const call = redisCall(redis, () => redis.ping(), 100);
    // Long enough for Redis to have answered even on a loaded machine (300 ms was not, once,
    // with the whole suite running beside it): the reply must be waiting when the timer fires.
    busy(1000);
    await expect(call).resolves.toBe("PONG");
    // Nothing was taken for an outage: the next call goes through.
    await expect(redisCall(redis, () => redis.ping(), 100)).resolves.toBe("PONG");
  });

  it("still rejects work that does not settle", async () => {
    const started = Date.now();
    await expect(withTimeout(new Promise(() => {}), 50, "silent")).rejects.toThrow("silent");
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});
