// The types every subgraph shares (kit/src/shared.graphql): defined once, in the kit, and yet
// in every subgraph's served schema, in the SDL composition reads, and in the supergraph.
import { readFileSync } from "node:fs";
import path from "node:path";
import { assertEnumType, buildASTSchema, parse, type DefinitionNode } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subgraphNames } from "@melodi/kit";
import { subgraphSdl } from "../../scripts/subgraphs.ts";
import { gql } from "../support/graphql.ts";
import { ROOT, startStack, type Stack } from "../support/stack.ts";

const SHARED = ["PageInfo", "UserError"];
const named = (defs: readonly DefinitionNode[], name: string) =>
  defs.filter((d) => "name" in d && d.name?.value === name);

describe("shared SDL", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ catalog: true });
  });
  afterAll(() => stack?.stop());

  it("is served by every subgraph, each with its own UserErrorCode", async () => {
    for (const [service, own, other] of [
      [stack.users, "EMAIL_TAKEN", "SLUG_TAKEN"],
      [stack.catalog!, "SLUG_TAKEN", "EMAIL_TAKEN"],
    ] as const) {
      const res = await gql(service.url, `{ _service { sdl } }`);
      const defs = parse(res.data._service.sdl).definitions;
      for (const type of SHARED) expect(named(defs, type), type).toHaveLength(1);
      const codes = named(defs, "UserErrorCode").flatMap((d) =>
        "values" in d ? (d.values ?? []).map((v) => v.name.value) : [],
      );
      expect(codes).toContain(own);
      expect(codes).not.toContain(other);
    }
  });

  it("is in the SDL composition reads, once, and in no subgraph's own files", () => {
    for (const name of subgraphNames()) {
      const defs = parse(subgraphSdl(name)).definitions;
      for (const type of SHARED) expect(named(defs, type), `${name} ${type}`).toHaveLength(1);
      const own = readFileSync(path.join(ROOT, "subgraphs", name, "src/schema.graphql"), "utf8");
      for (const type of SHARED) expect(own, `${name}'s schema.graphql`).not.toMatch(new RegExp(`type ${type}\\b`));
    }
  });

  it("reaches the supergraph with every subgraph's error codes", () => {
    const supergraph = buildASTSchema(parse(readFileSync(path.join(ROOT, "schema/supergraph.graphql"), "utf8")), {
      assumeValidSDL: true,
    });
    expect(supergraph.getType("PageInfo")).toBeDefined();
    const codes = assertEnumType(supergraph.getType("UserErrorCode"))
      .getValues()
      .map((v) => v.name);
    expect(codes).toEqual(expect.arrayContaining(["EMAIL_TAKEN", "SLUG_TAKEN"]));
  });
});
