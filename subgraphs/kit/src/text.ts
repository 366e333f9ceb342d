// Text that cannot be stored is refused at the boundary, once, for every subgraph: a NUL byte
// (Postgres text cannot hold U+0000; the driver's error would be an INTERNAL_SERVER_ERROR) and
// invalid Unicode (an unpaired surrogate, which JSON's \uD800 escapes let a client send and which
// no UTF-8 column can hold). buildSubgraph wraps the resolvers of every field that takes
// arguments, so no resolver or zod schema has to remember it (ARCHITECTURE.md §9):
//   - a mutation's `input` answers its payload with a userError INVALID on the offending field;
//   - any other argument (search query, filters, handles, slugs, cursors) is BAD_USER_INPUT.
import {
  defaultFieldResolver,
  type GraphQLEnumType,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLInputObjectType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from "graphql";
import { badUserInput } from "./errors.ts";
import { userError } from "./userErrors.ts";

/** What is wrong with a string, or null when it can be stored. */
export function textProblem(value: string): string | null {
  if (value.includes("\u0000")) return "must not contain NUL characters (U+0000)";
  if (!value.isWellFormed()) return "must be valid Unicode text (it holds an unpaired surrogate)";
  return null;
}

export interface BadText {
  /** Where the string is, from the value given (object keys and list indexes). */
  path: string[];
  problem: string;
}

/** The first string inside `value` (through objects and lists) that cannot be stored. */
export function findBadText(value: unknown, path: string[] = []): BadText | null {
  if (typeof value === "string") {
    const problem = textProblem(value);
    return problem ? { path, problem } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findBadText(value[i], [...path, String(i)]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const found = findBadText(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

// Types are told apart by their tag, not instanceof: @apollo/subgraph loads graphql's CommonJS
// build and this file may get its ES module build, two copies of every class.
type AnyType = { name?: string; ofType?: AnyType; [Symbol.toStringTag]: string };
const tag = (type: unknown) => (type as AnyType)[Symbol.toStringTag];
const unwrap = (type: unknown): AnyType => {
  const t = type as AnyType;
  return tag(t) === "GraphQLNonNull" || tag(t) === "GraphQLList" ? unwrap(t.ofType) : t;
};

/** Whether a value of this input type can hold a string (enums, numbers and booleans cannot). */
function holdsText(type: unknown, seen = new Set<string>()): boolean {
  const named = unwrap(type);
  if (tag(named) === "GraphQLScalarType") return !["Int", "Float", "Boolean"].includes(named.name ?? "");
  if (tag(named) === "GraphQLInputObjectType") {
    if (seen.has(named.name!)) return false;
    seen.add(named.name!);
    return Object.values((named as unknown as GraphQLInputObjectType).getFields()).some((field) =>
      holdsText(field.type, seen),
    );
  }
  return false;
}

/**
 * A mutation whose `input` may hold text must be able to answer with userErrors alone: a payload
 * with `userErrors` and every other field nullable. Checked when the schema is built, so a new
 * mutation that breaks the convention fails at start, not on the first bad byte.
 */
function assertPayloadTakesUserErrors(schema: GraphQLSchema, field: GraphQLField<unknown, unknown>): void {
  const payload = unwrap(field.type);
  const codes = schema.getType("UserErrorCode");
  const where = `Mutation.${field.name}`;
  if (tag(codes) !== "GraphQLEnumType" || !(codes as GraphQLEnumType).getValue("INVALID"))
    throw new Error(`${where}: the subgraph's UserErrorCode needs the value INVALID (kit text.ts).`);
  const fields = tag(payload) === "GraphQLObjectType" ? (payload as unknown as GraphQLObjectType).getFields() : {};
  if (!fields.userErrors)
    throw new Error(`${where}: takes text in \`input\`, so its payload needs \`userErrors\` (kit text.ts).`);
  for (const [name, payloadField] of Object.entries(fields))
    if (name !== "userErrors" && tag(payloadField.type) === "GraphQLNonNull")
      throw new Error(
        `${where}: ${payload.name}.${name} must be nullable to answer with userErrors alone (kit text.ts).`,
      );
}

/** Wraps the resolvers of every field with text arguments in `schema` (in place) with the check. */
export function refuseBadText(schema: GraphQLSchema): GraphQLSchema {
  const mutation = schema.getMutationType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (tag(type) !== "GraphQLObjectType" || type.name.startsWith("__")) continue;
    for (const field of Object.values((type as GraphQLObjectType).getFields())) {
      // Entity representations are the router's, made from keys this subgraph stored.
      if (type === schema.getQueryType() && field.name === "_entities") continue;
      const textArgs = field.args.filter((arg) => holdsText(arg.type)).map((arg) => arg.name);
      if (textArgs.length === 0) continue;
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      const payloadInput = type === mutation && textArgs.includes("input");
      if (payloadInput) assertPayloadTakesUserErrors(schema, field);
      field.resolve = (source, args: Record<string, unknown>, context, info) => {
        for (const name of textArgs) {
          const bad = findBadText(args[name]);
          if (!bad) continue;
          if (payloadInput && name === "input") {
            const at = ["input", ...bad.path];
            return { userErrors: [userError("INVALID", `${at.join(".")} ${bad.problem}.`, at)] };
          }
          throw badUserInput(`${[name, ...bad.path].join(".")} ${bad.problem}.`, name);
        }
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}
