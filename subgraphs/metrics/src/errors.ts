import { userError, type UserError } from "@melodi/kit";
import type { UserErrorCode } from "./generated/graphql.ts";

/** A typed user error of this subgraph. */
export function fail(code: UserErrorCode, message: string, field?: string[]): UserError<UserErrorCode> {
  return userError(code, message, field);
}
