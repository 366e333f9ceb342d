// What every subgraph needs to know about Prisma's errors.

/**
 * Whether an error is Prisma's unique-constraint violation (P2002) on a constraint that
 * mentions `column`: how "already taken" reaches us, race-free, from the database itself.
 */
export function isUniqueViolation(err: unknown, column: string): boolean {
  if (!err || typeof err !== "object" || (err as { code?: unknown }).code !== "P2002") return false;
  return JSON.stringify((err as { meta?: unknown }).meta ?? {}).includes(column);
}
