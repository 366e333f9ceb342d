// Expected failures of a mutation, returned in its payload as `userErrors` (ARCHITECTURE.md §9).
export interface UserError<C extends string = string> {
  field: string[] | null;
  message: string;
  code: C;
}

export function userError<C extends string>(code: C, message: string, field?: string[]): UserError<C> {
  return { code, message, field: field ?? null };
}

/** Thrown inside a transaction to roll it back and answer with user errors. */
export class UserErrorsAbort<C extends string = string> extends Error {
  readonly userErrors: UserError<C>[];
  constructor(userErrors: UserError<C>[]) {
    super("user errors");
    this.userErrors = userErrors;
  }
}
