// Accounts on the users subgraph itself: register, login, refresh, logout, change password.
import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signAccessToken } from "../../subgraphs/users/src/accounts/tokens.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { codes, gql, login, PASSWORD, register, unique } from "../support/graphql.ts";

let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = await startStack();
  url = stack.users.url;
});
afterAll(() => stack.stop());

const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { user { id } session { accessToken } userErrors { field message code } } }`;
const ME = `{ me { id email role profile { handle displayName bio avatarUrl } } }`;
const REFRESH = `mutation($t: String!) { refreshSession(input: { refreshToken: $t }) { session { accessToken refreshToken } userErrors { code field } } }`;

/** Accounts holding this email or handle (other test files create users concurrently). */
async function accountsWith(email: string, handle: string): Promise<number> {
  return stack.users.services.db.user.count({
    where: { OR: [{ email: email.toLowerCase() }, { profile: { handleKey: handle.toLowerCase() } }] },
  });
}

describe("access tokens", () => {
  it("carry a unique jti: two issued in the same second for the same session differ", () => {
    const claims = { userId: "u1", role: "USER" as const, sessionId: "s1", tokenVersion: 0 };
    const tokens = Array.from({ length: 5 }, () => signAccessToken(stack.keys.signingKey, claims).token);
    const jtis = tokens.map((t) => (jwt.decode(t) as jwt.JwtPayload).jti);
    expect(new Set(tokens).size).toBe(5);
    expect(new Set(jtis).size).toBe(5);
    for (const jti of jtis) expect(jti).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("register", () => {
  it("creates an account with a profile and signs it in", async () => {
    const account = await register(url, { displayName: "Zoë Example" });
    const me = await gql(url, ME, {}, { token: account.accessToken });
    expect(me.errors).toBeUndefined();
    expect(me.data.me).toMatchObject({
      id: account.id,
      email: account.email,
      role: "USER",
      profile: { handle: account.handle, displayName: "Zoë Example", bio: "", avatarUrl: null },
    });
  });

  it("stores the password only as a scrypt hash", async () => {
    const account = await register(url);
    const credential = await stack.users.services.db.credential.findUniqueOrThrow({ where: { userId: account.id } });
    expect(credential.passwordHash).toMatch(/^scrypt\$/);
    expect(credential.passwordHash).not.toContain(PASSWORD);
  });

  it.each([
    ["malformed email", { email: "not-an-email" }, "INVALID_EMAIL", ["input", "email"]],
    ["weak password", { password: "short" }, "WEAK_PASSWORD", ["input", "password"]],
    [
      "password with too few different characters",
      { password: "aaaaaaaaaaaa" },
      "WEAK_PASSWORD",
      ["input", "password"],
    ],
    ["invalid handle", { handle: "has spaces!" }, "INVALID_HANDLE", ["input", "handle"]],
    ["over-long handle", { handle: "h".repeat(31) }, "TOO_LONG", ["input", "handle"]],
    ["over-long display name", { displayName: "d".repeat(81) }, "TOO_LONG", ["input", "displayName"]],
    ["over-long email", { email: `${"e".repeat(250)}@x.io` }, "TOO_LONG", ["input", "email"]],
  ])("rejects a %s with a typed user error and writes nothing", async (_what, override, code, field) => {
    const handle = unique();
    const input = { email: `${handle}@example.com`, handle, password: PASSWORD, ...override };
    const res = await gql(url, REGISTER, { input });
    expect(res.errors).toBeUndefined();
    expect(res.data.register.user).toBeNull();
    expect(res.data.register.session).toBeNull();
    expect(res.data.register.userErrors).toContainEqual(expect.objectContaining({ code, field }));
    expect(await accountsWith(`${handle}@example.com`, handle)).toBe(0);
  });

  it("rejects a duplicate email, whatever its case", async () => {
    const account = await register(url);
    const handle = unique();
    const res = await gql(url, REGISTER, { input: { email: account.email.toUpperCase(), handle, password: PASSWORD } });
    expect(res.data.register.userErrors).toEqual([
      expect.objectContaining({ code: "EMAIL_TAKEN", field: ["input", "email"] }),
    ]);
    expect(await accountsWith("nobody@nowhere", handle)).toBe(0);
  });

  it("rejects a duplicate handle, whatever its case", async () => {
    const account = await register(url);
    const email = `${unique()}@example.com`;
    const res = await gql(url, REGISTER, {
      input: { email, handle: account.handle.toUpperCase(), password: PASSWORD },
    });
    expect(res.data.register.userErrors).toEqual([
      expect.objectContaining({ code: "HANDLE_TAKEN", field: ["input", "handle"] }),
    ]);
    expect(await accountsWith(email, "-")).toBe(0);
  });
});

describe("login", () => {
  it("signs in with the right password, email case-insensitive", async () => {
    const account = await register(url);
    const res = await login(url, account.email.toUpperCase(), account.password);
    expect(res.data.login.userErrors).toEqual([]);
    const me = await gql(url, ME, {}, { token: res.data.login.session.accessToken });
    expect(me.data.me.id).toBe(account.id);
  });

  it("gives the same answer for a wrong password and an unknown email", async () => {
    const account = await register(url);
    const wrong = await login(url, account.email, "wrong password 123");
    const unknown = await login(url, `${unique()}@example.com`, account.password);
    expect(wrong.data.login).toEqual(unknown.data.login);
    expect(wrong.data.login.userErrors).toEqual([
      { code: "INVALID_CREDENTIALS", field: null, message: "Email or password is incorrect." },
    ]);
  });
});

describe("refreshSession", () => {
  it("rotates the refresh token; reusing an old one signs the whole session out", async () => {
    const account = await register(url);
    const first = await gql(url, REFRESH, { t: account.refreshToken });
    expect(first.data.refreshSession.userErrors).toEqual([]);
    const rotated = first.data.refreshSession.session;
    expect(rotated.refreshToken).not.toBe(account.refreshToken);

    // The stolen copy of the first token comes back: the session dies, for the thief and the owner.
    const reuse = await gql(url, REFRESH, { t: account.refreshToken });
    expect(reuse.data.refreshSession.userErrors).toEqual([
      { code: "INVALID_REFRESH_TOKEN", field: ["input", "refreshToken"] },
    ]);
    const ownerNext = await gql(url, REFRESH, { t: rotated.refreshToken });
    expect(ownerNext.data.refreshSession.userErrors[0].code).toBe("INVALID_REFRESH_TOKEN");
    const me = await gql(url, ME, {}, { token: rotated.accessToken });
    expect(codes(me)).toEqual(["UNAUTHENTICATED"]);
  });

  it("rejects a made-up refresh token", async () => {
    const res = await gql(url, REFRESH, { t: "x".repeat(43) });
    expect(res.data.refreshSession).toEqual({
      session: null,
      userErrors: [{ code: "INVALID_REFRESH_TOKEN", field: ["input", "refreshToken"] }],
    });
  });
});

describe("logout", () => {
  const LOGOUT = `mutation($everywhere: Boolean) { logout(input: { everywhere: $everywhere }) { signedOutSessionCount userErrors { code } } }`;

  it("signs out this session only: its tokens stop working, another device's keep working", async () => {
    const account = await register(url);
    const other = (await login(url, account.email, account.password)).data.login.session;
    const res = await gql(url, LOGOUT, { everywhere: false }, { token: account.accessToken });
    expect(res.data.logout).toEqual({ signedOutSessionCount: 1, userErrors: [] });
    expect(codes(await gql(url, ME, {}, { token: account.accessToken }))).toEqual(["UNAUTHENTICATED"]);
    expect((await gql(url, REFRESH, { t: account.refreshToken })).data.refreshSession.userErrors[0].code).toBe(
      "INVALID_REFRESH_TOKEN",
    );
    expect((await gql(url, ME, {}, { token: other.accessToken })).data.me.id).toBe(account.id);
  });

  it("signs out everywhere", async () => {
    const account = await register(url);
    const other = (await login(url, account.email, account.password)).data.login.session;
    const res = await gql(url, LOGOUT, { everywhere: true }, { token: account.accessToken });
    expect(res.data.logout).toEqual({ signedOutSessionCount: 2, userErrors: [] });
    expect(codes(await gql(url, ME, {}, { token: other.accessToken }))).toEqual(["UNAUTHENTICATED"]);
    expect((await gql(url, REFRESH, { t: other.refreshToken })).data.refreshSession.userErrors[0].code).toBe(
      "INVALID_REFRESH_TOKEN",
    );
  });

  it("needs a signed-in caller", async () => {
    expect(codes(await gql(url, LOGOUT, {}))).toEqual(["UNAUTHENTICATED"]);
  });
});

describe("changePassword", () => {
  const CHANGE = `mutation($input: ChangePasswordInput!) { changePassword(input: $input) { user { id } session { accessToken } userErrors { code field } } }`;

  it("changes the password, ends other sessions and hands this device fresh tokens", async () => {
    const account = await register(url);
    const other = (await login(url, account.email, account.password)).data.login.session;
    const res = await gql(
      url,
      CHANGE,
      { input: { currentPassword: account.password, newPassword: "a brand new passphrase" } },
      { token: account.accessToken },
    );
    expect(res.data.changePassword.userErrors).toEqual([]);
    expect(codes(await gql(url, ME, {}, { token: other.accessToken }))).toEqual(["UNAUTHENTICATED"]);
    expect((await gql(url, ME, {}, { token: res.data.changePassword.session.accessToken })).data.me.id).toBe(
      account.id,
    );
    expect((await login(url, account.email, account.password)).data.login.userErrors[0].code).toBe(
      "INVALID_CREDENTIALS",
    );
    expect((await login(url, account.email, "a brand new passphrase")).data.login.userErrors).toEqual([]);
  });

  it("rejects a wrong current password and a weak new one, changing nothing", async () => {
    const account = await register(url);
    const wrong = await gql(
      url,
      CHANGE,
      { input: { currentPassword: "not my password", newPassword: "a brand new passphrase" } },
      { token: account.accessToken },
    );
    expect(wrong.data.changePassword.userErrors).toEqual([
      { code: "INVALID_CREDENTIALS", field: ["input", "currentPassword"] },
    ]);
    const weak = await gql(
      url,
      CHANGE,
      { input: { currentPassword: account.password, newPassword: "short" } },
      { token: account.accessToken },
    );
    expect(weak.data.changePassword.userErrors).toEqual([{ code: "WEAK_PASSWORD", field: ["input", "newPassword"] }]);
    expect((await login(url, account.email, account.password)).data.login.userErrors).toEqual([]);
  });

  it("needs a signed-in caller", async () => {
    expect(codes(await gql(url, CHANGE, { input: { currentPassword: "x", newPassword: "y" } }))).toEqual([
      "UNAUTHENTICATED",
    ]);
  });
});

describe("the subgraph verifies tokens itself", () => {
  it("rejects a forged token sent straight to the subgraph, without the router", async () => {
    const account = await register(url);
    const [header, , signature] = account.accessToken.split(".");
    const claims = {
      sub: account.id,
      role: "ADMIN",
      sid: "00000000-0000-0000-0000-000000000000",
      tv: 0,
      iss: "melodi-users",
      aud: "melodi",
      exp: Math.floor(Date.now() / 1000) + 600,
    };
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
    expect(codes(await gql(url, ME, {}, { token: forged }))).toEqual(["UNAUTHENTICATED"]);
  });
});
