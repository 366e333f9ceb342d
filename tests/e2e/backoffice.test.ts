// The backoffice through the router, with its generated typed client: an admin signs in, finds
// a listener, changes their role, blocks and unblocks them, deletes them.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.ts";
import { register } from "../support/graphql.ts";
import { execute } from "../support/typedClient.ts";
import { ensureAdmin } from "../../subgraphs/users/src/seed.ts";
import {
  AdminBlockUserDocument,
  AdminChangeUserRoleDocument,
  AdminDeleteUserDocument,
  AdminLoginDocument,
  AdminUnblockUserDocument,
  AdminUsersDocument,
} from "../../schema/generated/backoffice.ts";

let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = await startStack({ router: true });
  url = stack.router!.url;
});
afterAll(() => stack.stop());

it("runs the admin workflow end to end with typed operations", async () => {
  const email = `backoffice-${Date.now()}@example.com`;
  await ensureAdmin(stack.users.services.db, { email, password: "admin password 123", handle: `bo${Date.now()}` });
  const signIn = await execute(url, AdminLoginDocument, { email, password: "admin password 123" });
  expect(signIn.data?.login.userErrors).toEqual([]);
  expect(signIn.data?.login.user?.role).toBe("ADMIN");
  const token = signIn.data!.login.session!.accessToken;

  const listener = await register(url, { displayName: "Backoffice Target" });
  const found = await execute(url, AdminUsersDocument, { first: 10, filter: { query: listener.handle } }, token);
  expect(found.errors).toBeUndefined();
  const row = found.data!.users.edges[0]!.node;
  expect(row).toMatchObject({
    id: listener.id,
    email: listener.email,
    role: "USER",
    isBlocked: false,
    profile: { displayName: "Backoffice Target" },
  });
  expect(new Date(row.createdAt).getTime()).toBeGreaterThan(0);

  const promoted = await execute(url, AdminChangeUserRoleDocument, { userId: listener.id, role: "ARTIST" }, token);
  expect(promoted.data?.changeUserRole.user?.role).toBe("ARTIST");
  const blocked = await execute(url, AdminBlockUserDocument, { userId: listener.id }, token);
  expect(blocked.data?.blockUser.user?.isBlocked).toBe(true);
  const unblocked = await execute(url, AdminUnblockUserDocument, { userId: listener.id }, token);
  expect(unblocked.data?.unblockUser.user?.isBlocked).toBe(false);
  const deleted = await execute(url, AdminDeleteUserDocument, { userId: listener.id }, token);
  expect(deleted.data?.deleteUser).toEqual({ deletedUserId: listener.id, userErrors: [] });

  const gone = await execute(url, AdminUsersDocument, { first: 10, filter: { query: listener.handle } }, token);
  expect(gone.data?.users.totalCount).toBe(0);
});
