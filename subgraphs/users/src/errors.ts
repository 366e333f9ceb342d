import { userError, type UserError } from "@melodi/kit";
export { isUniqueViolation } from "@melodi/kit";
import type { UserErrorCode } from "./generated/graphql.ts";

export type UsersUserError = UserError<UserErrorCode>;

/** A typed user error of this subgraph. */
export function fail(code: UserErrorCode, message: string, field?: string[]): UsersUserError {
  return userError(code, message, field);
}
