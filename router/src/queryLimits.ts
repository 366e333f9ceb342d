// Hostile-query limits, checked at validation, before any planning or subgraph call: nesting
// depth, aliases, and fields selected (with fragments expanded). Introspection fields count too;
// Sandbox's introspection query fits comfortably within the defaults.
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxFields: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 15, maxAliases: 30, maxFields: 1500 };

interface Tally {
  depth: number;
  aliases: number;
  fields: number;
}

// Iterative (an explicit stack), so no document can overflow it: a spread is followed through its
// fragment as if inlined. A spread chain longer than the number of fragments can only be a cycle
// (reported by the standard rules), and is not followed.
function measure(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  tally: Tally,
  limits: QueryLimits,
): void {
  const stack: { set: SelectionSetNode; depth: number; spreads: number }[] = [
    { set: selectionSet, depth: 1, spreads: 0 },
  ];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const { set, depth, spreads } = frame;
    tally.depth = Math.max(tally.depth, depth);
    for (const selection of set.selections) {
      // Stop walking as soon as any limit is exceeded: the walk itself must stay cheap.
      if (tally.depth > limits.maxDepth || tally.fields > limits.maxFields || tally.aliases > limits.maxAliases) return;
      if (selection.kind === Kind.FIELD) {
        tally.fields += 1;
        if (selection.alias) tally.aliases += 1;
        if (selection.selectionSet) stack.push({ set: selection.selectionSet, depth: depth + 1, spreads });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        stack.push({ set: selection.selectionSet, depth, spreads });
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment && spreads < fragments.size)
          stack.push({ set: fragment.selectionSet, depth, spreads: spreads + 1 });
      }
    }
  }
}

export function queryLimitsRule(limits: QueryLimits) {
  return (context: ValidationContext): ASTVisitor => ({
    Document(document) {
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const def of document.definitions)
        if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
      for (const def of document.definitions) {
        if (def.kind !== Kind.OPERATION_DEFINITION) continue;
        const tally: Tally = { depth: 0, aliases: 0, fields: 0 };
        measure(def.selectionSet, fragments, tally, limits);
        const report = (message: string) =>
          context.reportError(new GraphQLError(message, { nodes: [def], extensions: { code: "QUERY_TOO_COMPLEX" } }));
        if (tally.depth > limits.maxDepth) report(`Query is nested deeper than ${limits.maxDepth} levels.`);
        if (tally.aliases > limits.maxAliases) report(`Query uses more than ${limits.maxAliases} aliases.`);
        if (tally.fields > limits.maxFields) report(`Query selects more than ${limits.maxFields} fields.`);
      }
      return false;
    },
  });
}
