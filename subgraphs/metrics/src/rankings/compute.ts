// The time-decayed rankings (trending songs, top artists; overall and per genre), recomputed
// from the daily rollups every few minutes by a job and read as a table: a play's weight halves
// every 7 days, over the last 28. Hidden songs and artists are never ranked (and are filtered
// again when read, for one hidden since the last run).
import { TODAY, type Db } from "../db.ts";

export const OVERALL = "00000000-0000-0000-0000-000000000000";
export const RANK_DEPTH = 100;
export const WINDOW_DAYS = 28;
export const HALF_LIFE_DAYS = 7;

const decayed = (plays: string, day: string) => `sum(${plays} * power(0.5, (${TODAY} - ${day}) / ${HALF_LIFE_DAYS}.0))`;
const since = `${TODAY} - ${WINDOW_DAYS}`;

/** Replaces every ranking in one transaction (readers see the old one until it commits). */
export async function computeRankings(db: Db): Promise<number> {
  return db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`DELETE FROM "metrics"."Ranking"`);
    return tx.$executeRawUnsafe(
      `INSERT INTO "metrics"."Ranking" ("kind", "scope", "rank", "entityId", "score")
       SELECT kind::"metrics"."RankingKind", scope, rank, id, score FROM (
         SELECT kind, scope, id, score, row_number() OVER (PARTITION BY kind, scope ORDER BY score DESC, id) AS rank
         FROM (
           SELECT 'SONG' AS kind, '${OVERALL}'::uuid AS scope, d."songId" AS id, ${decayed('d."plays"', 'd."day"')} AS score
           FROM "metrics"."SongDaily" d JOIN "metrics"."SongRecord" s ON s."id" = d."songId" AND s."listed"
           WHERE d."day" > ${since} GROUP BY d."songId"
           UNION ALL
           SELECT 'SONG', g."genreId", g."songId", ${decayed('g."plays"', 'g."day"')}
           FROM "metrics"."GenreSongDaily" g JOIN "metrics"."SongRecord" s ON s."id" = g."songId" AND s."listed"
           WHERE g."day" > ${since} GROUP BY g."genreId", g."songId"
           UNION ALL
           SELECT 'ARTIST', '${OVERALL}'::uuid, d."artistId", ${decayed('d."plays"', 'd."day"')}
           FROM "metrics"."ArtistDaily" d JOIN "metrics"."ArtistRecord" a ON a."id" = d."artistId" AND a."listed"
           WHERE d."day" > ${since} GROUP BY d."artistId"
           UNION ALL
           SELECT 'ARTIST', g."genreId", g."artistId", ${decayed('g."plays"', 'g."day"')}
           FROM "metrics"."GenreArtistDaily" g JOIN "metrics"."ArtistRecord" a ON a."id" = g."artistId" AND a."listed"
           WHERE g."day" > ${since} GROUP BY g."genreId", g."artistId"
         ) scored WHERE score > 0
       ) ranked WHERE rank <= ${RANK_DEPTH}`,
    );
  });
}
