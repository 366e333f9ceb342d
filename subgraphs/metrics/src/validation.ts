// Input rules at the boundary (ARCHITECTURE.md §9), with zod; failures become typed userErrors.
import type { z } from "zod";
import { badUserInput, parseInput as parseWith, type Parsed } from "@melodi/kit";
import type { UserErrorCode } from "./generated/graphql.ts";

export function codeOf(issue: z.core.$ZodIssue): UserErrorCode {
  if (issue.code === "too_big")
    return issue.origin === "array" ? "TOO_MANY" : issue.origin === "string" ? "TOO_LONG" : "INVALID";
  if (issue.path.includes("positionMs")) return "INVALID_POSITION";
  if (issue.path.includes("at")) return "INVALID_TIME";
  return "INVALID";
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Parsed<z.output<S>, UserErrorCode> {
  return parseWith(schema, input, codeOf);
}

/** A whole-number argument from 1 to `max` (its default when not given), or BAD_USER_INPUT. */
export function inRange(value: number | null | undefined, fallback: number, max: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) throw badUserInput(`${name} must be from 1 to ${max}.`, name);
  return n;
}
