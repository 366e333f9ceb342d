// Upload housekeeping, hourly, on BullMQ (ARCHITECTURE.md §7): one job scheduler, however many catalog
// replicas run, and each tick is done by exactly one worker (retried if it fails). It removes
//  - unfinished tus uploads past their expiry (24 h after creation),
//  - accepted uploads nobody attached within a day (their file and their row),
//  - the records of rejected uploads after a week (their files were removed at once).
import type { Jobs, Logger } from "@melodi/kit";
import type { Db } from "../db.ts";
import type { Uploads } from "./uploads.ts";

const QUEUE = "catalog-maintenance";
const SCHEDULER = "upload-cleanup";
const HOUR_MS = 3_600_000;

export interface CleanupResult {
  expiredUnfinished: number;
  unattachedRemoved: number;
  rejectedForgotten: number;
}

export interface CleanupOptions {
  db: Db;
  uploads: Uploads;
  log: Logger;
  jobs: Jobs;
  /** Run the worker in this process. */
  worker: boolean;
  everyMs?: number;
  unattachedMaxAgeMs?: number;
  rejectedMaxAgeMs?: number;
}

export interface UploadCleanup {
  /** One clean-up pass, now (what the scheduled job runs). */
  runOnce(now?: number): Promise<CleanupResult>;
  /** The schedule as BullMQ holds it (for health and tests). */
  schedule(): Promise<{ id: string; every: number | null } | undefined>;
}

export async function createUploadCleanup(opts: CleanupOptions): Promise<UploadCleanup> {
  const unattachedMaxAge = opts.unattachedMaxAgeMs ?? 24 * HOUR_MS;
  const rejectedMaxAge = opts.rejectedMaxAgeMs ?? 7 * 24 * HOUR_MS;

  async function runOnce(now = Date.now()): Promise<CleanupResult> {
    const expiredUnfinished = await opts.uploads.deleteExpired();
    const stale = await opts.db.mediaUpload.findMany({
      where: { attachedAt: null, rejectedReason: null, createdAt: { lt: new Date(now - unattachedMaxAge) } },
      select: { id: true },
    });
    const ids = stale.map((row) => row.id);
    // `attachedAt: null` again: an upload attached since the read above is kept (its file has
    // already moved into storage, so removing its upload-folder copy below is a no-op).
    const removed = ids.length
      ? await opts.db.mediaUpload.deleteMany({ where: { id: { in: ids }, attachedAt: null } })
      : { count: 0 };
    for (const id of ids) await opts.uploads.discard(id);
    const rejected = await opts.db.mediaUpload.deleteMany({
      where: { rejectedReason: { not: null }, createdAt: { lt: new Date(now - rejectedMaxAge) } },
    });
    const result = { expiredUnfinished, unattachedRemoved: removed.count, rejectedForgotten: rejected.count };
    opts.log.info(result, "upload clean-up");
    return result;
  }

  await opts.jobs.schedule(
    QUEUE,
    SCHEDULER,
    { every: opts.everyMs ?? HOUR_MS },
    { opts: { attempts: 3, backoff: { type: "exponential", delay: 60_000 } } },
  );
  if (opts.worker) opts.jobs.worker(QUEUE, () => runOnce());

  return {
    runOnce,
    schedule: () => opts.jobs.scheduled(QUEUE, SCHEDULER),
  };
}
