// Admin account management: every field refuses non-admins, and every mutation handles bad input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.ts";
import { codes, gql, login, register, type TestAccount } from "../support/graphql.ts";
import { signInAdmin } from "../support/admin.ts";
import { ensureAdmin, SeedError } from "../../subgraphs/users/src/seed.ts";

let stack: Stack;
let url: string;
let admin: { id: string; accessToken: string };
let listener: TestAccount;
beforeAll(async () => {
  stack = await startStack();
  url = stack.users.url;
  admin = await signInAdmin(stack, url);
  listener = await register(url);
});
afterAll(() => stack.stop());

const USERS = `query($first: Int, $after: String, $filter: UsersFilter) { users(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { node { id email role isBlocked profile { handle } } } } }`;
const BLOCK = `mutation($id: ID!) { blockUser(input: { userId: $id }) { user { id isBlocked } userErrors { code field } } }`;
const UNBLOCK = `mutation($id: ID!) { unblockUser(input: { userId: $id }) { user { id isBlocked } userErrors { code field } } }`;
const ROLE = `mutation($id: ID!, $role: Role!) { changeUserRole(input: { userId: $id, role: $role }) { user { id role } userErrors { code field } } }`;
const DELETE = `mutation($id: ID!) { deleteUser(input: { userId: $id }) { deletedUserId userErrors { code field } } }`;

describe("non-admins", () => {
  const calls: [string, string, Record<string, unknown>][] = [
    ["users", USERS, {}],
    ["blockUser", BLOCK, { id: "00000000-0000-4000-8000-000000000000" }],
    ["unblockUser", UNBLOCK, { id: "00000000-0000-4000-8000-000000000000" }],
    ["changeUserRole", ROLE, { id: "00000000-0000-4000-8000-000000000000", role: "ADMIN" }],
    ["deleteUser", DELETE, { id: "00000000-0000-4000-8000-000000000000" }],
  ];

  it.each(calls)(
    "%s: a USER gets FORBIDDEN, an ARTIST gets FORBIDDEN, anonymous gets UNAUTHENTICATED",
    async (_name, query, vars) => {
      const artist = await register(url);
      await gql(url, ROLE, { id: artist.id, role: "ARTIST" }, { token: admin.accessToken });
      const artistToken = (await login(url, artist.email, artist.password)).data.login.session.accessToken;
      expect(codes(await gql(url, query, vars, { token: listener.accessToken }))).toEqual(["FORBIDDEN"]);
      expect(codes(await gql(url, query, vars, { token: artistToken }))).toEqual(["FORBIDDEN"]);
      expect(codes(await gql(url, query, vars))).toEqual(["UNAUTHENTICATED"]);
    },
  );
});

