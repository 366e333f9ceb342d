// The rollups (ARCHITECTURE.md §16): per song and day, kept current by a job every minute that
// moves the plays' deltas (written with each change, playback/resolvers.ts) into them and deletes
// those deltas, in one statement: each counts once, whichever replica runs it, and no statistic
// reads raw events or plays.
import type { Jobs } from "@melodi/kit";
import type { Db } from "../db.ts";

export const ROLLUP_QUEUE = "metrics-rollup";
export const EVERY_MINUTE = { every: 60_000 } as const;
const BATCH = 10_000;

/** Folds pending deltas into the daily rollups; returns how many deltas it took. */
export async function rollUp(db: Db): Promise<number> {
  let taken = 0;
  for (;;) {
    const [row] = await db.$queryRawUnsafe<{ n: number }[]>(
      `WITH taken AS (
         DELETE FROM "metrics"."PlayDelta" WHERE "id" IN (
           SELECT "id" FROM "metrics"."PlayDelta" ORDER BY "id" LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING "songId", "day", "plays", "completions", "skips"),
       sums AS (
         SELECT "songId", "day", sum("plays")::int AS p, sum("completions")::int AS c, sum("skips")::int AS s
         FROM taken GROUP BY 1, 2),
       up AS (
         INSERT INTO "metrics"."SongDaily" AS d ("songId", "day", "plays", "completions", "skips")
         SELECT "songId", "day", p, c, s FROM sums
         ON CONFLICT ("songId", "day") DO UPDATE SET "plays" = d."plays" + EXCLUDED."plays",
           "completions" = d."completions" + EXCLUDED."completions", "skips" = d."skips" + EXCLUDED."skips"
         RETURNING 1)
       SELECT (SELECT count(*) FROM taken)::int AS n, (SELECT count(*) FROM up)::int AS written`,
      BATCH,
    );
    taken += row?.n ?? 0;
    if ((row?.n ?? 0) < BATCH) return taken;
  }
}

/** The worker and its schedule (one schedule however many replicas upsert it). */
export async function startRollups(db: Db, jobs: Jobs): Promise<void> {
  jobs.worker(ROLLUP_QUEUE, async () => ({ taken: await rollUp(db) }));
  await jobs.schedule(ROLLUP_QUEUE, "rollup", EVERY_MINUTE);
}
