// Access-token verification and the caller ("viewer"), shared by the router and every subgraph:
// each verifies the token itself rather than trusting a header (ARCHITECTURE.md §4).
//
// Tokens are RS256 JWTs with a `kid`, so keys can rotate: verifiers hold every public key that
// may still have live tokens. A signature alone cannot say that a user was blocked a second ago,
// so revocations are kept in Redis for as long as a token can live (15 minutes):
//   auth:tv:<userId>     the user's current token version; older tokens are dead
//                        (blocked, deleted, role changed, signed out everywhere)
//   auth:sid:<sessionId> the session was signed out
//   auth:ready           the cache is filled: the users subgraph sets it once Redis holds every
//                        revocation that can still matter (its database is the record of them)
// A missing marker means Redis lost its data (restarted empty, flushed) and users has not filled
// it again yet: until then a signed-in request is refused with SERVICE_UNAVAILABLE (fail closed),
// as it is while Redis is gone or hung. Anonymous requests never touch Redis here.
import { createPublicKey, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import type { Redis } from "ioredis";
import { unauthenticated, forbidden, serviceUnavailable } from "./errors.ts";
import { redisCall, RedisUnavailableError } from "./redis.ts";
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
  ready: "auth:ready",
};

/** Whether the revocation cache is filled (its marker is there). */
export async function revocationCacheReady(redis: Redis): Promise<boolean> {
  return (await redisCall(redis, () => redis.exists(revocationKeys.ready), 1000)) === 1;
}

/**
 * The pub/sub channel (kit pubsub.ts naming: under the key prefix) on which every revocation is
 * also announced, so connections that outlive a request (subscriptions over WebSocket) end at
 * once instead of at their token's expiry (ARCHITECTURE.md §8).
 */
export const REVOCATION_CHANNEL = "auth:revoked";

export type RevocationNotice = { userId: string; tokenVersion: number } | { sessionId: string };

/** Best effort and bounded: the Redis record above is what makes the revocation hold. */
export async function announceRevocation(redis: Redis, notice: RevocationNotice): Promise<void> {
  const channel = `${redis.options.keyPrefix ?? ""}${REVOCATION_CHANNEL}`;
  await withTimeout(redis.publish(channel, JSON.stringify(notice)), 2000, "revocation not announced").catch(() => {});
}

/** Script: raise each user's token version (never lower it), mark sessions revoked, then the marker. */
const FILL_SCRIPT = `
local ttl = ARGV[1]
local users = tonumber(ARGV[2])
local i = 3
for n = 1, users do
  local key, version = ARGV[i], tonumber(ARGV[i + 1])
  local v = math.max(tonumber(redis.call('GET', key) or '0') or 0, version)
  redis.call('SET', key, v, 'EX', ttl)
  i = i + 2
end
while i <= #ARGV do
  redis.call('SET', ARGV[i], '1', 'EX', ttl)
  i = i + 1
end
if KEYS[1] then redis.call('SET', KEYS[1], '1') end
return 1`;

export interface RevocationEntries {
  /** Users whose tokens below this version are dead. */
  users?: { userId: string; tokenVersion: number }[];
  /** Sessions signed out. */
  sessions?: string[];
}

/**
 * Writes revocations into the cache in one atomic step; with `markReady`, also the marker, so a
 * flush can never land between the entries and the marker (every entry is in, or none is and
 * the marker is missing). Keys in a script take the connection's prefix only through KEYS, so
 * the entries' names are prefixed here.
 */
export async function cacheRevocations(
  redis: Redis,
  entries: RevocationEntries,
  opts: { markReady?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  const prefix = redis.options.keyPrefix ?? "";
  const users = entries.users ?? [];
  const args = [
    String(REVOCATION_TTL_SECONDS),
    String(users.length),
    ...users.flatMap((u) => [prefix + revocationKeys.tokenVersion(u.userId), String(u.tokenVersion)]),
    ...(entries.sessions ?? []).map((sid) => prefix + revocationKeys.session(sid)),
  ];
  const keys = opts.markReady ? [revocationKeys.ready] : [];
  // Not redisCall: a write after a commit may wait for a connection still being made (bounded).
  const ms = opts.timeoutMs ?? 2000;
  await withTimeout(redis.eval(FILL_SCRIPT, keys.length, ...keys, ...args), ms, `Redis did not answer within ${ms} ms`);
}

/**
 * Records that the user's tokens below `tokenVersion` are dead, for as long as such a token can
 * live; the recorded version only goes up, whatever order concurrent revocations land in. One
 * bounded try: the users database holds the revocation already and users writes it again from
 * there (accounts/revocations.ts) if this fails.
 */
export async function revokeUserTokens(redis: Redis, userId: string, tokenVersion: number): Promise<void> {
  await cacheRevocations(redis, { users: [{ userId, tokenVersion }] });
  await announceRevocation(redis, { userId, tokenVersion });
}

export async function revokeSession(redis: Redis, sessionId: string): Promise<void> {
  await cacheRevocations(redis, { sessions: [sessionId] });
  await announceRevocation(redis, { sessionId });
}

export interface Authenticator {
  /** The viewer for an Authorization header: null when absent, UNAUTHENTICATED when bad. */
  authenticate(authorization: string | undefined): Promise<Viewer | null>;
}

const UNAVAILABLE = "Signed-in requests cannot be checked right now. Try again in a moment.";

export function createAuthenticator(opts: { keys: PublicKeys; redis: Redis }): Authenticator {
  // Parsed once: jsonwebtoken would otherwise rebuild the key from PEM on every request.
  const keys = Object.fromEntries(Object.entries(opts.keys).map(([kid, pem]) => [kid, createPublicKey(pem)]));
  return {
    async authenticate(authorization) {
      const token = bearerToken(authorization);
      if (!token) return null;
      const claims = verifyAccessToken(token, keys);
      let found: (string | null)[];
      try {
        found = await redisCall(opts.redis, () =>
          opts.redis.mget(
            revocationKeys.tokenVersion(claims.sub),
            revocationKeys.session(claims.sid),
            revocationKeys.ready,
          ),
        );
      } catch (err) {
        if (err instanceof RedisUnavailableError) throw serviceUnavailable(UNAVAILABLE);
        throw err;
      }
      const [currentVersion, sessionRevoked, ready] = found;
      if (!ready) throw serviceUnavailable(UNAVAILABLE);
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
