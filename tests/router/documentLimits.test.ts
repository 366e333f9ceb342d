// The document limits (router/src/documentLimits.ts) as units: what each refuses and what it lets
// through, on documents far larger than any client sends. Timings are loose bounds, not benchmarks.
import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { checkDocument, checkSource, DEFAULT_DOCUMENT_LIMITS } from "../../router/src/documentLimits.ts";
import { fragmentChain, fragmentFanOut } from "../support/hostile.ts";

const limits = DEFAULT_DOCUMENT_LIMITS;

const limitOf = (error: { extensions: Record<string, unknown> } | undefined) => error?.extensions.limit;

describe("document limits", () => {
  it("count tokens and nesting without parsing", () => {
    expect(checkSource(`{ me { id } }`, limits)).toBeUndefined();
    const wide = `{ ${Array.from({ length: 6000 }, () => "__typename").join(" ")} }`;
    expect(limitOf(checkSource(wide, limits))).toBe("tokens");
    // Nesting that would overflow graphql's recursive parser is refused before it runs.
    const deepList = `{ f(a: ${"[".repeat(50_000)}${"]".repeat(50_000)}) }`;
    expect(() => parse(deepList)).toThrow(/call stack/);
    expect(limitOf(checkSource(deepList, { ...limits, maxTokens: 1_000_000 }))).toBe("nesting");
    const error = checkSource(wide, limits)!;
    expect(error.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", max: 5000, http: { status: 400 } });
    // A lexical error is the parser's to report, with its position.
    expect(checkSource(`{ me(x: "unterminated) }`, limits)).toBeUndefined();
  });

  it("read fragments and spreads from the source as the parser would", () => {
    const documents = [
      fragmentChain(limits.maxSpreadDepth - 1),
      fragmentChain(limits.maxSpreadDepth),
      fragmentChain(500, true),
      fragmentFanOut(12, 2),
      // Named operations with variables, directives and inline fragments; a field named `fragment`.
      `query Q($id: ID! = "x") @a { ...A fragment: me { ... on User { ...B } } }
       mutation M { ...C } fragment A on Query { ...B } fragment B on Query { ...C } fragment C on Query { __typename }`,
      `{ ...A } fragment A on Query @d(x: { y: [1] }) { ... @include(if: true) { ...B } } fragment B on Query { ...A }`,
    ];
    for (const document of documents) {
      for (const maxSpreadDepth of [1, 2, 3, 10]) {
        const strict = { ...limits, maxSpreadDepth };
        expect(limitOf(checkSource(document, strict))).toBe(limitOf(checkDocument(parse(document), strict)));
      }
    }
  });

  it("count fragments and the longest spread chain, through fields and inline fragments", () => {
    expect(checkDocument(parse(fragmentChain(limits.maxSpreadDepth - 1)), limits)).toBeUndefined();
    expect(limitOf(checkDocument(parse(fragmentChain(limits.maxSpreadDepth)), limits))).toBe("spreadDepth");
    const nested = `{ ...A } fragment A on Query { me { ...B } } fragment B on User { ... on User { ...C } } fragment C on User { id }`;
    expect(checkDocument(parse(nested), { ...limits, maxSpreadDepth: 3 })).toBeUndefined();
    expect(limitOf(checkDocument(parse(nested), { ...limits, maxSpreadDepth: 2 }))).toBe("spreadDepth");
    const many = `{ ${Array.from({ length: 101 }, (_, i) => `...F${i}`).join(" ")} } ${Array.from({ length: 101 }, (_, i) => `fragment F${i} on Query { __typename }`).join(" ")}`;
    expect(limitOf(checkDocument(parse(many), limits))).toBe("fragments");
    // A cycle is the standard rules' to report; here it is neither followed forever nor refused.
    expect(
      checkDocument(parse(`{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`), limits),
    ).toBeUndefined();
  });

  it("walk a chain of 20,000 fragments without recursion, refusing it at once", () => {
    const huge = parse(fragmentChain(20_000));
    const unlimited = { ...limits, maxFragments: Number.POSITIVE_INFINITY };
    const started = performance.now();
    expect(limitOf(checkDocument(huge, unlimited))).toBe("spreadDepth");
    // A loose bound: the walk stops at the first chain longer than the limit.
    expect(performance.now() - started).toBeLessThan(500);
    // Even followed to the end, the walk keeps its stack on the heap.
    expect(checkDocument(huge, { ...unlimited, maxSpreadDepth: Number.POSITIVE_INFINITY })).toBeUndefined();
  });

  it("lets a wide fan-out of one fragment through (the field limit is what counts it)", () => {
    // Each level spreads the next 3 times: 3^8 expansions, yet 9 fragments and a chain of 9.
    expect(checkDocument(parse(fragmentFanOut(8, 3)), limits)).toBeUndefined();
  });
});
