// Demand control's estimate (router/src/cost.ts) as a unit: each rule of the model on a small
// schema, then the real supergraph, whose @cost and @listSize come from the subgraphs through
// composition.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Supergraph } from "@apollo/federation-internals";
import { buildSchema, getOperationAST, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { costDirectivesOf, estimateCost } from "../../router/src/cost.ts";
import { CATALOG_FAN_OUT } from "../support/hostile.ts";
import { QUERY as BENCH_QUERY } from "../../bench/queries.ts";

const SDL = /* GraphQL */ `
  directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
  directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
  type Query {
    items(first: Int = 20): ItemConnection! @listSize(slicingArguments: ["first"], sizedFields: ["edges"])
    tags: [String!]!
    top: [Item!]! @listSize(assumedSize: 3)
    search(q: String!, filter: Filter): [Result!]! @listSize(assumedSize: 5) @cost(weight: 20)
    item(id: ID!): Item
  }
  type Mutation { touch: Item }
  input Filter { kind: String }
  type ItemConnection { edges: [ItemEdge!]! total: Int! }
  type ItemEdge { node: Item! }
  type Item { id: ID! name: String! owner: Owner! expensive: Int @cost(weight: 7) }
  type Owner { id: ID! }
  union Result = Item | Owner
`;
const schema = buildSchema(SDL);
const directives = costDirectivesOf(SDL);
const costOf = (query: string, variables?: Record<string, unknown>, s = schema, d = directives) => {
  const document = parse(query);
  return estimateCost(s, d, document, getOperationAST(document)!, variables, 10);
};

describe("the cost estimate", () => {
  it("counts objects, not scalars; @cost replaces a field's own cost", () => {
    expect(costOf(`{ item(id: "1") { id name } }`)).toBe(1);
    expect(costOf(`{ item(id: "1") { owner { id } expensive } }`)).toBe(1 + 1 + 7);
    expect(costOf(`{ __typename item(id: "1") { __typename } }`)).toBe(1);
    expect(costOf(`mutation { touch { id } }`)).toBe(10 + 1);
  });

  it("sizes lists by slicing argument (literal, variable, default), assumed size, or the default size", () => {
    // items (1) + first × (edge 1 + node 1 + owner 1)
    expect(costOf(`{ items(first: 5) { total edges { node { owner { id } } } } }`)).toBe(1 + 5 * 3);
    expect(costOf(`query($n: Int) { items(first: $n) { edges { node { id } } } }`, { n: 50 })).toBe(1 + 50 * 2);
    expect(costOf(`query($n: Int = 7) { items(first: $n) { edges { node { id } } } }`)).toBe(1 + 7 * 2);
    expect(costOf(`{ items { edges { node { id } } } }`)).toBe(1 + 20 * 2);
    expect(costOf(`{ top { owner { id } } }`)).toBe(3 * 2);
    expect(costOf(`{ tags }`)).toBe(0);
    // An input-object argument costs 1; a union's costliest member counts, once per item.
    expect(
      costOf(`{ search(q: "x", filter: { kind: "a" }) { ... on Item { owner { id } } ... on Owner { id } } }`),
    ).toBe(5 * (20 + 1) + 1);
  });

  it("expands fragments as if inlined", () => {
    expect(costOf(`{ ...Q ...Q } fragment Q on Query { item(id: "1") { owner { id } } }`)).toBe(2 * 2);
  });

  it("reads the subgraphs' directives from the supergraph", () => {
    const supergraphSdl = readFileSync(path.resolve(import.meta.dirname, "../../schema/supergraph.graphql"), "utf8");
    const real = costDirectivesOf(supergraphSdl);
    expect(real.fields.get("Genre.artists")?.listSize).toEqual({
      assumedSize: undefined,
      slicingArguments: ["first"],
      sizedFields: ["edges"],
    });
    expect(real.fields.get("Query.search")?.weight).toBe(20);
    const api = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
    // The bench's profile: user, profile, followers, and 20 × (edge, node, its profile).
    expect(costOf(BENCH_QUERY, { id: "x" }, api, real)).toBe(1 + 1 + 1 + 20 * 3);
    // 8 × genres (30) × artists (100 × edge, node, discography, albums (100 × edge, node, tracks (50 × track, song))).
    const perArtist = 3 + 1 + 100 * (2 + 50 * 2);
    expect(costOf(CATALOG_FAN_OUT, undefined, api, real)).toBe(8 * 30 * (1 + 1 + 100 * perArtist));
  });
});
