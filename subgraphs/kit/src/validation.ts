// Input validated at the boundary with zod (ARCHITECTURE.md §9): a failed rule becomes a userError
// whose field path starts at `input` and whose code each subgraph chooses from the issue.
import type { z } from "zod";
import { userError, type UserError } from "./userErrors.ts";

export type Parsed<T, C extends string> = { ok: true; value: T } | { ok: false; userErrors: UserError<C>[] };

export function parseInput<S extends z.ZodType, C extends string>(
  schema: S,
  input: unknown,
  codeOf: (issue: z.core.$ZodIssue) => C,
): Parsed<z.output<S>, C> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    userErrors: result.error.issues.map((issue) =>
      userError(codeOf(issue), issue.message, ["input", ...issue.path.map(String)]),
    ),
  };
}
