// Input rules at the boundary (ARCHITECTURE.md §9), with zod; failures become typed userErrors.
import { z } from "zod";
import { isUuid, parseInput as parseWith, type Parsed } from "@melodi/kit";
import type { UserErrorCode } from "./generated/graphql.ts";

/** Songs added in one call, items removed in one call. */
export const MAX_BATCH = 100;
/** Items one playlist may hold (as the big streaming services allow). */
export const MAX_PLAYLIST_ITEMS = 10_000;

const id = z.string().refine(isUuid, { error: "Not a valid id." });

export const rules = {
  title: z
    .string()
    .trim()
    .min(1, { error: "Title must not be empty." })
    .max(100, { error: "Title must be at most 100 characters." }),
  description: z.string().trim().max(300, { error: "Description must be at most 300 characters." }),
  id,
  ids: (label: string) =>
    z
      .array(id)
      .min(1, { error: `Give at least one ${label}.` })
      .max(MAX_BATCH, { error: `At most ${MAX_BATCH} ${label}s at once.` }),
  position: z.number().int().min(0, { error: "Position must be 0 or more." }),
};

function codeOf(issue: z.core.$ZodIssue): UserErrorCode {
  if (issue.code === "too_big") return issue.origin === "array" ? "TOO_MANY" : "TOO_LONG";
  if (issue.path.includes("position")) return "INVALID_POSITION";
  return "INVALID";
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Parsed<z.output<S>, UserErrorCode> {
  return parseWith(schema, input, codeOf);
}
