// The rollups (ARCHITECTURE.md §16): per song and day, kept current by a job every minute that
// moves the plays' deltas (written with each change, playback/resolvers.ts) into them and deletes
// those deltas, in one statement: each counts once, whichever replica runs it, and no statistic
// reads raw events or plays.
import type { Jobs } from "@melodi/kit";
import type { Db } from "../db.ts";
import { computeRankings } from "../rankings/compute.ts";
import { computeSimilar } from "../recommendations/compute.ts";

export const ROLLUP_QUEUE = "metrics-rollup";
export const EVERY_MINUTE = { every: 60_000 } as const;
const BATCH = 10_000;

/**
 * Folds pending deltas into every rollup, in one statement (data-modifying CTEs: the deltas
 * taken are deleted only if every rollup is written); returns how many deltas it took. A play's
 * artists are every credited one; a song in several genres counts in each. Listener tables get
 * a row on a play (plays = 1), never on a completion or skip alone.
 */
export async function rollUp(db: Db): Promise<number> {
  let taken = 0;
  for (;;) {
    const [row] = await db.$queryRawUnsafe<{ n: number }[]>(
      `WITH taken AS (
         DELETE FROM "metrics"."PlayDelta" WHERE "id" IN (
           SELECT "id" FROM "metrics"."PlayDelta" ORDER BY "id" LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING "songId", "userId", "artistIds", "genreIds", "day", "plays", "completions", "skips", "private"),
       by_artist AS (SELECT a AS "artistId", t.* FROM taken t, unnest(t."artistIds") AS a),
       by_genre AS (SELECT g AS "genreId", t.* FROM taken t, unnest(t."genreIds") AS g),
       song_daily AS (
         INSERT INTO "metrics"."SongDaily" AS d ("songId", "day", "plays", "completions", "skips")
         SELECT "songId", "day", sum("plays"), sum("completions"), sum("skips") FROM taken GROUP BY 1, 2
         ON CONFLICT ("songId", "day") DO UPDATE SET "plays" = d."plays" + EXCLUDED."plays",
           "completions" = d."completions" + EXCLUDED."completions", "skips" = d."skips" + EXCLUDED."skips"),
       new_listeners AS (
         INSERT INTO "metrics"."ArtistListenerDay" ("artistId", "day", "userId")
         SELECT DISTINCT "artistId", "day", "userId" FROM by_artist WHERE "plays" > 0
         ON CONFLICT DO NOTHING
         RETURNING "artistId", "day"),
       artist_daily AS (
         INSERT INTO "metrics"."ArtistDaily" AS d ("artistId", "day", "plays", "completions", "skips", "listeners")
         SELECT a."artistId", a."day", a.p, a.c, a.s, coalesce(l.n, 0)
         FROM (SELECT "artistId", "day", sum("plays") AS p, sum("completions") AS c, sum("skips") AS s FROM by_artist GROUP BY 1, 2) a
         LEFT JOIN (SELECT "artistId", "day", count(*) AS n FROM new_listeners GROUP BY 1, 2) l USING ("artistId", "day")
         ON CONFLICT ("artistId", "day") DO UPDATE SET "plays" = d."plays" + EXCLUDED."plays",
           "completions" = d."completions" + EXCLUDED."completions", "skips" = d."skips" + EXCLUDED."skips",
           "listeners" = d."listeners" + EXCLUDED."listeners"),
       artist_listener AS (
         INSERT INTO "metrics"."ArtistListener" AS l ("artistId", "userId", "lastDay")
         SELECT "artistId", "userId", max("day") FROM by_artist WHERE "plays" > 0 GROUP BY 1, 2
         ON CONFLICT ("artistId", "userId") DO UPDATE SET "lastDay" = greatest(l."lastDay", EXCLUDED."lastDay")),
       genre_song AS (
         INSERT INTO "metrics"."GenreSongDaily" AS d ("genreId", "songId", "day", "plays")
         SELECT "genreId", "songId", "day", sum("plays") FROM by_genre GROUP BY 1, 2, 3 HAVING sum("plays") <> 0
         ON CONFLICT ("genreId", "day", "songId") DO UPDATE SET "plays" = d."plays" + EXCLUDED."plays"),
       genre_artist AS (
         INSERT INTO "metrics"."GenreArtistDaily" AS d ("genreId", "artistId", "day", "plays")
         SELECT g, a, "day", sum("plays") FROM taken, unnest("genreIds") AS g, unnest("artistIds") AS a
         GROUP BY 1, 2, 3 HAVING sum("plays") <> 0
         ON CONFLICT ("genreId", "day", "artistId") DO UPDATE SET "plays" = d."plays" + EXCLUDED."plays"),
       user_daily AS (
         INSERT INTO "metrics"."UserDaily" AS d ("userId", "day", "plays")
         SELECT "userId", "day", sum("plays") FROM taken GROUP BY 1, 2 HAVING sum("plays") > 0
         ON CONFLICT ("userId", "day") DO UPDATE SET "plays" = d."plays" + EXCLUDED."plays"
         RETURNING "day", (xmax = 0) AS new),
       user_song AS (
         INSERT INTO "metrics"."UserSong" AS u ("userId", "songId", "plays", "lastDay")
         SELECT "userId", "songId", sum("plays"), max("day") FROM taken WHERE NOT "private" AND "plays" > 0 GROUP BY 1, 2
         ON CONFLICT ("userId", "songId") DO UPDATE SET "plays" = u."plays" + EXCLUDED."plays",
           "lastDay" = greatest(u."lastDay", EXCLUDED."lastDay")),
       user_monthly AS (
         INSERT INTO "metrics"."UserMonthly" AS d ("userId", "month", "plays")
         SELECT "userId", date_trunc('month', "day")::date, sum("plays") FROM taken GROUP BY 1, 2 HAVING sum("plays") > 0
         ON CONFLICT ("userId", "month") DO UPDATE SET "plays" = d."plays" + EXCLUDED."plays"
         RETURNING "month", (xmax = 0) AS new),
       -- The platform per day and month: every play, and each listener new to the day or month
       -- (xmax = 0: their row above was inserted, not updated). One INSERT per table: two in one
       -- statement could not see each other's row.
       platform_daily AS (
         INSERT INTO "metrics"."PlatformDaily" AS p ("day", "plays", "activeUsers")
         SELECT t."day", t.plays, coalesce(u.n, 0)
         FROM (SELECT "day", sum("plays") AS plays FROM taken GROUP BY 1) t
         LEFT JOIN (SELECT "day", count(*) AS n FROM user_daily WHERE new GROUP BY 1) u USING ("day")
         ON CONFLICT ("day") DO UPDATE SET "plays" = p."plays" + EXCLUDED."plays",
           "activeUsers" = p."activeUsers" + EXCLUDED."activeUsers"),
       platform_monthly AS (
         INSERT INTO "metrics"."PlatformMonthly" AS p ("month", "plays", "activeUsers")
         SELECT t."month", t.plays, coalesce(u.n, 0)
         FROM (SELECT date_trunc('month', "day")::date AS "month", sum("plays") AS plays FROM taken GROUP BY 1) t
         LEFT JOIN (SELECT "month", count(*) AS n FROM user_monthly WHERE new GROUP BY 1) u USING ("month")
         ON CONFLICT ("month") DO UPDATE SET "plays" = p."plays" + EXCLUDED."plays",
           "activeUsers" = p."activeUsers" + EXCLUDED."activeUsers")
       SELECT count(*)::int AS n FROM taken`,
      BATCH,
    );
    taken += row?.n ?? 0;
    if ((row?.n ?? 0) < BATCH) return taken;
  }
}

export const EVERY_5_MINUTES = { every: 5 * 60_000 } as const;
export const EVERY_15_MINUTES = { every: 15 * 60_000 } as const;

/**
 * The worker and its schedules (one each however many replicas upsert them): the rollups every
 * minute, the rankings every 5 minutes, the similar songs every 15.
 */
export async function startRollups(db: Db, jobs: Jobs): Promise<void> {
  jobs.worker(ROLLUP_QUEUE, async (job) => {
    if (job.name === "rankings") return { ranked: await computeRankings(db) };
    if (job.name === "similar") return { pairs: await computeSimilar(db) };
    return { taken: await rollUp(db) };
  });
  await jobs.schedule(ROLLUP_QUEUE, "rollup", EVERY_MINUTE);
  await jobs.schedule(ROLLUP_QUEUE, "rankings", EVERY_5_MINUTES);
  await jobs.schedule(ROLLUP_QUEUE, "similar", EVERY_15_MINUTES);
}
