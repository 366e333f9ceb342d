// Sign-in sessions: a session is one device's sign-in, holding a chain of refresh tokens that
// each work once (ARCHITECTURE.md §4). Revoking records the revocation with the change
// (revocations.ts) and then writes it to Redis, so access tokens already handed out stop working
// at once rather than when they expire.
import type { Db, Prisma, UserRow } from "../db.ts";
import type { Revocations } from "./revocations.ts";
import { hashRefreshToken, newRefreshToken, signAccessToken, type SigningKey } from "./tokens.ts";

type Tx = Prisma.TransactionClient;

export interface AuthSessionModel {
  /** The session the tokens belong to (not in the API: the payload's viewer is made from it). */
  sessionId: string;
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

async function issue(tx: Tx, key: SigningKey, user: UserRow, sessionId: string): Promise<AuthSessionModel> {
  const refresh = newRefreshToken();
  await tx.refreshToken.create({ data: { sessionId, tokenHash: refresh.hash, expiresAt: refresh.expiresAt } });
  const access = signAccessToken(key, { userId: user.id, role: user.role, sessionId, tokenVersion: user.tokenVersion });
  return {
    sessionId,
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken: refresh.token,
    refreshTokenExpiresAt: refresh.expiresAt,
  };
}

export async function startSession(
  tx: Tx,
  key: SigningKey,
  user: UserRow,
  userAgent: string | undefined,
): Promise<AuthSessionModel> {
  const session = await tx.session.create({ data: { userId: user.id, userAgent: userAgent?.slice(0, 512) ?? null } });
  return issue(tx, key, user, session.id);
}

export type RefreshOutcome =
  | { ok: true; session: AuthSessionModel }
  | { ok: false; reason: "invalid" | "reused" | "blocked" };

export async function refreshSession(
  db: Db,
  revocations: Revocations,
  key: SigningKey,
  token: string,
): Promise<RefreshOutcome> {
  const found = await db.refreshToken.findUnique({
    where: { tokenHash: hashRefreshToken(token) },
    include: { session: { include: { user: true } } },
  });
  if (!found || found.session.revokedAt || found.expiresAt <= new Date()) return { ok: false, reason: "invalid" };
  if (found.session.user.blockedAt) return { ok: false, reason: "blocked" };

  const outcome = await db.$transaction(async (tx) => {
    // Conditional update: of two concurrent uses of one token, exactly one wins.
    const claimed = await tx.refreshToken.updateMany({
      where: { id: found.id, usedAt: null },
      data: { usedAt: new Date() },
    });
    if (claimed.count === 0) return null;
    await tx.session.update({ where: { id: found.sessionId }, data: { lastUsedAt: new Date() } });
    return issue(tx, key, found.session.user, found.sessionId);
  });
  if (outcome) return { ok: true, session: outcome };

  // The token was already used: someone holds a copy. End the whole session for both.
  await db.$transaction(async (tx) => {
    await tx.session.update({ where: { id: found.sessionId }, data: { revokedAt: new Date() } });
    await revocations.record(tx, { sessionId: found.sessionId });
  });
  await revocations.publish({ sessionId: found.sessionId });
  return { ok: false, reason: "reused" };
}

/** Signs out one session; returns how many were still active (0 or 1). */
export async function endSession(db: Db, revocations: Revocations, sessionId: string): Promise<number> {
  const count = await db.$transaction(async (tx) => {
    const { count } = await tx.session.updateMany({
      where: { id: sessionId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    await revocations.record(tx, { sessionId });
    return count;
  });
  await revocations.publish({ sessionId });
  return count;
}

/**
 * Signs out every session of a user and kills every access token they hold, by bumping the
 * token version. Runs inside the caller's transaction; call `publishRevocation` after commit.
 */
export async function endAllSessions(
  tx: Tx,
  revocations: Revocations,
  userId: string,
  data: Prisma.UserUpdateInput = {},
): Promise<{ count: number; user: UserRow }> {
  const { count } = await tx.session.updateMany({
    where: { userId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  const user = await tx.user.update({ where: { id: userId }, data: { ...data, tokenVersion: { increment: 1 } } });
  await revocations.record(tx, { userId, tokenVersion: user.tokenVersion });
  return { count, user };
}

export async function publishRevocation(
  revocations: Revocations,
  user: Pick<UserRow, "id" | "tokenVersion">,
): Promise<void> {
  await revocations.publish({ userId: user.id, tokenVersion: user.tokenVersion });
}