describe("users (admin list)", () => {
  it("lists and filters accounts, with paging", async () => {
    const someone = await register(url, { displayName: "Filterable Person" });
    const byQuery = await gql(url, USERS, { filter: { query: someone.handle } }, { token: admin.accessToken });
    expect(byQuery.data.users.edges.map((e: any) => e.node.id)).toEqual([someone.id]);
    const byName = await gql(url, USERS, { filter: { query: "filterable pers" } }, { token: admin.accessToken });
    expect(byName.data.users.edges.map((e: any) => e.node.id)).toContain(someone.id);
    const admins = await gql(url, USERS, { filter: { role: "ADMIN" } }, { token: admin.accessToken });
    expect(admins.data.users.edges.every((e: any) => e.node.role === "ADMIN")).toBe(true);

    const page1 = await gql(url, USERS, { first: 2 }, { token: admin.accessToken });
    const page2 = await gql(
      url,
      USERS,
      { first: 2, after: page1.data.users.pageInfo.endCursor },
      { token: admin.accessToken },
    );
    const ids1 = page1.data.users.edges.map((e: any) => e.node.id);
    const ids2 = page2.data.users.edges.map((e: any) => e.node.id);
    expect(ids1).toHaveLength(2);
    expect(ids2.some((id: string) => ids1.includes(id))).toBe(false);
  });

  it("refuses a forged cursor as BAD_USER_INPUT", async () => {
    const forged = Buffer.from(JSON.stringify([0, "not-a-uuid"])).toString("base64url");
    expect(codes(await gql(url, USERS, { after: forged }, { token: admin.accessToken }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("handles SQL metacharacters and over-long queries as plain text", async () => {
    const res = await gql(
      url,
      USERS,
      { filter: { query: `%'; DROP TABLE users."User"; --${"x".repeat(1000)}` } },
      { token: admin.accessToken },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.users.totalCount).toBe(0);
  });
});

describe("admin mutations", () => {
  it("blocks and unblocks", async () => {
    const target = await register(url);
    expect((await gql(url, BLOCK, { id: target.id }, { token: admin.accessToken })).data.blockUser).toEqual({
      user: { id: target.id, isBlocked: true },
      userErrors: [],
    });
    const blocked = await gql(
      url,
      USERS,
      { filter: { isBlocked: true, query: target.handle } },
      { token: admin.accessToken },
    );
    expect(blocked.data.users.edges.map((e: any) => e.node.id)).toEqual([target.id]);
    expect((await gql(url, UNBLOCK, { id: target.id }, { token: admin.accessToken })).data.unblockUser).toEqual({
      user: { id: target.id, isBlocked: false },
      userErrors: [],
    });
  });

  it("changes a role; the user's old token stops working and a new sign-in carries the role", async () => {
    const target = await register(url);
    expect(
      (await gql(url, ROLE, { id: target.id, role: "ARTIST" }, { token: admin.accessToken })).data.changeUserRole,
    ).toEqual({ user: { id: target.id, role: "ARTIST" }, userErrors: [] });
    expect(codes(await gql(url, `{ me { id } }`, {}, { token: target.accessToken }))).toEqual(["UNAUTHENTICATED"]);
    const fresh = (await login(url, target.email, target.password)).data.login.session.accessToken;
    expect((await gql(url, `{ me { role } }`, {}, { token: fresh })).data.me.role).toBe("ARTIST");
  });

  it("deletes an account with its profile, follows and sessions", async () => {
    const target = await register(url);
    const fan = await register(url);
    await gql(
      url,
      `mutation($id: ID!) { followUser(input: { userId: $id }) { userErrors { code } } }`,
      { id: target.id },
      { token: fan.accessToken },
    );
    expect((await gql(url, DELETE, { id: target.id }, { token: admin.accessToken })).data.deleteUser).toEqual({
      deletedUserId: target.id,
      userErrors: [],
    });
    const db = stack.users.services.db;
    expect(await db.profile.count({ where: { userId: target.id } })).toBe(0);
    expect(await db.follow.count({ where: { followeeId: target.id } })).toBe(0);
    expect(await db.session.count({ where: { userId: target.id } })).toBe(0);
    expect(await db.credential.count({ where: { userId: target.id } })).toBe(0);
    expect(
      (await gql(url, `query($id: ID!) { user(id: $id) { followingCount } }`, { id: fan.id })).data.user.followingCount,
    ).toBe(0);
  });

  it.each([
    ["block", BLOCK, {}],
    ["unblock", UNBLOCK, {}],
    ["role change", ROLE, { role: "USER" }],
    ["delete", DELETE, {}],
  ])(
    "%s: unknown or malformed ids and the admin's own account are typed user errors",
    async (_what, mutation, extra) => {
      const field = ["input", "userId"];
      const pick = (res: any) => Object.values(res.data)[0] as any;
      expect(
        pick(
          await gql(
            url,
            mutation,
            { id: "00000000-0000-4000-8000-000000000000", ...extra },
            { token: admin.accessToken },
          ),
        ).userErrors,
      ).toEqual([{ code: "USER_NOT_FOUND", field }]);
      expect(
        pick(await gql(url, mutation, { id: "not-an-id", ...extra }, { token: admin.accessToken })).userErrors,
      ).toEqual([{ code: "USER_NOT_FOUND", field }]);
      expect(
        pick(await gql(url, mutation, { id: admin.id, ...extra }, { token: admin.accessToken })).userErrors,
      ).toEqual([{ code: "CANNOT_TARGET_SELF", field }]);
    },
  );

  it("rejects an unknown role as invalid input", async () => {
    const res = await gql(url, ROLE, { id: listener.id, role: "SUPERUSER" }, { token: admin.accessToken });
    expect(codes(res)).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("the first admin, from configuration", () => {
  it("is created once, never over a listener's account, never with a taken handle or a short password", async () => {
    const db = stack.users.services.db;
    const handle = `boss${Date.now()}`;
    const email = `${handle}@example.com`;
    const first = await ensureAdmin(db, { email, password: "long enough password", handle });
    expect(first.created).toBe(true);
    expect(await ensureAdmin(db, { email, password: "another password here", handle })).toEqual({
      id: first.id,
      created: false,
    });
    await expect(
      ensureAdmin(db, { email: listener.email, password: "long enough password", handle: `${handle}x` }),
    ).rejects.toThrow(SeedError);
    await expect(
      ensureAdmin(db, { email: `other-${email}`, password: "long enough password", handle }),
    ).rejects.toThrow(/ADMIN_HANDLE/);
    await expect(ensureAdmin(db, { email: `short-${email}`, password: "short", handle: `${handle}y` })).rejects.toThrow(
      /at least 10/,
    );
    expect((await db.user.findUniqueOrThrow({ where: { id: listener.id } })).role).toBe("USER");
  });
});
