// Profiles: look-ups by id and handle, editing your own, and who may read private fields.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.ts";
import { codes, gql, register } from "../support/graphql.ts";
import { signInAdmin } from "../support/admin.ts";

let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = await startStack();
  url = stack.users.url;
});
afterAll(() => stack.stop());

const UPDATE = `mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { user { id profile { handle displayName bio avatarUrl } } userErrors { code field } } }`;

describe("look-ups", () => {
  it("finds a user by id and by handle, case-insensitively", async () => {
    const account = await register(url, { handle: `Mixed${Date.now()}` });
    const byId = await gql(url, `query($id: ID!) { user(id: $id) { id profile { handle } } }`, { id: account.id });
    expect(byId.data.user).toEqual({ id: account.id, profile: { handle: account.handle } });
    const byHandle = await gql(url, `query($h: String!) { userByHandle(handle: $h) { id } }`, {
      h: account.handle.toLowerCase(),
    });
    expect(byHandle.data.userByHandle.id).toBe(account.id);
  });

  it("answers null for unknown, malformed and over-long ids and handles", async () => {
    const res = await gql(
      url,
      `{ a: user(id: "00000000-0000-4000-8000-000000000000") { id } b: user(id: "not-a-uuid'; drop table") { id } c: userByHandle(handle: "nobody-here") { id } d: userByHandle(handle: "${"x".repeat(500)}") { id } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ a: null, b: null, c: null, d: null });
  });
});

describe("private fields", () => {
  it("shows email and isBlocked to the user themself and to admins", async () => {
    const account = await register(url);
    const admin = await signInAdmin(stack, url);
    const q = `query($id: ID!) { user(id: $id) { email isBlocked } }`;
    expect((await gql(url, q, { id: account.id }, { token: account.accessToken })).data.user).toEqual({
      email: account.email,
      isBlocked: false,
    });
    expect((await gql(url, q, { id: account.id }, { token: admin.accessToken })).data.user).toEqual({
      email: account.email,
      isBlocked: false,
    });
  });

  it.each(["email", "isBlocked"])(
    "refuses %s to another user (FORBIDDEN) and to anonymous callers (UNAUTHENTICATED), on that field only",
    async (field) => {
      const account = await register(url);
      const other = await register(url);
      const q = `query($h: String!) { userByHandle(handle: $h) { id profile { handle } ${field} } }`;
      for (const [token, code] of [
        [other.accessToken, "FORBIDDEN"],
        [undefined, "UNAUTHENTICATED"],
      ] as const) {
        const res = await gql(url, q, { h: account.handle }, { token });
        expect(codes(res)).toEqual([code]);
        expect(res.errors?.[0]?.path).toEqual(["userByHandle", field]);
        // The profile stands; only the field is null.
        expect(res.data.userByHandle).toEqual({ id: account.id, profile: { handle: account.handle }, [field]: null });
      }
    },
  );
});

describe("updateProfile", () => {
  it("edits only the fields given; null clears the avatar", async () => {
    const account = await register(url);
    const handle = `new_${account.handle}`.slice(0, 30);
    const first = await gql(
      url,
      UPDATE,
      { input: { handle, bio: "Hello there", avatarUrl: "https://cdn.example.com/a.png" } },
      { token: account.accessToken },
    );
    expect(first.data.updateProfile).toEqual({
      user: {
        id: account.id,
        profile: {
          handle,
          displayName: account.handle,
          bio: "Hello there",
          avatarUrl: "https://cdn.example.com/a.png",
        },
      },
      userErrors: [],
    });
    const second = await gql(url, UPDATE, { input: { avatarUrl: null } }, { token: account.accessToken });
    expect(second.data.updateProfile.user.profile).toEqual({
      handle,
      displayName: account.handle,
      bio: "Hello there",
      avatarUrl: null,
    });
  });

  it.each([
    ["a taken handle", "TAKEN", "HANDLE_TAKEN", ["input", "handle"]],
    ["an invalid handle", { handle: "no/slashes" }, "INVALID_HANDLE", ["input", "handle"]],
    ["an over-long bio", { bio: "b".repeat(501) }, "TOO_LONG", ["input", "bio"]],
    ["an empty display name", { displayName: "   " }, "TOO_SHORT", ["input", "displayName"]],
    ["a non-http avatar URL", { avatarUrl: "javascript:alert(1)" }, "INVALID_URL", ["input", "avatarUrl"]],
  ])("rejects %s and changes nothing", async (_what, input, code, field) => {
    const account = await register(url);
    const other = await register(url);
    const res = await gql(
      url,
      UPDATE,
      { input: input === "TAKEN" ? { handle: other.handle.toUpperCase(), bio: "changed?" } : input },
      { token: account.accessToken },
    );
    expect(res.data.updateProfile.user).toBeNull();
    expect(res.data.updateProfile.userErrors).toContainEqual({ code, field });
    const after = await stack.users.services.db.profile.findUniqueOrThrow({ where: { userId: account.id } });
    expect(after).toMatchObject({ handle: account.handle, bio: "", displayName: account.handle, avatarUrl: null });
  });

  it("needs a signed-in caller", async () => {
    expect(codes(await gql(url, UPDATE, { input: { bio: "x" } }))).toEqual(["UNAUTHENTICATED"]);
  });
});
