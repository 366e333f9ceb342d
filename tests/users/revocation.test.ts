// Revocation records in Redis: the recorded token version only ever goes up, whatever order
// concurrent revocations land in.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRedis, type Redis, revocationKeys, revokeUserTokens } from "@melodi/kit";
import { startStack, type Stack } from "../support/stack.ts";
import { startOwnRedis, type OwnRedis } from "../support/redisServer.ts";
import { codes, gql, login, register } from "../support/graphql.ts";
import { signInAdmin } from "../support/admin.ts";

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

// Redis losing its data (FLUSHDB on a Redis of the test's own, as after a restart without a
// snapshot): the users database is the record of what is revoked, Redis only its cache, so a
// revoked token stays refused at the router and straight at the catalog subgraph. Until users
// has filled the cache again, a signed-in request is refused as unavailable; then the revoked
// token is refused as revoked and a fresh sign-in works.
describe("after Redis loses its data", () => {
  let own: OwnRedis;
  let stack: Stack;
  let url: string;
  let catalog: string;
  let flusher: Redis;
  beforeAll(async () => {
    own = await startOwnRedis();
    stack = await startStack({ router: true, redisUrl: own.url });
    url = stack.router!.url;
    catalog = stack.catalog!.url;
    flusher = createRedis(own.url, "");
  });
  afterAll(async () => {
    flusher?.disconnect();
    await stack?.stop();
    await own?.close();
  });

  const ME = `{ me { id } }`;
  /** What the router and the catalog (directly, as a caller inside the network would) say to a token. */
  const answers = async (token: string) => ({
    router: codes(await gql(url, ME, {}, { token })),
    catalog: codes(await gql(catalog, `{ __typename }`, {}, { token })),
  });
  const refused = ["UNAUTHENTICATED", "SERVICE_UNAVAILABLE"];

  /** Flushes, checks the token is refused at each step until the cache is back, then refused as revoked. */
  async function expectStillRefusedAfterFlush(token: string) {
    await flusher.flushdb();
    const until = Date.now() + 8000;
    for (;;) {
      const now = await answers(token);
      expect(refused).toContain(now.router[0]);
      expect(refused).toContain(now.catalog[0]);
      if (now.router[0] === "UNAUTHENTICATED" && now.catalog[0] === "UNAUTHENTICATED") break;
      if (Date.now() > until) throw new Error(`cache not refilled in time: ${JSON.stringify(now)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await flusher.exists(`${stack.redisKeyPrefix}${revocationKeys.ready}`)).toBe(1);
  }

  it("a blocked user's token stays refused; a fresh sign-in works once the cache is back", async () => {
    const admin = await signInAdmin(stack, url);
    const blocked = await register(url);
    const block = `mutation($id: ID!) { blockUser(input: { userId: $id }) { userErrors { code } } }`;
    expect((await gql(url, block, { id: blocked.id }, { token: admin.accessToken })).data.blockUser.userErrors).toEqual(
      [],
    );
    expect(await answers(blocked.accessToken)).toEqual({ router: ["UNAUTHENTICATED"], catalog: ["UNAUTHENTICATED"] });

    await expectStillRefusedAfterFlush(blocked.accessToken);

    const other = await register(url);
    const fresh = (await login(url, other.email, other.password)).data.login.session.accessToken as string;
    expect((await gql(url, ME, {}, { token: fresh })).data.me.id).toBe(other.id);
    expect((await gql(catalog, `{ __typename }`, {}, { token: fresh })).errors).toBeUndefined();
  });

  it("a signed-out session's token stays refused; the user's other session keeps working", async () => {
    const account = await register(url);
    const second = (await login(url, account.email, account.password)).data.login.session.accessToken as string;
    const logout = `mutation { logout { signedOutSessionCount } }`;
    expect((await gql(url, logout, {}, { token: account.accessToken })).data.logout.signedOutSessionCount).toBe(1);

    await expectStillRefusedAfterFlush(account.accessToken);
    expect((await gql(url, ME, {}, { token: second })).data.me.id).toBe(account.id);
  });

  it("a deleted user's token stays refused (the record outlives the account's rows)", async () => {
    const admin = await signInAdmin(stack, url);
    const account = await register(url);
    const remove = `mutation($id: ID!) { deleteUser(input: { userId: $id }) { deletedUserId } }`;
    expect(
      (await gql(url, remove, { id: account.id }, { token: admin.accessToken })).data.deleteUser.deletedUserId,
    ).toBe(account.id);
    await expectStillRefusedAfterFlush(account.accessToken);
  });
});
