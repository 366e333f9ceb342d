// Tokens through the router, as the mobile app sends them: the router rejects bad ones, and
// blocked or deleted users lose access at once.
import { generateKeyPairSync } from "node:crypto";
import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.ts";
import { codes, gql, login, register } from "../support/graphql.ts";
import { signInAdmin } from "../support/admin.ts";
import { JWT_AUDIENCE, JWT_ISSUER } from "@melodi/kit";

let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = await startStack({ router: true });
  url = stack.router!.url;
});
afterAll(() => stack.stop());

const ME = `{ me { id profile { handle } } }`;

function sign(payload: object, key: string, opts: jwt.SignOptions) {
  return jwt.sign(payload, key, { algorithm: "RS256", issuer: JWT_ISSUER, audience: JWT_AUDIENCE, ...opts });
}

describe("access tokens at the router", () => {
  it("serves a signed-in caller and passes the request id through", async () => {
    const account = await register(url);
    const res = await gql(url, ME, {}, { token: account.accessToken, headers: { "x-request-id": "req-test-123" } });
    expect(res.data.me).toEqual({ id: account.id, profile: { handle: account.handle } });
    expect(res.headers.get("x-request-id")).toBe("req-test-123");
  });

  it("serves anonymous callers public data", async () => {
    const account = await register(url);
    const res = await gql(url, `query($id: ID!) { user(id: $id) { profile { handle } } me { id } }`, {
      id: account.id,
    });
    expect(res.data).toEqual({ user: { profile: { handle: account.handle } }, me: null });
  });

  it.each([
    ["a malformed token", "Bearer not.a.token"],
    ["a header that is not Bearer", "Basic dXNlcjpwYXNz"],
    [
      "an unsigned token (alg none)",
      `Bearer ${jwt.sign({ role: "ADMIN", sid: "x", tv: 0 }, "", { algorithm: "none", subject: "x" })}`,
    ],
  ])("rejects %s with UNAUTHENTICATED", async (_what, header) => {
    const res = await gql(url, ME, {}, { headers: { authorization: header } });
    expect(codes(res)).toEqual(["UNAUTHENTICATED"]);
    expect(res.data?.me).toBeUndefined();
  });

  it("rejects an expired token", async () => {
    const account = await register(url);
    const [kid] = Object.keys(stack.keys.publicKeys);
    const token = sign(
      { role: "USER", sid: "00000000-0000-0000-0000-000000000000", tv: 0 },
      stack.keys.signingKey.privateKey,
      { keyid: kid, subject: account.id, expiresIn: -10 },
    );
    const res = await gql(url, ME, {}, { token });
    expect(codes(res)).toEqual(["UNAUTHENTICATED"]);
    expect(res.errors![0]!.message).toMatch(/expired/);
  });

  it("rejects a token forged with another key under our key id", async () => {
    const account = await register(url);
    const [kid] = Object.keys(stack.keys.publicKeys);
    const forger = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    const token = sign({ role: "ADMIN", sid: "00000000-0000-0000-0000-000000000000", tv: 0 }, forger, {
      keyid: kid,
      subject: account.id,
      expiresIn: 600,
    });
    expect(codes(await gql(url, ME, {}, { token }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("rejects a token whose key id it does not know", async () => {
    const account = await register(url);
    const token = sign(
      { role: "USER", sid: "00000000-0000-0000-0000-000000000000", tv: 0 },
      stack.keys.signingKey.privateKey,
      { keyid: "retired-key", subject: account.id, expiresIn: 600 },
    );
    expect(codes(await gql(url, ME, {}, { token }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("rejects a token signed for another audience", async () => {
    const account = await register(url);
    const [kid] = Object.keys(stack.keys.publicKeys);
    const token = jwt.sign({ role: "USER", sid: "s", tv: 0 }, stack.keys.signingKey.privateKey, {
      algorithm: "RS256",
      keyid: kid,
      subject: account.id,
      issuer: JWT_ISSUER,
      audience: "someone-else",
      expiresIn: 600,
    });
    expect(codes(await gql(url, ME, {}, { token }))).toEqual(["UNAUTHENTICATED"]);
  });
});

describe("blocked and deleted users", () => {
  const BLOCK = `mutation($id: ID!) { blockUser(input: { userId: $id }) { user { id isBlocked } userErrors { code } } }`;
  const UNBLOCK = `mutation($id: ID!) { unblockUser(input: { userId: $id }) { user { id isBlocked } userErrors { code } } }`;
  const DELETE = `mutation($id: ID!) { deleteUser(input: { userId: $id }) { deletedUserId userErrors { code } } }`;

  it("a blocked user's live token, refresh token and password stop working at once; unblocking restores sign-in", async () => {
    const admin = await signInAdmin(stack, url);
    const account = await register(url);
    expect((await gql(url, ME, {}, { token: account.accessToken })).data.me.id).toBe(account.id);

    const blocked = await gql(url, BLOCK, { id: account.id }, { token: admin.accessToken });
    expect(blocked.data.blockUser).toEqual({ user: { id: account.id, isBlocked: true }, userErrors: [] });

    expect(codes(await gql(url, ME, {}, { token: account.accessToken }))).toEqual(["UNAUTHENTICATED"]);
    const refresh = await gql(
      url,
      `mutation($t: String!) { refreshSession(input: { refreshToken: $t }) { session { accessToken } userErrors { code } } }`,
      { t: account.refreshToken },
    );
    expect(refresh.data.refreshSession.session).toBeNull();
    expect((await login(url, account.email, account.password)).data.login.userErrors[0].code).toBe("ACCOUNT_BLOCKED");

    await gql(url, UNBLOCK, { id: account.id }, { token: admin.accessToken });
    const again = await login(url, account.email, account.password);
    expect(again.data.login.userErrors).toEqual([]);
    expect((await gql(url, ME, {}, { token: again.data.login.session.accessToken })).data.me.id).toBe(account.id);
  });

  it("a deleted user's token stops working and the account is gone", async () => {
    const admin = await signInAdmin(stack, url);
    const account = await register(url);
    const res = await gql(url, DELETE, { id: account.id }, { token: admin.accessToken });
    expect(res.data.deleteUser).toEqual({ deletedUserId: account.id, userErrors: [] });
    expect(codes(await gql(url, ME, {}, { token: account.accessToken }))).toEqual(["UNAUTHENTICATED"]);
    expect((await gql(url, `query($id: ID!) { user(id: $id) { id } }`, { id: account.id })).data.user).toBeNull();
    expect((await login(url, account.email, account.password)).data.login.userErrors[0].code).toBe(
      "INVALID_CREDENTIALS",
    );
  });
});
