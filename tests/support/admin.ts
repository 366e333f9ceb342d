import { randomBytes } from "node:crypto";
import type { Stack } from "./stack.ts";
import { login } from "./graphql.ts";
import { ensureAdmin } from "../../subgraphs/users/src/seed.ts";

/** An admin account created the way production gets its first one (seed, from config), signed in. */
export async function signInAdmin(stack: Stack, url: string): Promise<{ id: string; accessToken: string }> {
  const handle = `admin${randomBytes(4).toString("hex")}`;
  const email = `${handle}@example.com`;
  const password = "admin password 123";
  const { id } = await ensureAdmin(stack.users.services.db, { email, password, handle });
  const res = await login(url, email, password);
  return { id, accessToken: res.data.login.session.accessToken };
}
