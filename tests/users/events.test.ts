// What users tells other subgraphs of an account (user.changed, written by a trigger in users'
// database with every change of what they keep) and of its follows (user.followed and
// user.unfollowed, written by the mutations), and their back-fills. Real Postgres, through the
// users subgraph's own API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events } from "../../subgraphs/users/src/events.ts";
import { signInAdmin } from "../support/admin.ts";
import { hashPassword } from "../../subgraphs/users/src/accounts/passwords.ts";
import { gql, register, type TestAccount } from "../support/graphql.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

async function changesOf(userId: string) {
  const rows = await stack.users.services.db.outboxEvent.findMany({
    where: { type: "user.changed" },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((r) => r.payload as Record<string, unknown>).filter((p) => p.userId === userId);
}

describe("user.changed", () => {
  it("is sent on sign-up and with each change of handle, display name, role or blocked state, versions growing", async () => {
    const url = stack.users.url;
    const user = await register(url);
    expect(await changesOf(user.id)).toEqual([
      {
        userId: user.id,
        handle: user.handle,
        displayName: expect.any(String),
        role: "USER",
        blocked: false,
        version: expect.any(Number),
      },
    ]);
    const update = (input: object) =>
      gql(
        url,
        `mutation ($i: UpdateProfileInput!) { updateProfile(input: $i) { userErrors { code } } }`,
        { i: input },
        { token: user.accessToken },
      );
    // A bio is nobody else's business: no event.
    expect((await update({ bio: "hello" })).errors).toBeUndefined();
    expect(await changesOf(user.id)).toHaveLength(1);
    await update({ displayName: "Renamed" });
    const admin = await signInAdmin(stack, url);
    const blocked = await gql(
      url,
      `mutation ($i: BlockUserInput!) { blockUser(input: $i) { userErrors { code } } }`,
      { i: { userId: user.id } },
      { token: admin.accessToken },
    );
    expect(blocked.errors).toBeUndefined();
    const changes = await changesOf(user.id);
    expect(changes.map((c) => [c.displayName, c.blocked])).toEqual([
      [expect.any(String), false],
      ["Renamed", false],
      ["Renamed", true],
    ]);
    const versions = changes.map((c) => c.version as number);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(3);
  });

  it("gives every account as current state for a back-fill, with ids stable between runs", async () => {
    const user = await register(stack.users.url);
    const read = async () => {
      const all = [];
      for await (const page of events.currentState!["user.changed"]!(stack.users.services.db)) all.push(...page);
      return all;
    };
    const [first, second] = [await read(), await read()];
    const mine = first.find((e) => e.payload.userId === user.id);
    expect(mine?.payload).toEqual({
      userId: user.id,
      handle: user.handle,
      displayName: expect.any(String),
      role: "USER",
      blocked: false,
      version: 0,
    });
    // The same account, the same id (other test files may sign up meanwhile: compare those in both).
    const idOf = new Map(second.map((e) => [e.payload.userId, e.id]));
    const both = first.filter((e) => idOf.has(e.payload.userId));
    expect(idOf.get(user.id)).toBe(mine!.id);
    for (const e of both) expect(idOf.get(e.payload.userId)).toBe(e.id);
  });
});

const FOLLOW = `mutation ($id: ID!) { followUser(input: { userId: $id }) { userErrors { code } } }`;
const UNFOLLOW = `mutation ($id: ID!) { unfollowUser(input: { userId: $id }) { userErrors { code } } }`;
const call = async (doc: string, who: TestAccount, whom: TestAccount) => {
  const res = await gql(stack.users.url, doc, { id: whom.id }, { token: who.accessToken });
  expect(res.errors).toBeUndefined();
  return (res.data.followUser ?? res.data.unfollowUser).userErrors.map((e: { code: string }) => e.code);
};

/** The outbox's follow events of `followerId`, oldest first: [type, payload]. */
async function followEventsOf(followerId: string) {
  const rows = await stack.users.services.db.outboxEvent.findMany({
    where: { type: { in: ["user.followed", "user.unfollowed"] } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows
    .map((r) => [r.type, r.payload as Record<string, string>] as const)
    .filter(([, p]) => p.followerId === followerId);
}

/** Every event the user.followed back-fill gives. */
async function followBackfill() {
  const all = [];
  for await (const page of events.currentState!["user.followed"]!(stack.users.services.db)) all.push(...page);
  return all;
}

describe("user.followed and user.unfollowed", () => {
  it("are written with the follow and the unfollow, once each, and nothing for a follow or unfollow that changes nothing", async () => {
    const [a, b] = [await register(stack.users.url), await register(stack.users.url)];
    expect(await call(FOLLOW, a, b)).toEqual([]);
    const [row] = await stack.users.services.db.follow.findMany({ where: { followerId: a.id } });
    expect(await followEventsOf(a.id)).toEqual([
      ["user.followed", { followerId: a.id, followeeId: b.id, followedAt: row!.createdAt.toISOString() }],
    ]);
    // Following again is ALREADY_FOLLOWING, and no news.
    expect(await call(FOLLOW, a, b)).toEqual(["ALREADY_FOLLOWING"]);
    expect(await followEventsOf(a.id)).toHaveLength(1);

    expect(await call(UNFOLLOW, a, b)).toEqual([]);
    const afterUnfollow = await followEventsOf(a.id);
    expect(afterUnfollow).toHaveLength(2);
    expect(afterUnfollow[1]).toEqual([
      "user.unfollowed",
      { followerId: a.id, followeeId: b.id, at: expect.any(String) },
    ]);
    const unfollowedAt = afterUnfollow[1]![1].at!;
    expect(new Date(unfollowedAt).toISOString()).toBe(unfollowedAt);
    // Newest by time wins: the unfollow is later than the follow it undoes ...
    expect(Date.parse(unfollowedAt)).toBeGreaterThan(row!.createdAt.getTime());
    // Unfollowing again is NOT_FOLLOWING, and no news.
    expect(await call(UNFOLLOW, a, b)).toEqual(["NOT_FOLLOWING"]);
    expect(await followEventsOf(a.id)).toHaveLength(2);

    // ... and a follow made again is later than the unfollow.
    expect(await call(FOLLOW, a, b)).toEqual([]);
    const all = await followEventsOf(a.id);
    expect(all.map(([type]) => type)).toEqual(["user.followed", "user.unfollowed", "user.followed"]);
    expect(Date.parse(all[2]![1].followedAt!)).toBeGreaterThan(Date.parse(unfollowedAt));
  });

  it("gives every follow as current state for a back-fill, in pages, with ids stable between runs", async () => {
    // 24 accounts following each other: 552 follows, more than one page of 500.
    const db = stack.users.services.db;
    const passwordHash = await hashPassword("unused password");
    const stamp = `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) {
      const handle = `${stamp}${i}`;
      const user = await db.user.create({
        data: {
          email: `${handle}@example.com`,
          credential: { create: { passwordHash } },
          profile: { create: { handle, handleKey: handle, displayName: `Follower ${i}` } },
        },
      });
      ids.push(user.id);
    }
    await db.follow.createMany({
      data: ids.flatMap((followerId) =>
        ids.filter((id) => id !== followerId).map((followeeId) => ({ followerId, followeeId })),
      ),
    });
    const rows = await db.follow.findMany({ where: { followerId: { in: ids } } });
    expect(rows).toHaveLength(552);

    const [first, second] = [await followBackfill(), await followBackfill()];
    const mine = first.filter((e) => ids.includes(e.payload.followerId));
    expect(mine).toHaveLength(552);
    expect(new Set(mine.map((e) => `${e.payload.followerId}:${e.payload.followeeId}`)).size).toBe(552);
    const row = rows[0]!;
    const one = mine.find((e) => e.payload.followerId === row.followerId && e.payload.followeeId === row.followeeId);
    expect(one).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      type: "user.followed",
      payload: { followerId: row.followerId, followeeId: row.followeeId, followedAt: row.createdAt.toISOString() },
      occurredAt: row.createdAt.toISOString(),
    });
    // The same follow, the same id (other test files may follow meanwhile: compare those in both).
    const key = (e: (typeof first)[number]) => `${e.payload.followerId}:${e.payload.followeeId}`;
    const idOf = new Map(second.map((e) => [key(e), e.id]));
    for (const e of first.filter((x) => idOf.has(key(x)))) expect(idOf.get(key(e))).toBe(e.id);
    expect(new Set(first.map((e) => e.id)).size).toBe(first.length);

    // An unfollowed pair is gone from it; followed again, it comes back under a new id.
    const [a, b] = [await register(stack.users.url), await register(stack.users.url)];
    await call(FOLLOW, a, b);
    const before = (await followBackfill()).find((e) => e.payload.followerId === a.id);
    expect(before?.payload.followeeId).toBe(b.id);
    await call(UNFOLLOW, a, b);
    expect((await followBackfill()).find((e) => e.payload.followerId === a.id)).toBeUndefined();
    await call(FOLLOW, a, b);
    const again = (await followBackfill()).find((e) => e.payload.followerId === a.id);
    expect(again?.payload.followeeId).toBe(b.id);
    expect(again?.id).not.toBe(before?.id);
  });
});
