// What users tells other subgraphs of an account (user.changed, written by a trigger in users'
// database with every change of what they keep), and its back-fill. Real Postgres, through the
// users subgraph's own API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events } from "../../subgraphs/users/src/events.ts";
import { signInAdmin } from "../support/admin.ts";
import { gql, register } from "../support/graphql.ts";
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
    expect(second.map((e) => e.id)).toEqual(first.map((e) => e.id));
  });
});
