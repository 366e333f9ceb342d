// What is revoked, kept in this subgraph's database and cached in Redis for every verifier
// (ARCHITECTURE.md §4). The `Revocation` table is the record: a row is written in the same
// transaction as the change (a user's token version raised; a session ended). Redis's `auth:*`
// keys are a cache of the rows that can still matter (younger than an access token's lifetime)
// and its marker `auth:ready` says the cache is complete. The router and other subgraphs cannot
// read this database, so they trust the cache only while the marker is there and refuse
// signed-in requests (SERVICE_UNAVAILABLE) while it is missing. This module keeps the cache
// whole:
//   - after each commit, the new revocation is written to Redis (publish);
//   - at start-up, whenever the marker is missing (Redis restarted empty or was flushed), and
//     after a write to Redis failed, every recent row is written again with the marker, in one
//     atomic script (refill), so the marker never stands beside a partial cache;
//   - once a minute anyway, which also repairs a revocation committed while a refill ran and a
//     flush wiped its own write.
import {
  announceRevocation,
  cacheRevocations,
  REVOCATION_TTL_SECONDS,
  redisReady,
  revocationCacheReady,
  type Logger,
} from "@melodi/kit";
import type { Redis } from "ioredis";
import type { Db, Prisma } from "../db.ts";

type Tx = Prisma.TransactionClient;

export type RevocationEntry = { userId: string; tokenVersion: number } | { sessionId: string };

export interface Revocations {
  /** Records a revocation; call it inside the transaction making the change. */
  record(tx: Tx, entry: RevocationEntry): Promise<void>;
  /**
   * After the commit: writes it to the cache at once. Never throws: if Redis does not take it,
   * the next refill (within a second of Redis answering) writes it from the table.
   */
  publish(entry: RevocationEntry): Promise<void>;
  /** Writes every recent revocation and the marker; resolves with how many rows it read. */
  refill(): Promise<number>;
  /** The first refill (bounded: a Redis that is away does not hold up start-up), then the watch. */
  start(): Promise<void>;
  close(): void;
}

export interface RevocationOptions {
  db: Db;
  redis: Redis;
  log: Logger;
  /** How often the marker is looked at (1 s). */
  checkMs?: number;
}

/** Rows kept after they stop mattering to the cache (for audits; a day). */
const KEEP_MS = 24 * 3600_000;
/** A margin over the revocation lifetime for clock differences between this process and Postgres. */
const WINDOW_MS = (REVOCATION_TTL_SECONDS + 60) * 1000;

export function createRevocations(opts: RevocationOptions): Revocations {
  const { db, redis, log } = opts;
  let owed = true;
  let closed = false;
  let running: Promise<number> | null = null;
  let lastFull = 0;
  let lastPrune = 0;
  let timer: NodeJS.Timeout | undefined;

  async function fill(): Promise<number> {
    const rows = await db.revocation.findMany({
      where: { createdAt: { gt: new Date(Date.now() - WINDOW_MS) } },
      select: { userId: true, tokenVersion: true, sessionId: true },
    });
    const versions = new Map<string, number>();
    const sessions = new Set<string>();
    for (const row of rows) {
      if (row.userId && row.tokenVersion !== null)
        versions.set(row.userId, Math.max(versions.get(row.userId) ?? 0, row.tokenVersion));
      if (row.sessionId) sessions.add(row.sessionId);
    }
    await cacheRevocations(
      redis,
      { users: [...versions].map(([userId, tokenVersion]) => ({ userId, tokenVersion })), sessions: [...sessions] },
      { markReady: true, timeoutMs: 5000 },
    );
    owed = false;
    lastFull = Date.now();
    return rows.length;
  }

  function refill(): Promise<number> {
    running ??= fill().finally(() => {
      running = null;
    });
    return running;
  }

  async function check(): Promise<void> {
    if (closed) return;
    const due = owed || Date.now() - lastFull > 60_000 || !(await revocationCacheReady(redis));
    if (due) {
      const rows = await refill();
      log.info({ rows }, "revocation cache filled from the database");
    }
    if (Date.now() - lastPrune > 3600_000) {
      lastPrune = Date.now();
      await db.revocation.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - KEEP_MS) } } });
    }
  }

  const loop = () => {
    if (closed) return;
    check()
      .catch((err: unknown) => {
        owed = true;
        log.warn({ err }, "revocation cache not filled; tried again in a moment");
      })
      .finally(() => {
        if (!closed) timer = setTimeout(loop, opts.checkMs ?? 1000);
        timer?.unref();
      });
  };

  const toEntries = (entry: RevocationEntry) =>
    "sessionId" in entry ? { sessions: [entry.sessionId] } : { users: [entry] };

  return {
    async record(tx, entry) {
      await tx.revocation.create({
        data: "sessionId" in entry ? { sessionId: entry.sessionId } : entry,
      });
    },
    async publish(entry) {
      try {
        await cacheRevocations(redis, toEntries(entry));
      } catch (err) {
        owed = true;
        log.warn({ err }, "revocation not cached yet; the next refill writes it from the database");
      }
      // Open subscriptions of that user or session end now, not at their token's expiry.
      await announceRevocation(redis, entry);
    },
    refill,
    async start() {
      await redisReady(redis, 2000)
        .then(check)
        .catch((err: unknown) => {
          owed = true;
          log.warn({ err }, "revocation cache not filled at start-up; tried again every second");
        });
      timer = setTimeout(loop, opts.checkMs ?? 1000);
      timer.unref();
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
