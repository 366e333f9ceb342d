// Recommendations from item-to-item co-occurrence, in Postgres (no outside service): two songs
// are similar when the same people listened to both lately. Each listener's 30 most recent
// songs of the last 90 days (UserSong, outside private sessions) make pairs; a pair's score is
// its co-listeners over the geometric mean of each song's listeners (cosine), kept when at least
// MIN_CO_LISTENERS share it; the top 20 per song, recomputed by a job every 15 minutes. At a
// scale where the self-join is too big for one Postgres, the same table would be filled by a
// batch job elsewhere (ARCHITECTURE.md §16).
import { TODAY, type Db } from "../db.ts";

export const PER_LISTENER = 30;
export const LOOKBACK_DAYS = 90;
export const SIMILAR_DEPTH = 20;
export const MIN_CO_LISTENERS = 2;

export async function computeSimilar(db: Db): Promise<number> {
  return db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`DELETE FROM "metrics"."Similar"`);
    return tx.$executeRawUnsafe(
      `WITH recent AS (
         SELECT "userId", "songId" FROM (
           SELECT u."userId", u."songId",
             row_number() OVER (PARTITION BY u."userId" ORDER BY u."lastDay" DESC, u."plays" DESC, u."songId") AS n
           FROM "metrics"."UserSong" u JOIN "metrics"."SongRecord" s ON s."id" = u."songId" AND s."listed"
           WHERE u."lastDay" > ${TODAY} - ${LOOKBACK_DAYS}
         ) r WHERE n <= ${PER_LISTENER}),
       listeners AS (SELECT "songId", count(*) AS n FROM recent GROUP BY 1),
       pairs AS (
         SELECT a."songId" AS s, b."songId" AS t, count(*) AS co
         FROM recent a JOIN recent b ON b."userId" = a."userId" AND b."songId" <> a."songId"
         GROUP BY 1, 2 HAVING count(*) >= ${MIN_CO_LISTENERS}),
       ranked AS (
         SELECT p.s, p.t, p.co / sqrt(ls.n * lt.n) AS score,
           row_number() OVER (PARTITION BY p.s ORDER BY p.co / sqrt(ls.n * lt.n) DESC, p.co DESC, p.t) AS rank
         FROM pairs p JOIN listeners ls ON ls."songId" = p.s JOIN listeners lt ON lt."songId" = p.t)
       INSERT INTO "metrics"."Similar" ("songId", "rank", "similarId", "score")
       SELECT s, rank, t, score FROM ranked WHERE rank <= ${SIMILAR_DEPTH}`,
    );
  });
}
