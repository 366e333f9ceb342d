// Demand control (ARCHITECTURE.md §8): the operation's cost is estimated before it is planned or
// sent anywhere, from the @cost and @listSize directives the subgraphs put on their schemas
// (Federation 2.9; composition carries them into the supergraph) and the slicing arguments the
// operation passes (`first`). The model is Apollo's static estimate, after the IBM cost spec:
//   - an operation costs its root fields, plus 10 for a mutation;
//   - a field returning an object, interface or union costs 1, a scalar or enum 0, unless @cost
//     on the field (or on its type) says otherwise; an input-object argument costs 1;
//   - a list costs its size times the cost of one item (the field's own cost plus its selection);
//     the size is the slicing argument's value (a literal, a variable, or the argument's default),
//     else @listSize's assumedSize, else the default list size. With `sizedFields` (connections),
//     that size applies to the named child lists (`edges`) instead of the field itself;
//   - fragments count as if inlined; on an abstract type, the costliest type's fragments count;
//   - introspection and `__typename` cost 0: the router answers them without a subgraph.
// Fields merged by name count once per occurrence, so the estimate errs high, never low.
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLSchema,
  isAbstractType,
  isCompositeType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  type FieldNode,
  type ValueNode,
  type DirectiveNode,
  valueFromASTUntyped,
} from "graphql";

export const COST_CODE = "COST_ESTIMATED_TOO_EXPENSIVE";

interface ListSize {
  assumedSize?: number;
  slicingArguments?: string[];
  sizedFields?: string[];
}

interface FieldCost {
  weight?: number;
  listSize?: ListSize;
  argumentWeights: Map<string, number>;
}

/** The cost directives of a supergraph, by `Type.field` and by type. */
export interface CostDirectives {
  fields: Map<string, FieldCost>;
  types: Map<string, number>;
}

export interface CostSettings {
  /** Operations estimated above this are refused. */
  maxCost: number;
  /** The size assumed for a list field with no @listSize. */
  defaultListSize: number;
}

export const DEFAULT_COST_SETTINGS: CostSettings = { maxCost: 10_000, defaultListSize: 10 };

function argument(directive: DirectiveNode, name: string): unknown {
  const arg = directive.arguments?.find((a) => a.name.value === name);
  return arg ? valueFromASTUntyped(arg.value) : undefined;
}

function weightOf(directives: readonly DirectiveNode[] | undefined): number | undefined {
  const cost = directives?.find((d) => d.name.value === "cost");
  const weight = cost ? Number(argument(cost, "weight")) : Number.NaN;
  return Number.isFinite(weight) ? weight : undefined;
}

/**
 * Reads @cost and @listSize from the supergraph SDL. The gateway's API schema drops directive
 * applications, so they are read from the source; the names are the cost spec's own, as
 * composition writes them.
 */
export function costDirectivesOf(supergraphSdl: string): CostDirectives {
  const fields = new Map<string, FieldCost>();
  const types = new Map<string, number>();
  for (const def of parse(supergraphSdl).definitions) {
    if (
      def.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      def.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      def.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      def.kind !== Kind.INTERFACE_TYPE_EXTENSION &&
      def.kind !== Kind.ENUM_TYPE_DEFINITION &&
      def.kind !== Kind.SCALAR_TYPE_DEFINITION
    )
      continue;
    const typeWeight = weightOf(def.directives);
    if (typeWeight !== undefined) types.set(def.name.value, typeWeight);
    if (!("fields" in def) || !def.fields) continue;
    for (const field of def.fields) {
      const listSize = field.directives?.find((d) => d.name.value === "listSize");
      const argumentWeights = new Map<string, number>();
      for (const arg of field.arguments ?? []) {
        const weight = weightOf(arg.directives);
        if (weight !== undefined) argumentWeights.set(arg.name.value, weight);
      }
      const weight = weightOf(field.directives);
      if (weight === undefined && !listSize && argumentWeights.size === 0) continue;
      fields.set(`${def.name.value}.${field.name.value}`, {
        weight,
        argumentWeights,
        listSize: listSize && {
          assumedSize: argument(listSize, "assumedSize") as number | undefined,
          slicingArguments: argument(listSize, "slicingArguments") as string[] | undefined,
          sizedFields: argument(listSize, "sizedFields") as string[] | undefined,
        },
      });
    }
  }
  return { fields, types };
}

