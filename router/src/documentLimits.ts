// Limits on the document itself, checked before GraphQL's own validation and long before query
// planning (ARCHITECTURE.md §8). Without them a small hostile document costs seconds: a chain of
// 3,000 fragments each spreading the next passes the depth, alias and field limits (it selects one
// `__typename`), yet the query planner takes ~2 s over it and a longer chain overflows the stack.
//   tokens        the source is lexed (not parsed) and refused past maxTokens: the parser and every
//                 validation rule after it then work on a bounded document
//   nesting       `{`, `(` and `[` open at once: the parser recurses once per level, so a deep
//                 nesting would overflow its stack before any rule could count depth
//   fragments     how many fragment definitions the document has
//   spread depth  the longest chain of fragment spreads (a spread inside a fragment spread inside …),
//                 which is what the planner's cost grows with
// Every walk here is iterative (an explicit stack), so no document can overflow it, and each stops
// at the first limit crossed.
import {
  type DocumentNode,
  GraphQLError,
  Kind,
  Lexer,
  type SelectionSetNode,
  Source,
  TokenKind,
  type ValidationContext,
  type ASTVisitor,
} from "graphql";

export interface DocumentLimits {
  maxTokens: number;
  maxNesting: number;
  maxFragments: number;
  maxSpreadDepth: number;
}

// The largest operations we know (Sandbox's introspection query, the backoffice's) are under 300
// tokens, 12 levels of nesting and a handful of fragments; the limits leave room for clients that
// compose many fragments (Relay) while keeping the worst document cheap to refuse and to plan
// (the README gives the measured worst case).
export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = {
  maxTokens: 5000,
  maxNesting: 128,
  maxFragments: 100,
  maxSpreadDepth: 10,
};

export const QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX";

function tooComplex(message: string, limit: string, max: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: QUERY_TOO_COMPLEX, limit, max, http: { status: 400 } },
  });
}

const OPENERS = new Set<string>([TokenKind.BRACE_L, TokenKind.PAREN_L, TokenKind.BRACKET_L]);
const CLOSERS = new Set<string>([TokenKind.BRACE_R, TokenKind.PAREN_R, TokenKind.BRACKET_R]);
const OPERATION_KEYWORDS = new Set(["query", "mutation", "subscription"]);

/** Which fragments each definition spreads, anywhere inside it: what fragment and spread limits count. */
interface SpreadGraph {
  /** Fragment name → the fragments it spreads. */
  fragments: Map<string, string[]>;
  /** Per operation, the fragments it spreads. */
  operations: string[][];
}

/**
 * Whether a chain of spreads is longer than max: an operation spreading F is 1; F spreading G makes
 * it 2, and so on. Each fragment's depth is computed once (memoized, post-order on an explicit
 * stack), and the walk stops at the first chain over the limit. A cycle is reported by GraphQL's
 * NoFragmentCycles rule and not followed here; a spread of an unknown fragment counts as 0.
 */
function spreadsTooDeep({ fragments, operations }: SpreadGraph, max: number): boolean {
  const depth = new Map<string, number>();
  const onPath = new Set<string>();
  for (const root of fragments.keys()) {
    if (depth.has(root)) continue;
    const stack: { name: string; next: number }[] = [{ name: root, next: 0 }];
    onPath.add(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const children = fragments.get(frame.name)!;
      if (frame.next < children.length) {
        const child = children[frame.next++]!;
        if (!fragments.has(child) || depth.has(child) || onPath.has(child)) continue;
        // The path itself is a spread chain: stop as soon as it is longer than allowed.
        if (stack.length >= max) return true;
        onPath.add(child);
        stack.push({ name: child, next: 0 });
        continue;
      }
      let deepest = 0;
      for (const child of children) deepest = Math.max(deepest, depth.get(child) ?? 0);
      if (deepest + 1 > max) return true;
      depth.set(frame.name, deepest + 1);
      onPath.delete(frame.name);
      stack.pop();
    }
  }
  return operations.some((spreads) => spreads.some((name) => (depth.get(name) ?? 0) > max));
}

