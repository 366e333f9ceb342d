// Pub/sub between replicas (kit/src/pubsub.ts) on the real Redis: connections of one prefix hear
// each other, other prefixes hear nothing, a dropped connection subscribes again, and a Redis
// that is gone or hung fails calls within their timeout instead of hanging them.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createPubSub, createRedis, type PubSub, type Redis } from "@melodi/kit";
import { startRedisProxy, type RedisProxy } from "../support/redisProxy.ts";

const redisUrl = inject("redisUrl");
const opened: { redis: Redis; pubsub: PubSub }[] = [];
const proxies: RedisProxy[] = [];
afterAll(async () => {
  await Promise.all(opened.map(({ pubsub }) => pubsub.close()));
  for (const { redis } of opened) redis.disconnect();
  await Promise.all(proxies.map((p) => p.close()));
});

/** A replica's pub/sub: its own connections, under `prefix`. */
function replica(prefix: string, url = redisUrl, timeoutMs?: number) {
  const redis = createRedis(url, prefix);
  redis.on("error", () => {});
  const pubsub = createPubSub(redis, { timeoutMs });
  opened.push({ redis, pubsub });
  return pubsub;
}

/** Collects what a channel receives. */
async function listen(pubsub: PubSub, channel: string) {
  const got: string[] = [];
  const unsubscribe = await pubsub.subscribe(channel, (m) => void got.push(m));
  return { got, unsubscribe };
}

async function until(done: () => boolean, timeoutMs = 3000) {
  const started = Date.now();
  while (!done() && Date.now() - started < timeoutMs) await new Promise((resolve) => setTimeout(resolve, 20));
  return done();
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe("pub/sub", () => {
  it("delivers a message to every subscriber of its prefix, on other connections, and to no other prefix", async () => {
    const prefix = `test:pubsub:${randomUUID()}:`;
    const a = replica(prefix);
    const b = replica(prefix);
    const stranger = replica(`test:pubsub:${randomUUID()}:`);
    const atA = await listen(a, "news");
    const atB = await listen(b, "news");
    const atStranger = await listen(stranger, "news");
    expect(await a.publish("news", "hello")).toBe(2);
    expect(await until(() => atA.got.length === 1 && atB.got.length === 1)).toBe(true);
    await settle();
    expect(atA.got).toEqual(["hello"]);
    expect(atB.got).toEqual(["hello"]);
    expect(atStranger.got).toEqual([]);
  });

  it("stops calling a handler once unsubscribed, and keeps the channel's other handlers", async () => {
    const prefix = `test:pubsub:${randomUUID()}:`;
    const a = replica(prefix);
    const one = await listen(a, "c");
    const two = await listen(a, "c");
    await one.unsubscribe();
    await replica(prefix).publish("c", "after");
    expect(await until(() => two.got.length === 1)).toBe(true);
    await settle();
    expect(one.got).toEqual([]);
    await two.unsubscribe();
    expect(await replica(prefix).publish("c", "nobody")).toBe(0);
  });

  it("subscribes again after its connection drops", async () => {
    const proxy = await startRedisProxy(redisUrl);
    proxies.push(proxy);
    const prefix = `test:pubsub:${randomUUID()}:`;
    const behind = replica(prefix, proxy.url);
    const at = await listen(behind, "c");
    proxy.cut();
    const publisher = replica(prefix);
    // Published until the re-subscribed connection hears one (the reconnect takes a moment).
    const heard = () => {
      void publisher.publish("c", "again");
      return at.got.length > 0;
    };
    expect(await until(heard, 5000)).toBe(true);
  });

  it("fails, within its timeout, when Redis is gone or hangs", async () => {
    const gone = replica(`test:pubsub:${randomUUID()}:`, "redis://127.0.0.1:1", 300);
    for (const call of [gone.publish("c", "x"), gone.subscribe("c", () => {})]) {
      const started = Date.now();
      await expect(call).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1500);
    }
    const proxy = await startRedisProxy(redisUrl);
    proxies.push(proxy);
    proxy.hang(true);
    const hung = replica(`test:pubsub:${randomUUID()}:`, proxy.url, 300);
    const started = Date.now();
    await expect(hung.publish("c", "x")).rejects.toThrow(/within 300 ms/);
    await expect(hung.subscribe("c", () => {})).rejects.toThrow(/within 300 ms/);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
