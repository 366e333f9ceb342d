// Revocation records in Redis: the recorded token version only ever goes up, whatever order
// concurrent revocations land in.
import { randomUUID } from "node:crypto";
import { afterAll, expect, inject, it } from "vitest";
import { createRedis, revocationKeys, revokeUserTokens } from "@melodi/kit";

const redis = createRedis(inject("redisUrl"), `test:${randomUUID().slice(0, 8)}:`);
afterAll(() => redis.disconnect());

it("keeps the highest token version and an expiry", async () => {
  const userId = randomUUID();
  await revokeUserTokens(redis, userId, 3);
  await revokeUserTokens(redis, userId, 2);
  expect(await redis.get(revocationKeys.tokenVersion(userId))).toBe("3");
  await Promise.all([revokeUserTokens(redis, userId, 5), revokeUserTokens(redis, userId, 4)]);
  expect(await redis.get(revocationKeys.tokenVersion(userId))).toBe("5");
  expect(await redis.ttl(revocationKeys.tokenVersion(userId))).toBeGreaterThan(15 * 60);
});
