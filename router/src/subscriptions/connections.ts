// Who holds which WebSocket connection, for two rules (ARCHITECTURE.md §8): a cap on connections
// per client (by user, else by address, as the client limit counts), and ending a user's or a
// session's connections the moment a revocation is announced (kit auth.ts REVOCATION_CHANNEL).
// Per router process: each replica caps and closes the connections it holds.
import type { RevocationNotice } from "@melodi/kit";

export interface TrackedConnection {
  /** `user:<id>` or `ip:<address>`. */
  clientKey: string;
  userId?: string;
  sessionId?: string;
  /** The token's version (`tv`): a revocation to a higher version ends it. */
  tokenVersion?: number;
  close(code: number, reason: string): void;
}

export interface ConnectionIndex {
  /** Tracks the connection; false (and not tracked) when its client is at the cap. */
  add(connection: TrackedConnection): boolean;
  remove(connection: TrackedConnection): void;
  /** Closes the connections the notice revokes (4401); returns how many. */
  revoke(notice: RevocationNotice, closeCode: number): number;
  size(): number;
}

export function createConnectionIndex(maxPerClient: number): ConnectionIndex {
  const byClient = new Map<string, Set<TrackedConnection>>();
  const byUser = new Map<string, Set<TrackedConnection>>();
  const bySession = new Map<string, Set<TrackedConnection>>();
  const put = (map: Map<string, Set<TrackedConnection>>, key: string | undefined, c: TrackedConnection) => {
    if (key === undefined) return;
    const set = map.get(key) ?? new Set();
    map.set(key, set);
    set.add(c);
  };
  const drop = (map: Map<string, Set<TrackedConnection>>, key: string | undefined, c: TrackedConnection) => {
    if (key === undefined) return;
    const set = map.get(key);
    if (set?.delete(c) && set.size === 0) map.delete(key);
  };
  let count = 0;
  return {
    add(c) {
      if ((byClient.get(c.clientKey)?.size ?? 0) >= maxPerClient) return false;
      put(byClient, c.clientKey, c);
      put(byUser, c.userId, c);
      put(bySession, c.sessionId, c);
      count += 1;
      return true;
    },
    remove(c) {
      if (!byClient.get(c.clientKey)?.has(c)) return;
      drop(byClient, c.clientKey, c);
      drop(byUser, c.userId, c);
      drop(bySession, c.sessionId, c);
      count -= 1;
    },
    revoke(notice, closeCode) {
      const targets =
        "sessionId" in notice
          ? [...(bySession.get(notice.sessionId) ?? [])]
          : [...(byUser.get(notice.userId) ?? [])].filter((c) => (c.tokenVersion ?? 0) < notice.tokenVersion);
      for (const c of targets) c.close(closeCode, "Access token has been revoked.");
      return targets.length;
    },
    size: () => count,
  };
}
