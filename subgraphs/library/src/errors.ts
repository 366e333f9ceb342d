import { userError, type UserError } from "@melodi/kit";
import type { UserErrorCode } from "./generated/graphql.ts";

export type LibraryUserError = UserError<UserErrorCode>;

/** A typed user error of this subgraph. */
export function fail(code: UserErrorCode, message: string, field?: string[]): LibraryUserError {
  return userError(code, message, field);
}
