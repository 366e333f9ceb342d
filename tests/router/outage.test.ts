// The users subgraph goes down and comes back: the router names the failed service, health
// says which one is down, and serving resumes without restarting the router.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.ts";
import { gql, register } from "../support/graphql.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ router: true });
});
afterAll(() => stack.stop());

it("reports the failed service, then recovers", async () => {
  const url = stack.router!.url;
  const health = url.replace("/graphql", "/health/services");
  const account = await register(url);
  const query = `query($id: ID!) { user(id: $id) { profile { handle } } }`;
  expect((await fetch(health)).status).toBe(200);

  await stack.stopUsers();
  const down = await gql(url, query, { id: account.id });
  expect(down.errors![0]).toMatchObject({
    message: "The users service is unavailable.",
    extensions: { code: "SERVICE_UNAVAILABLE", serviceName: "users" },
  });
  expect(JSON.stringify(down.errors)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
  const report = await fetch(health);
  expect(report.status).toBe(503);
  const body = (await report.json()) as { status: string; services: { name: string; status: string }[] };
  expect(body.status).toBe("down");
  expect(body.services).toContainEqual(expect.objectContaining({ name: "users", status: "down" }));
  expect(body.services).toContainEqual(expect.objectContaining({ name: "catalog", status: "ok" }));
  expect((await fetch(url.replace("/graphql", "/health"))).status).toBe(200);

  await stack.restartUsers();
  const back = await gql(url, query, { id: account.id });
  expect(back.errors).toBeUndefined();
  expect(back.data.user.profile.handle).toBe(account.handle);
  expect((await fetch(health)).status).toBe(200);
});
