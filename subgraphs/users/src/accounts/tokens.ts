// Issuing tokens (ARCHITECTURE.md §4). Access: RS256 JWT with a `kid` and a unique `jti`, 15
// minutes, verified by the kit everywhere. Refresh: 32 random bytes, only their sha256 is stored, each usable once.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import { ACCESS_TOKEN_TTL_SECONDS, JWT_AUDIENCE, JWT_ISSUER, type Role } from "@melodi/kit";

export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

export interface SigningKey {
  kid: string;
  privateKey: string;
}

export interface IssuedAccessToken {
  token: string;
  expiresAt: Date;
}

export function signAccessToken(
  key: SigningKey,
  claims: { userId: string; role: Role; sessionId: string; tokenVersion: number },
): IssuedAccessToken {
  const token = jwt.sign({ role: claims.role, sid: claims.sessionId, tv: claims.tokenVersion }, key.privateKey, {
    algorithm: "RS256",
    keyid: key.kid,
    subject: claims.userId,
    issuer: JWT_ISSUER,
    audience: JWT_AUDIENCE,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    // A unique id: two tokens for the same session in the same second are still two tokens
    // (logs, and any later per-token revocation, can tell them apart).
    jwtid: randomUUID(),
  });
  return { token, expiresAt: new Date(Date.now() + ACCESS_TOKEN_TTL_SECONDS * 1000) };
}

export function newRefreshToken(): { token: string; hash: string; expiresAt: Date } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashRefreshToken(token), expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000) };
}

export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
