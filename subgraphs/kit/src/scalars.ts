import { GraphQLScalarType, Kind } from "graphql";
import { badUserInput } from "./errors.ts";

function toDate(value: unknown): Date {
  const date = value instanceof Date ? value : typeof value === "string" ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) throw badUserInput("DateTime must be an ISO-8601 string.");
  return date;
}

/** ISO-8601 instants in UTC. */
export const DateTime = new GraphQLScalarType({
  name: "DateTime",
  serialize: (value) => toDate(value).toISOString(),
  parseValue: toDate,
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? toDate(ast.value) : toDate(null)),
});