interface Sized {
  fields: Set<string>;
  size: number;
}

/**
 * The estimated cost of one operation with its variables. Recursive over the selection, which is
 * safe because it runs only on documents that passed the document limits and validation (depth,
 * fields and spread depth bounded: documentLimits.ts, queryLimits.ts).
 */
export function estimateCost(
  schema: GraphQLSchema,
  directives: CostDirectives,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  defaultListSize: number,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const variableDefaults = new Map<string, ValueNode>();
  for (const v of operation.variableDefinitions ?? [])
    if (v.defaultValue) variableDefaults.set(v.variable.name.value, v.defaultValue);

  const argumentValue = (node: ValueNode): unknown => {
    if (node.kind !== Kind.VARIABLE) return valueFromASTUntyped(node, variables);
    const name = node.name.value;
    if (variables && variables[name] !== undefined) return variables[name];
    const fallback = variableDefaults.get(name);
    return fallback ? valueFromASTUntyped(fallback) : undefined;
  };

  /** A list's size from its slicing arguments (given, else their defaults), else its assumed size. */
  const sizeOf = (node: FieldNode, listSize: ListSize | undefined, defaults: Map<string, unknown>): number => {
    let size: number | undefined;
    for (const name of listSize?.slicingArguments ?? []) {
      const given = node.arguments?.find((a) => a.name.value === name);
      const value = Number(given ? argumentValue(given.value) : defaults.get(name));
      if (Number.isFinite(value) && value >= 0) size = Math.max(size ?? 0, value);
    }
    return size ?? listSize?.assumedSize ?? defaultListSize;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLNamedType, sized: Sized | undefined): number => {
    const name = node.name.value;
    const def =
      name.startsWith("__") || !(isObjectType(parent) || isInterfaceType(parent))
        ? undefined
        : parent.getFields()[name];
    if (!def) return 0;
    const named = getNamedType(def.type);
    const info = directives.fields.get(`${parent.name}.${name}`);
    const weight = info?.weight ?? directives.types.get(named.name) ?? (isCompositeType(named) ? 1 : 0);
    let argumentsCost = 0;
    for (const arg of node.arguments ?? []) {
      const argDef = def.args.find((a) => a.name === arg.name.value);
      argumentsCost +=
        info?.argumentWeights.get(arg.name.value) ?? (argDef && isInputObjectType(getNamedType(argDef.type)) ? 1 : 0);
    }
    const defaults = new Map(def.args.map((a) => [a.name, a.defaultValue]));
    const sizesChildren = info?.listSize?.sizedFields?.length;
    const childSized = sizesChildren
      ? { fields: new Set(info!.listSize!.sizedFields), size: sizeOf(node, info!.listSize, defaults) }
      : undefined;
    const selection = node.selectionSet ? selectionCost(node.selectionSet, named, childSized) : 0;
    if (!isListType(getNullableType(def.type))) return weight + selection + argumentsCost;
    const size = sized?.fields.has(name)
      ? sized.size
      : sizesChildren
        ? defaultListSize
        : sizeOf(node, info?.listSize, defaults);
    return size * (weight + selection) + argumentsCost;
  };

  const selectionCost = (set: SelectionSetNode, parent: GraphQLNamedType, sized: Sized | undefined): number => {
    let always = 0;
    const byType = new Map<string, number>();
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        always += fieldCost(selection, parent, sized);
        continue;
      }
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
      if (!fragment) continue;
      const condition = fragment.typeCondition?.name.value ?? parent.name;
      const cost = selectionCost(fragment.selectionSet, schema.getType(condition) ?? parent, sized);
      // On an abstract type only one concrete type's fragments apply to each item: count the costliest.
      if (condition === parent.name || !isAbstractType(parent)) always += cost;
      else byType.set(condition, (byType.get(condition) ?? 0) + cost);
    }
    return always + Math.max(0, ...byType.values());
  };

  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  return (operation.operation === "mutation" ? 10 : 0) + selectionCost(operation.selectionSet, root, undefined);
}

export function costTooHigh(estimated: number, max: number): GraphQLError {
  return new GraphQLError(`Operation's estimated cost ${estimated} is over the limit of ${max}.`, {
    extensions: { code: COST_CODE, cost: { estimated, max }, http: { status: 400 } },
  });
}
