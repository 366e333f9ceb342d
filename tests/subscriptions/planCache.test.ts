// The router plans a subscription document once and reuses the plan for every client that sends
// the same text (router/src/subscriptions/gateway.ts): the burst of subscribes after a reconnect
// is then mostly validation, not planning. A new supergraph (a new planner) plans again.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { gatewayPlanner } from "../../router/src/subscriptions/gateway.ts";

const SOURCE = /* GraphQL */ `subscription NewFollowers {
  followerAdded { cursor node { id artistProfiles { name } } }
}`;

// @apollo/gateway is the router's dependency, not the tests'.
type Gateway = Parameters<typeof gatewayPlanner>[0];
const { ApolloGateway } = createRequire(path.resolve(import.meta.dirname, "../../router/package.json"))(
  "@apollo/gateway",
) as { ApolloGateway: new (opts: { supergraphSdl: string }) => Gateway };

let gateway: Gateway;
beforeAll(async () => {
  const supergraphSdl = readFileSync(path.resolve(import.meta.dirname, "../../schema/supergraph.graphql"), "utf8");
  gateway = new ApolloGateway({ supergraphSdl });
  await gateway.load();
});
afterAll(() => gateway?.stop());

const internals = () => gateway as unknown as { queryPlanner: { buildQueryPlan(op: unknown): unknown } };

describe("subscription plans", () => {
  it("plans the same text and operation once, and each different one apart", () => {
    const planner = gatewayPlanner(gateway);
    const build = vi.spyOn(internals().queryPlanner, "buildQueryPlan");
    try {
      const first = planner.plan(parse(SOURCE), "NewFollowers", SOURCE);
      const again = planner.plan(parse(SOURCE), "NewFollowers", SOURCE);
      expect(again).toBe(first);
      expect(first.primary.serviceName).toBe("users");
      expect(build).toHaveBeenCalledTimes(1);

      const other = `subscription { followerAdded { cursor } }`;
      expect(planner.plan(parse(other), undefined, other)).not.toBe(first);
      expect(planner.plan(parse(SOURCE), undefined, SOURCE)).not.toBe(first);
      // Without the text nothing is kept.
      planner.plan(parse(SOURCE), "NewFollowers");
      expect(build).toHaveBeenCalledTimes(4);
    } finally {
      build.mockRestore();
    }
  });

  it("keeps no refusal: a document that is not a subscription is refused every time", () => {
    const planner = gatewayPlanner(gateway);
    const query = `{ __typename }`;
    for (let i = 0; i < 2; i++)
      expect(() => planner.plan(parse(query), undefined, query)).toThrow("Not a subscription.");
  });

  it("plans again for a new supergraph (a new planner)", () => {
    const planner = gatewayPlanner(gateway);
    const first = planner.plan(parse(SOURCE), "NewFollowers", SOURCE);
    const g = internals();
    const previous = g.queryPlanner;
    g.queryPlanner = Object.create(previous) as typeof previous;
    try {
      expect(planner.plan(parse(SOURCE), "NewFollowers", SOURCE)).not.toBe(first);
    } finally {
      g.queryPlanner = previous;
    }
  });
});
