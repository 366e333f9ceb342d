// Input rules at the boundary (ARCHITECTURE.md §9), with zod; failures become typed userErrors.
import { z } from "zod";
import { isUuid, parseInput as parseWith, type Parsed } from "@melodi/kit";
import type { UserErrorCode } from "./generated/graphql.ts";

const text = (label: string, max: number, min = 1) =>
  z
    .string()
    .trim()
    .min(min, { error: min === 1 ? `${label} must not be empty.` : `${label} must be at least ${min} characters.` })
    .max(max, { error: `${label} must be at most ${max} characters.` });

export const rules = {
  name: text("Name", 120),
  title: text("Title", 200),
  slug: z
    .string()
    .trim()
    .max(80, { error: "Slug must be at most 80 characters." })
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, {
      error: "Slug may contain only lower-case letters, digits and single dashes.",
    }),
  url: z
    .string()
    .trim()
    .max(2048, { error: "URL must be at most 2048 characters." })
    .pipe(z.url({ protocol: /^https?$/, error: "Must be an http(s) URL." })),
  biography: z.string().trim().max(5000, { error: "Biography must be at most 5000 characters." }),
  caption: z.string().trim().max(200, { error: "Caption must be at most 200 characters." }),
  note: z.string().trim().max(280, { error: "Note must be at most 280 characters." }),
  durationMs: z
    .number()
    .int()
    .min(1000, { error: "Duration must be at least 1 second." })
    .max(7_200_000, { error: "Duration must be at most 2 hours." }),
  discNumber: z
    .number()
    .int()
    .min(1, { error: "Disc number must be at least 1." })
    .max(20, { error: "Disc number must be at most 20." }),
  trackNumber: z
    .number()
    .int()
    .min(1, { error: "Track number must be at least 1." })
    .max(200, { error: "Track number must be at most 200." }),
  id: z.string().refine(isUuid, { error: "Not a valid id." }),
  genreSlugs: z.array(z.string().max(60)).max(10, { error: "At most 10 genres." }),
  artistIds: z.array(z.string().refine(isUuid, { error: "Not a valid id." })).max(10, { error: "At most 10 artists." }),
};

const FIELD_CODES: Record<string, UserErrorCode> = {
  slug: "INVALID_SLUG",
  imageUrl: "INVALID_URL",
  coverUrl: "INVALID_URL",
  url: "INVALID_URL",
};

function codeOf(issue: z.core.$ZodIssue): UserErrorCode {
  const field = String(issue.path.findLast((p) => typeof p === "string") ?? "");
  if (issue.code === "too_big") return issue.origin === "array" ? "TOO_MANY" : "TOO_LONG";
  if (issue.code === "too_small") return issue.origin === "string" ? "TOO_SHORT" : "INVALID";
  return FIELD_CODES[field] ?? "INVALID";
}

/** Parses `input` with `schema`; failures become userErrors with this subgraph's codes. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Parsed<z.output<S>, UserErrorCode> {
  return parseWith(schema, input, codeOf);
}
