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

function toCalendarDate(value: unknown): Date {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const date = new Date(`${value}T00:00:00Z`);
    if (!Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)) return date;
  }
  throw badUserInput("Date must be a calendar date as YYYY-MM-DD.");
}

/** Calendar dates (release dates), as YYYY-MM-DD. */
export const CalendarDate = new GraphQLScalarType({
  name: "Date",
  serialize: (value) => toCalendarDate(value).toISOString().slice(0, 10),
  parseValue: toCalendarDate,
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? toCalendarDate(ast.value) : toCalendarDate(null)),
});
