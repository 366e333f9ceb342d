// Access-token verification and the caller ("viewer"), shared by the router and every subgraph:
// each verifies the token itself rather than trusting a header (ARCHITECTURE.md §4).
//
// Tokens are RS256 JWTs with a `kid`, so keys can rotate: verifiers hold every public key that
// may still have live tokens. A signature alone cannot say that a user was blocked a second ago,
// so revocations are kept in Redis for as long as a token can live (15 minutes):
//   auth:tv:<userId>     the user's current token version; older tokens are dead
//                        (blocked, deleted, role changed, signed out everywhere)
//   auth:sid:<sessionId> the session was signed out
import { createPublicKey, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import type { Redis } from "ioredis";
import { unauthenticated, forbidden } from "./errors.ts";
import { withTimeout } from "./timeout.ts";

export const ROLES = ["USER", "ARTIST", "ADMIN"] as const;
export type Role = (typeof ROLES)[number];

export interface Viewer {
  id: string;
  role: Role;
  sessionId: string;
}

export interface AccessClaims {
  sub: string;
  role: Role;
  sid: string;
  tv: number;
}

/** kid → PEM public key. */
export type PublicKeys = Record<string, string>;

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const JWT_ISSUER = "melodi-users";
export const JWT_AUDIENCE = "melodi";
/** Revocation records outlive the longest-lived token by a margin for clock skew. */
export const REVOCATION_TTL_SECONDS = ACCESS_TOKEN_TTL_SECONDS + 60;

export function parsePublicKeys(json: string | undefined): PublicKeys {
  if (!json) throw new Error("JWT_PUBLIC_KEYS is not set (JSON object of kid → PEM public key).");
  const parsed: unknown = JSON.parse(json);
  if (!parsed || typeof parsed !== "object") throw new Error("JWT_PUBLIC_KEYS must be a JSON object.");
  return parsed as PublicKeys;
}

function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Verifies signature, expiry, issuer, audience and shape; throws UNAUTHENTICATED otherwise. */
export function verifyAccessToken(token: string, keys: Record<string, string | KeyObject>): AccessClaims {
  const decoded = jwt.decode(token, { complete: true });
  const kid = decoded && typeof decoded === "object" ? decoded.header.kid : undefined;
  const key = kid ? keys[kid] : undefined;
  if (!key) throw unauthenticated("Access token is invalid.");
  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, key, { algorithms: ["RS256"], issuer: JWT_ISSUER, audience: JWT_AUDIENCE });
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) throw unauthenticated("Access token has expired.");
    throw unauthenticated("Access token is invalid.");
  }
  if (
    typeof payload !== "object" ||
    typeof payload.sub !== "string" ||
    !isRole(payload.role) ||
    typeof payload.sid !== "string" ||
    typeof payload.tv !== "number"
  ) {
    throw unauthenticated("Access token is invalid.");
  }
  return { sub: payload.sub, role: payload.role, sid: payload.sid, tv: payload.tv };
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match?.[1]) throw unauthenticated("Authorization header must be 'Bearer <token>'.");
  return match[1];
}

export const revocationKeys = {
  tokenVersion: (userId: string) => `auth:tv:${userId}`,
  session: (sessionId: string) => `auth:sid:${sessionId}`,
};

/**
 * A revocation is written after the database change it follows has committed, so a passing Redis
 * failure must not lose it: a few tries with backoff before giving up (the caller then fails
 * loudly; the database already says the user is blocked, signed out or deleted).
 */
async function persist(write: () => Promise<unknown>, attempts = 4): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return;
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * 4 ** (attempt - 1)));
    }
  }
}

/**
 * The pub/sub channel (kit pubsub.ts naming: under the key prefix) on which every revocation is
 * also announced, so connections that outlive a request (subscriptions over WebSocket) end at
 * once instead of at their token's expiry (ARCHITECTURE.md §8).
 */
export const REVOCATION_CHANNEL = "auth:revoked";

export type RevocationNotice = { userId: string; tokenVersion: number } | { sessionId: string };

/** Best effort and bounded: the Redis record above is what makes the revocation hold. */
async function announce(redis: Redis, notice: RevocationNotice): Promise<void> {
  const channel = `${redis.options.keyPrefix ?? ""}${REVOCATION_CHANNEL}`;
  await withTimeout(redis.publish(channel, JSON.stringify(notice)), 2000, "revocation not announced").catch(() => {});
}

/** Records that tokens below `tokenVersion` are dead, for as long as such a token can live. */
export async function revokeUserTokens(redis: Redis, userId: string, tokenVersion: number): Promise<void> {
  // Atomically the greater of the recorded and the new version: a slower, older revocation
  // never lowers it.
  await persist(() =>
    redis.eval(
      "local v = math.max(tonumber(redis.call('GET', KEYS[1]) or '0') or 0, tonumber(ARGV[1])) redis.call('SET', KEYS[1], v, 'EX', ARGV[2]) return v",
      1,
      revocationKeys.tokenVersion(userId),
      String(tokenVersion),
      String(REVOCATION_TTL_SECONDS),
    ),
  );
  await announce(redis, { userId, tokenVersion });
}

export async function revokeSession(redis: Redis, sessionId: string): Promise<void> {
  await persist(() => redis.set(revocationKeys.session(sessionId), "1", "EX", REVOCATION_TTL_SECONDS));
  await announce(redis, { sessionId });
}

export interface Authenticator {
  /** The viewer for an Authorization header: null when absent, UNAUTHENTICATED when bad. */
  authenticate(authorization: string | undefined): Promise<Viewer | null>;
}

export function createAuthenticator(opts: { keys: PublicKeys; redis: Redis }): Authenticator {
  // Parsed once: jsonwebtoken would otherwise rebuild the key from PEM on every request.
  const keys = Object.fromEntries(Object.entries(opts.keys).map(([kid, pem]) => [kid, createPublicKey(pem)]));
  return {
    async authenticate(authorization) {
      const token = bearerToken(authorization);
      if (!token) return null;
      const claims = verifyAccessToken(token, keys);
      const [currentVersion, sessionRevoked] = await opts.redis.mget(
        revocationKeys.tokenVersion(claims.sub),
        revocationKeys.session(claims.sid),
      );
      if (
        (currentVersion !== null && currentVersion !== undefined && claims.tv < Number(currentVersion)) ||
        sessionRevoked
      ) {
        throw unauthenticated("Access token has been revoked.");
      }
      return { id: claims.sub, role: claims.role, sessionId: claims.sid };
    },
  };
}

export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

export function requireRole(viewer: Viewer | null, ...roles: Role[]): Viewer {
  const v = requireViewer(viewer);
  if (!roles.includes(v.role)) throw forbidden();
  return v;
}

/** The viewer themself or an admin. */
export function requireSelfOrAdmin(viewer: Viewer | null, userId: string): Viewer {
  const v = requireViewer(viewer);
  if (v.id !== userId && v.role !== "ADMIN") throw forbidden();
  return v;
}
