// What the services log for a sign-up, sign-in, refresh and a failing call: JSON lines with the
// request id, and never a password or a token.
import { Writable } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLogger } from "@melodi/kit";
import { startStack, type Stack } from "../support/stack.ts";
import { gql, login, register } from "../support/graphql.ts";

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...chunk.toString().split("\n").filter(Boolean));
    done();
  },
});

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    router: true,
    logs: { users: createLogger("users", sink, "debug"), router: createLogger("router", sink, "debug") },
  });
});
afterAll(() => stack.stop());

it("logs each operation with its request id and no secrets", async () => {
  const url = stack.router!.url;
  const password = "a very secret passphrase 42";
  const account = await register(url, { password });
  const signedIn = await login(url, account.email, password);
  const refreshToken = signedIn.data.login.session.refreshToken;
  const refreshed = await gql(
    url,
    `mutation($t: String!) { refreshSession(input: { refreshToken: $t }) { session { accessToken refreshToken } } }`,
    { t: refreshToken },
  );
  await gql(
    url,
    `mutation($i: ChangePasswordInput!) { changePassword(input: $i) { userErrors { code } } }`,
    { i: { currentPassword: "wrong one 12345", newPassword: "another secret passphrase" } },
    { token: account.accessToken, headers: { "x-request-id": "trace-me-42" } },
  );

  expect(lines.length).toBeGreaterThan(3);
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  const secrets = [
    password,
    "another secret passphrase",
    account.accessToken,
    account.refreshToken,
    refreshToken,
    refreshed.data.refreshSession.session.accessToken,
    refreshed.data.refreshSession.session.refreshToken,
  ];
  for (const secret of secrets) expect(lines.join("\n")).not.toContain(secret);
  // The request id the client sent reaches the subgraph's log line for that operation.
  const traced = lines.map((l) => JSON.parse(l)).filter((l) => l.requestId === "trace-me-42");
  expect(traced.some((l) => l.name === "users" && l.msg === "operation")).toBe(true);
});
