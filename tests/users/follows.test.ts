// The social graph: follow/unfollow, followers/following connections, counts, viewer state,
// and the statement count of a 100-follower page.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.ts";
import { codes, gql, register, type TestAccount } from "../support/graphql.ts";
import { hashPassword } from "../../subgraphs/users/src/accounts/passwords.ts";

let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = await startStack();
  url = stack.users.url;
});
afterAll(() => stack.stop());

const FOLLOW = `mutation($id: ID!) { followUser(input: { userId: $id }) { user { id followerCount viewerIsFollowing } userErrors { code field } } }`;
const UNFOLLOW = `mutation($id: ID!) { unfollowUser(input: { userId: $id }) { user { id viewerIsFollowing } userErrors { code field } } }`;
const FOLLOWERS = `query($id: ID!, $first: Int, $after: String) {
  user(id: $id) {
    followerCount followingCount
    followers(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor followedAt node { id profile { handle displayName avatarUrl } followerCount followingCount viewerIsFollowing } }
    }
  }
}`;

/** Makes `n` accounts that follow `target`, straight in the database (fast), newest last. */
async function addFollowers(target: string, n: number): Promise<string[]> {
  const db = stack.users.services.db;
  const passwordHash = await hashPassword("unused password");
  const ids: string[] = [];
  const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  for (let i = 0; i < n; i++) {
    const handle = `f${stamp}${i}`;
    const user = await db.user.create({
      data: {
        email: `${handle}@example.com`,
        credential: { create: { passwordHash } },
        profile: { create: { handle, handleKey: handle, displayName: `Follower ${i}` } },
      },
    });
    await db.follow.create({ data: { followerId: user.id, followeeId: target, createdAt: new Date(Date.now() + i) } });
    ids.push(user.id);
  }
  return ids;
}

describe("follow and unfollow", () => {
  let a: TestAccount;
  let b: TestAccount;
  beforeAll(async () => {
    a = await register(url);
    b = await register(url);
  });

  it("follows, shows it in counts and viewer state, then unfollows", async () => {
    const res = await gql(url, FOLLOW, { id: b.id }, { token: a.accessToken });
    expect(res.data.followUser).toEqual({
      user: { id: b.id, followerCount: 1, viewerIsFollowing: true },
      userErrors: [],
    });
    const list = await gql(url, FOLLOWERS, { id: b.id }, { token: a.accessToken });
    expect(list.data.user.followers.edges.map((e: any) => e.node.id)).toEqual([a.id]);
    const following = await gql(
      url,
      `query($id: ID!) { user(id: $id) { following { totalCount edges { node { id } } } } }`,
      { id: a.id },
    );
    expect(following.data.user.following).toEqual({ totalCount: 1, edges: [{ node: { id: b.id } }] });

    const un = await gql(url, UNFOLLOW, { id: b.id }, { token: a.accessToken });
    expect(un.data.unfollowUser).toEqual({ user: { id: b.id, viewerIsFollowing: false }, userErrors: [] });
    expect((await gql(url, FOLLOWERS, { id: b.id })).data.user.followerCount).toBe(0);
  });

  it("following yourself, twice, or nobody are typed user errors", async () => {
    expect((await gql(url, FOLLOW, { id: a.id }, { token: a.accessToken })).data.followUser.userErrors).toEqual([
      { code: "CANNOT_FOLLOW_SELF", field: ["input", "userId"] },
    ]);
    await gql(url, FOLLOW, { id: b.id }, { token: a.accessToken });
    expect((await gql(url, FOLLOW, { id: b.id }, { token: a.accessToken })).data.followUser.userErrors).toEqual([
      { code: "ALREADY_FOLLOWING", field: ["input", "userId"] },
    ]);
    expect(
      (await gql(url, FOLLOW, { id: "00000000-0000-4000-8000-000000000000" }, { token: a.accessToken })).data.followUser
        .userErrors,
    ).toEqual([{ code: "USER_NOT_FOUND", field: ["input", "userId"] }]);
    expect((await gql(url, FOLLOW, { id: "garbage" }, { token: a.accessToken })).data.followUser.userErrors).toEqual([
      { code: "USER_NOT_FOUND", field: ["input", "userId"] },
    ]);
    expect(await stack.users.services.db.follow.count({ where: { followerId: a.id } })).toBe(1);
  });

  it("unfollowing someone you do not follow is a typed user error", async () => {
    const c = await register(url);
    expect((await gql(url, UNFOLLOW, { id: c.id }, { token: a.accessToken })).data.unfollowUser.userErrors).toEqual([
      { code: "NOT_FOLLOWING", field: ["input", "userId"] },
    ]);
  });

  it("needs a signed-in caller", async () => {
    expect(codes(await gql(url, FOLLOW, { id: b.id }))).toEqual(["UNAUTHENTICATED"]);
    expect(codes(await gql(url, UNFOLLOW, { id: b.id }))).toEqual(["UNAUTHENTICATED"]);
  });
});

describe("followers connection", () => {
  it("pages newest first with stable cursors", async () => {
    const target = await register(url);
    const ids = await addFollowers(target.id, 5);
    const page1 = await gql(url, FOLLOWERS, { id: target.id, first: 2 });
    expect(page1.data.user.followers.totalCount).toBe(5);
    expect(page1.data.user.followers.pageInfo.hasNextPage).toBe(true);
    const page2 = await gql(url, FOLLOWERS, {
      id: target.id,
      first: 3,
      after: page1.data.user.followers.pageInfo.endCursor,
    });
    expect(page2.data.user.followers.pageInfo.hasNextPage).toBe(false);
    const seen = [...page1.data.user.followers.edges, ...page2.data.user.followers.edges].map((e: any) => e.node.id);
    expect(seen).toEqual([...ids].reverse());
  });

  it("rejects a page over 100, a negative page and a forged cursor with BAD_USER_INPUT", async () => {
    const target = await register(url);
    const forged = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString("base64url");
    for (const vars of [
      { first: 101 },
      { first: -1 },
      { after: "bm90IGEgY3Vyc29y" },
      { after: forged([0, "not-a-uuid"]) },
      { after: forged([1e20, target.id]) },
    ]) {
      const res = await gql(url, FOLLOWERS, { id: target.id, ...vars });
      expect(codes(res)).toEqual(["BAD_USER_INPUT"]);
    }
  });

  it("costs the same number of SQL statements for 10 and for 100 followers with profiles, counts and viewer state", async () => {
    const viewer = await register(url);
    const small = await register(url);
    const large = await register(url);
    await addFollowers(small.id, 10);
    await addFollowers(large.id, 100);

    let count = stack.countSql();
    const smallRes = await gql(url, FOLLOWERS, { id: small.id, first: 100 }, { token: viewer.accessToken });
    const smallStatements = count();
    count = stack.countSql();
    const largeRes = await gql(url, FOLLOWERS, { id: large.id, first: 100 }, { token: viewer.accessToken });
    const largeStatements = count();

    expect(smallRes.data.user.followers.edges).toHaveLength(10);
    expect(largeRes.data.user.followers.edges).toHaveLength(100);
    expect(largeRes.data.user.followers.edges[0].node.profile.displayName).toBe("Follower 99");
    console.log(`followers page statements: ${smallStatements} (10) vs ${largeStatements} (100)`);
    expect(largeStatements).toBe(smallStatements);
    // user, follow page, follower/following counts, profiles, viewer state: a handful, not 100s.
    expect(largeStatements).toBeLessThanOrEqual(10);
  });
});
