// Text that cannot be stored (a NUL byte, an unpaired surrogate) through every input of the API,
// through the router: each mutation input's text fields answer a userError INVALID on that
// field, every other text argument BAD_USER_INPUT, never an INTERNAL_SERVER_ERROR from Postgres.
// The operations are made from the supergraph itself, so a new mutation or argument is covered
// the day it is added.
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  buildSchema,
  getNamedType,
  type GraphQLArgument,
  type GraphQLField,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLScalarType,
  isEnumType,
  isLeafType,
  isNonNullType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, ROOT, type Stack } from "../support/stack.ts";
import { codes, gql, register } from "../support/graphql.ts";

const schema = buildSchema(readFileSync(path.join(ROOT, "schema/supergraph.graphql"), "utf8"), {
  assumeValidSDL: true,
});
const BAD = { NUL: "a\u0000b", "an unpaired surrogate": "a\ud800b" };

let stack: Stack;
let url: string;
let token: string;
beforeAll(async () => {
  stack = await startStack({ router: true });
  url = stack.router!.url;
  token = (await register(url)).accessToken;
});
afterAll(() => stack?.stop());

/** A valid-looking value of `type`, with `bad` at `at` (a path of input field names). */
function sampleOf(type: GraphQLInputType, at: string[] | null, bad: string): unknown {
  if (type instanceof GraphQLNonNull) return sampleOf(type.ofType, at, bad);
  if (type instanceof GraphQLList) return [sampleOf(type.ofType, at, bad)];
  if (type instanceof GraphQLInputObjectType) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields()))
      if (isNonNullType(field.type) || at?.[0] === field.name)
        value[field.name] = sampleOf(field.type, at?.[0] === field.name ? at.slice(1) : null, bad);
    return value;
  }
  if (at) return bad;
  if (isEnumType(type)) return type.getValues()[0]!.value;
  const scalar = (type as GraphQLScalarType).name;
  return { Int: 1, Float: 1, Boolean: true, Date: "2020-01-01", DateTime: "2020-01-01T00:00:00Z" }[scalar] ?? "x";
}

/** Scalars that are not free text: they refuse anything but their own format (BAD_USER_INPUT). */
const NOT_TEXT = ["Int", "Float", "Boolean", "Date", "DateTime"];

/** Every path to a text leaf of `type` (input object field names; lists count as their item). */
function textPaths(type: GraphQLInputType, seen: string[] = []): string[][] {
  const named = getNamedType(type);
  if (isEnumType(named)) return [];
  if (named instanceof GraphQLScalarType) return NOT_TEXT.includes(named.name) ? [] : [[]];
  if (!(named instanceof GraphQLInputObjectType) || seen.includes(named.name)) return [];
  return Object.values(named.getFields()).flatMap((field) =>
    textPaths(field.type, [...seen, named.name]).map((rest) => [field.name, ...rest]),
  );
}

/** Where a path through lists lands in the value: each list holds one item, at index 0. */
function valuePath(type: GraphQLInputType, at: string[]): string[] {
  const out: string[] = [];
  let current: GraphQLInputType = type;
  const step = (t: GraphQLInputType): GraphQLInputType => {
    if (t instanceof GraphQLNonNull) return step(t.ofType);
    if (t instanceof GraphQLList) {
      out.push("0");
      return step(t.ofType);
    }
    return t;
  };
  current = step(current);
  for (const name of at) {
    out.push(name);
    current = step((current as GraphQLInputObjectType).getFields()[name]!.type);
  }
  return out;
}

function operation(kind: "query" | "mutation", field: GraphQLField<unknown, unknown>, selection: string) {
  const vars = field.args.map((arg) => `$${arg.name}: ${arg.type}`).join(", ");
  const args = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(", ");
  const select = isLeafType(getNamedType(field.type)) ? "" : ` { ${selection} }`;
  return `${kind}${vars ? `(${vars})` : ""} { ${field.name}${args ? `(${args})` : ""}${select} }`;
}

const variablesFor = (args: readonly GraphQLArgument[], target: GraphQLArgument, at: string[], bad: string) =>
  Object.fromEntries(
    args
      .filter((arg) => arg === target || isNonNullType(arg.type))
      .map((arg) => [arg.name, sampleOf(arg.type, arg === target ? at : null, bad)]),
  );

const mutations = Object.values(schema.getMutationType()!.getFields()).flatMap((field) =>
  field.args.flatMap((arg) => textPaths(arg.type).map((at) => ({ field, arg, at }))),
);
const queries = Object.values(schema.getQueryType()!.getFields()).flatMap((field) =>
  field.args.flatMap((arg) => textPaths(arg.type).map((at) => ({ field, arg, at }))),
);

describe("text that cannot be stored", () => {
  it("covers every mutation input and query argument that takes text", () => {
    expect(new Set(mutations.map((m) => m.field.name)).size).toBeGreaterThan(25);
    expect(queries.map((q) => `${q.field.name}.${[q.arg.name, ...q.at].join(".")}`)).toEqual(
      expect.arrayContaining(["search.query", "userByHandle.handle", "artist.slug", "users.filter.query"]),
    );
  });

  for (const [what, bad] of Object.entries(BAD)) {
    it(`answers ${what} in a mutation input with a userError INVALID on that field`, async () => {
      for (const { field, arg, at } of mutations) {
        const res = await gql(
          url,
          operation("mutation", field, "userErrors { code field }"),
          variablesFor(field.args, arg, at, bad),
          { token },
        );
        const where = `${field.name}(${[arg.name, ...at].join(".")})`;
        expect(res.errors, `${where}: ${JSON.stringify(res.errors)}`).toBeUndefined();
        expect(res.data[field.name].userErrors, where).toEqual([
          { code: "INVALID", field: [arg.name, ...valuePath(arg.type, at)] },
        ]);
      }
    });

    it(`answers ${what} in a query argument with BAD_USER_INPUT`, async () => {
      for (const { field, arg, at } of queries) {
        const res = await gql(url, operation("query", field, "__typename"), variablesFor(field.args, arg, at, bad), {
          token,
        });
        expect(codes(res), `${field.name}(${[arg.name, ...at].join(".")})`).toEqual(["BAD_USER_INPUT"]);
      }
    });
  }

  it("checks arguments below the root and literals in the document too", async () => {
    const account = await register(url);
    const nested = await gql(
      url,
      `query($id: ID!, $after: String) { user(id: $id) { followers(after: $after) { totalCount } } }`,
      {
        id: account.id,
        after: "x\u0000",
      },
    );
    expect(codes(nested)).toEqual(["BAD_USER_INPUT"]);
    const literal = await gql(url, `{ search(query: "love\\u0000") { edges { score } } }`);
    expect(codes(literal)).toEqual(["BAD_USER_INPUT"]);
  });
});
