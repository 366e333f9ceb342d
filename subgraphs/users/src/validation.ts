// Input rules at the boundary (ARCHITECTURE.md §9), with zod. A failed rule becomes a `userError`
// whose code says what to fix; nothing invalid reaches the database.
import { z } from "zod";
import { parseInput as parseWith, type Parsed } from "@melodi/kit";
import type { UserErrorCode } from "./generated/graphql.ts";

export const LIMITS = {
  emailMax: 254,
  passwordMin: 10,
  passwordMax: 200,
  handleMin: 3,
  handleMax: 30,
  displayNameMax: 80,
  bioMax: 500,
  avatarUrlMax: 2048,
} as const;

export const email = z
  .string()
  .trim()
  .max(LIMITS.emailMax, { error: `Email must be at most ${LIMITS.emailMax} characters.` })
  .pipe(z.email({ error: "Email address is not valid." }))
  .transform((s) => s.toLowerCase());

/** Length plus a little variety; the KDF does the rest. */
export const password = z
  .string()
  .min(LIMITS.passwordMin, { error: `Password must be at least ${LIMITS.passwordMin} characters.` })
  .max(LIMITS.passwordMax, { error: `Password must be at most ${LIMITS.passwordMax} characters.` })
  .refine((s) => new Set(s).size >= 5, { error: "Password is too simple: use more different characters." });

/** URL-safe: letters, digits, underscore, dot and dash; starts with a letter or digit. */
export const handle = z
  .string()
  .trim()
  .min(LIMITS.handleMin, { error: `Handle must be at least ${LIMITS.handleMin} characters.` })
  .max(LIMITS.handleMax, { error: `Handle must be at most ${LIMITS.handleMax} characters.` })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
    error: "Handle may contain only letters, digits, '_', '.' and '-', and must start with a letter or digit.",
  });

export const displayName = z
  .string()
  .trim()
  .min(1, { error: "Display name must not be empty." })
  .max(LIMITS.displayNameMax, { error: `Display name must be at most ${LIMITS.displayNameMax} characters.` });

export const bio = z
  .string()
  .trim()
  .max(LIMITS.bioMax, { error: `Bio must be at most ${LIMITS.bioMax} characters.` });

export const avatarUrl = z
  .string()
  .trim()
  .max(LIMITS.avatarUrlMax, { error: `Avatar URL must be at most ${LIMITS.avatarUrlMax} characters.` })
  .pipe(z.url({ protocol: /^https?$/, error: "Avatar URL must be an http(s) URL." }));

/** The code for a failed rule: specific to the field where that says more than the rule. */
const FORMAT_CODES: Record<string, UserErrorCode> = {
  email: "INVALID_EMAIL",
  handle: "INVALID_HANDLE",
  password: "WEAK_PASSWORD",
  newPassword: "WEAK_PASSWORD",
  avatarUrl: "INVALID_URL",
};

function codeOf(issue: z.core.$ZodIssue): UserErrorCode {
  const field = String(issue.path.at(-1) ?? "");
  if (issue.code === "too_big") return "TOO_LONG";
  if (issue.code === "too_small") return field in FORMAT_CODES ? FORMAT_CODES[field]! : "TOO_SHORT";
  return FORMAT_CODES[field] ?? "INVALID";
}

/** Parses `input` with `schema`; failures become userErrors with this subgraph's codes. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Parsed<z.output<S>, UserErrorCode> {
  return parseWith(schema, input, codeOf);
}
