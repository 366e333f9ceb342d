import { userError, type UserError } from "@melodi/kit";
import type { UserErrorCode } from "./generated/graphql.ts";

export type UsersUserError = UserError<UserErrorCode>;

/** A typed user error of this subgraph. */
export function fail(code: UserErrorCode, message: string, field?: string[]): UsersUserError {
  return userError(code, message, field);
}

/** Whether a Prisma error is a unique-constraint violation on the given column. */
export function isUniqueViolation(err: unknown, column: string): boolean {
  if (!err || typeof err !== "object" || (err as { code?: unknown }).code !== "P2002") return false;
  const meta = (err as { meta?: Record<string, unknown> }).meta ?? {};
  return JSON.stringify(meta).includes(column);
}
