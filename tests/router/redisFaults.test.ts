// Redis gone and Redis hung (README "When Redis is gone"), on a redis-server of the test's own:
// public reads are still answered, a signed-in request is answered or refused with
// SERVICE_UNAVAILABLE, each within a bound (loose: it is a bound, not a benchmark), and never with
// a 500; sign-in still works (its limits count per process); /health/services says what is
// degraded. When Redis comes back empty, signed-in requests are refused until users has filled
// the revocation cache again, then served.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.ts";
import { codes, gql, login, register, type TestAccount } from "../support/graphql.ts";
import { startOwnRedis, type OwnRedis } from "../support/redisServer.ts";

const ME = `{ me { id } }`;
const PUBLIC = `query($id: ID!) { user(id: $id) { profile { handle } } genres { slug } }`;
const SEARCH = `{ search(query: "nothing like this", first: 5) { edges { node { __typename } } } }`;
const BOUND_MS = 1500;

let redis: OwnRedis;
let stack: Stack;
let url: string;
let health: string;
let account: TestAccount;

beforeAll(async () => {
  redis = await startOwnRedis();
  stack = await startStack({ router: true, redisUrl: redis.url });
  url = stack.router!.url;
  health = url.replace("/graphql", "/health/services");
  account = await register(url);
});
afterAll(async () => {
  await stack?.stop();
  await redis?.close();
});

/** The answer and how long it took. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

/** Every request kind while Redis is away: the same bounds whether it is gone or hung. */
async function expectServedWithoutRedis() {
  const read = await timed(() => gql(url, PUBLIC, { id: account.id }));
  expect(read.value.errors).toBeUndefined();
  expect(read.value.data.user.profile.handle).toBe(account.handle);
  expect(read.ms).toBeLessThan(BOUND_MS);

  const search = await timed(() => gql(url, SEARCH));
  expect(search.value.errors).toBeUndefined();
  expect(search.value.data.search.edges).toEqual([]);
  expect(search.ms).toBeLessThan(BOUND_MS);

  const me = await timed(() => gql(url, ME, {}, { token: account.accessToken }));
  expect(codes(me.value)).toEqual(["SERVICE_UNAVAILABLE"]);
  expect(me.value.status).toBe(503);
  expect(me.value.headers.get("retry-after")).toBe("1");
  expect(me.ms).toBeLessThan(BOUND_MS);

  // Sign-in is anonymous: its limits fall back to this process's counts.
  const signIn = await timed(() => login(url, account.email, account.password));
  expect(signIn.value.errors).toBeUndefined();
  expect(signIn.value.data.login.session.accessToken).toEqual(expect.any(String));
  expect(signIn.ms).toBeLessThan(BOUND_MS);

  const report = await fetch(health);
  expect(report.status).toBe(200);
  const body = (await report.json()) as { status: string; degraded: string[] };
  expect(body.status).toBe("degraded");
  expect(body.degraded).toEqual(expect.arrayContaining(["router.redis", "users.redis", "catalog.redis"]));
}

/** Polls `check` until it holds, for at most `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 8000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("with Redis gone or hung", () => {
  it("serves everything while Redis is well, and health says ok", async () => {
    expect((await gql(url, ME, {}, { token: account.accessToken })).data.me.id).toBe(account.id);
    const report = await fetch(health);
    expect(report.status).toBe(200);
    expect(await report.json()).toMatchObject({ status: "ok", degraded: [] });
  });

  it("Redis stopped: public reads and sign-in answered, signed-in requests refused as unavailable, all in bounds", async () => {
    await redis.stop();
    await expectServedWithoutRedis();
    // Again, now that every connection knows Redis is gone.
    await expectServedWithoutRedis();
  });

  it("Redis back, empty: signed-in requests refused until users refilled the revocation cache, then served", async () => {
    await redis.start();
    const first = await gql(url, ME, {}, { token: account.accessToken });
    // Either users has refilled already, or the request is refused as unavailable: never a 500.
    expect(first.errors === undefined || codes(first)[0] === "SERVICE_UNAVAILABLE").toBe(true);
    await eventually(async () => (await gql(url, ME, {}, { token: account.accessToken })).data?.me?.id === account.id);
    await eventually(async () => ((await (await fetch(health)).json()) as { status: string }).status === "ok");
  });

  it("Redis hung (SIGSTOP): the same bounds; served again once it answers", async () => {
    redis.pause();
    try {
      await expectServedWithoutRedis();
      await expectServedWithoutRedis();
    } finally {
      redis.resume();
    }
    await eventually(async () => (await gql(url, ME, {}, { token: account.accessToken })).data?.me?.id === account.id);
  });
});