function checkGraph(graph: SpreadGraph, limits: DocumentLimits): GraphQLError | undefined {
  if (graph.fragments.size > limits.maxFragments)
    return tooComplex(`Document defines more than ${limits.maxFragments} fragments.`, "fragments", limits.maxFragments);
  if (spreadsTooDeep(graph, limits.maxSpreadDepth))
    return tooComplex(
      `Document spreads fragments deeper than ${limits.maxSpreadDepth} levels.`,
      "spreadDepth",
      limits.maxSpreadDepth,
    );
  return undefined;
}

/**
 * Every limit, on the source, without parsing it: one pass of graphql's lexer counts tokens and
 * nesting and notes which fragments each definition spreads (at nesting 0 a definition starts,
 * `fragment <name>` or an operation; inside it, `...` followed by a name other than `on` is a
 * spread). The refusal, or undefined when within limits. A lexical error is left to the parser,
 * which reports it with its position.
 */
export function checkSource(source: string, limits: DocumentLimits): GraphQLError | undefined {
  const lexer = new Lexer(new Source(source));
  const graph: SpreadGraph = { fragments: new Map(), operations: [] };
  let spreads: string[] | undefined;
  let tokens = 0;
  let nesting = 0;
  let fragmentKeyword = false;
  let spread = false;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > limits.maxTokens)
        return tooComplex(`Document has more than ${limits.maxTokens} tokens.`, "tokens", limits.maxTokens);
      const { kind, value } = token;
      if (nesting === 0) {
        if (fragmentKeyword && kind === TokenKind.NAME) {
          spreads = [];
          graph.fragments.set(value, spreads);
          fragmentKeyword = false;
        } else if (kind === TokenKind.NAME && value === "fragment" && spreads === undefined) {
          fragmentKeyword = true;
        } else if (OPERATION_KEYWORDS.has(kind === TokenKind.NAME ? value : "") && spreads === undefined) {
          // `query Name($v: T) @d {`: the operation starts at its keyword.
          spreads = [];
          graph.operations.push(spreads);
        } else if (kind === TokenKind.BRACE_L && spreads === undefined) {
          // The `{ … }` shorthand.
          spreads = [];
          graph.operations.push(spreads);
        }
      } else if (spread && kind === TokenKind.NAME && value !== "on") spreads?.push(value);
      spread = kind === TokenKind.SPREAD;
      if (OPENERS.has(kind)) {
        if (++nesting > limits.maxNesting)
          return tooComplex(
            `Document nests brackets deeper than ${limits.maxNesting} levels.`,
            "nesting",
            limits.maxNesting,
          );
      } else if (CLOSERS.has(kind)) {
        nesting -= 1;
        // A definition ends when its braces close.
        if (nesting === 0 && kind === TokenKind.BRACE_R) spreads = undefined;
      }
    }
  } catch {
    return undefined;
  }
  return checkGraph(graph, limits);
}

/** The fragments a selection set spreads, anywhere inside it (fields' selections included). */
function spreadsIn(selectionSet: SelectionSetNode): string[] {
  const names: string[] = [];
  const stack: SelectionSetNode[] = [selectionSet];
  for (let set = stack.pop(); set; set = stack.pop()) {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) names.push(selection.name.value);
      else if (selection.selectionSet) stack.push(selection.selectionSet);
    }
  }
  return names;
}

/** The fragment and spread-depth limits on a parsed document (checkSource does the same on its source). */
export function checkDocument(document: DocumentNode, limits: DocumentLimits): GraphQLError | undefined {
  const graph: SpreadGraph = { fragments: new Map(), operations: [] };
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) graph.fragments.set(def.name.value, spreadsIn(def.selectionSet));
    else if (def.kind === Kind.OPERATION_DEFINITION) graph.operations.push(spreadsIn(def.selectionSet));
  }
  return checkGraph(graph, limits);
}

/**
 * checkDocument as a validation rule, for a transport that only validates. The router's HTTP
 * path checks before validation instead (pipeline.ts), so GraphQL's own rules never run on a
 * refused document.
 */
export function documentLimitsRule(limits: DocumentLimits) {
  return (context: ValidationContext): ASTVisitor => ({
    Document(document) {
      const error = checkDocument(document, limits);
      if (error) context.reportError(error);
      return false;
    },
  });
}
