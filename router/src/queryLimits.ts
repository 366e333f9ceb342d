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

function measure(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  depth: number,
  seen: Set<string>,
  tally: Tally,
  limits: QueryLimits,
): void {
  tally.depth = Math.max(tally.depth, depth);
  // Stop walking as soon as any limit is exceeded: the walk itself must stay cheap.
  if (tally.depth > limits.maxDepth || tally.fields > limits.maxFields || tally.aliases > limits.maxAliases) return;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      tally.fields += 1;
      if (selection.alias) tally.aliases += 1;
      if (selection.selectionSet) measure(selection.selectionSet, fragments, depth + 1, seen, tally, limits);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      measure(selection.selectionSet, fragments, depth, seen, tally, limits);
    } else {
      const fragment = fragments.get(selection.name.value);
      // A fragment cycle is reported by the standard rules; here it is just not followed.
      if (!fragment || seen.has(fragment.name.value)) continue;
      seen.add(fragment.name.value);
      measure(fragment.selectionSet, fragments, depth, seen, tally, limits);
      seen.delete(fragment.name.value);
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
        measure(def.selectionSet, fragments, 1, new Set(), tally, limits);
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
