// Input rules at the boundary (ARCHITECTURE.md §9), with zod; failures become typed userErrors.
import type { z } from "zod";
import { parseInput as parseWith, type Parsed } from "@melodi/kit";
import type { UserErrorCode } from "./generated/graphql.ts";

function codeOf(issue: z.core.$ZodIssue): UserErrorCode {
  if (issue.code === "too_big") return "TOO_LONG";
  if (issue.path.includes("start") || issue.path.includes("end")) return "INVALID_TIME";
  return "INVALID";
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Parsed<z.output<S>, UserErrorCode> {
  return parseWith(schema, input, codeOf);
}
