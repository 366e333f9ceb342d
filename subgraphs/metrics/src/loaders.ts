// Per-request DataLoaders (ARCHITECTURE.md §10): one statement per kind, whatever the page size.
import { byIds, grouped, isUuid } from "@melodi/kit";
import { TODAY, type Db } from "./db.ts";

export interface ArtistDayRow {
  key: string;
  day: string;
  plays: number;
  listeners: number;
  completions: number;
  skips: number;
}

/**
 * Rows per artist and span, keyed "artistId|n[|m]": the keys of a tick are grouped by their
 * numbers (in practice one group: a page asks the same span of every artist), one statement
 * per group for all its artists.
 */
function perArtist<R extends { key: string }>(load: (artistIds: string[], params: number[]) => Promise<R[]>) {
  return grouped(
    (row: R) => row.key,
    async (keys: string[]) => {
      const groups = new Map<string, string[]>();
      for (const key of keys) {
        const [id, ...rest] = key.split("|");
        if (!isUuid(id)) continue;
        const params = rest.join("|");
        groups.set(params, [...(groups.get(params) ?? []), id!.toLowerCase()]);
      }
      const rows = await Promise.all([...groups].map(([params, ids]) => load(ids, params.split("|").map(Number))));
      return rows.flat();
    },
  );
}

export function createLoaders(db: Db) {
  return {
    /** Each listed song's plays from the rollups (unknown or hidden songs: no row, so null). */
    songPlays: byIds<{ id: string; plays: number }>((ids) =>
      db.$queryRawUnsafe(
        `SELECT s."id"::text AS id, coalesce(sum(d."plays"), 0)::int AS plays
         FROM "metrics"."SongRecord" s LEFT JOIN "metrics"."SongDaily" d ON d."songId" = s."id"
         WHERE s."id" = ANY($1::uuid[]) AND s."listed" GROUP BY s."id"`,
        ids,
      ),
    ),
    /** Each listed artist's distinct listeners over the last 28 days (hidden or unknown: null). */
    artistListeners: byIds<{ id: string; listeners: number }>((ids) =>
      db.$queryRawUnsafe(
        `SELECT a."id"::text AS id,
           (SELECT count(*)::int FROM "metrics"."ArtistListener" l
            WHERE l."artistId" = a."id" AND l."lastDay" > ${TODAY} - 28) AS listeners
         FROM "metrics"."ArtistRecord" a WHERE a."id" = ANY($1::uuid[]) AND a."listed"`,
        ids,
      ),
    ),
    /** Each song's similar songs, most similar first (listed ones only). */
    similar: grouped(
      (row: { songId: string; similarId: string }) => row.songId,
      async (ids: string[]) => {
        const valid = ids.filter(isUuid);
        if (valid.length === 0) return [];
        return db.$queryRawUnsafe<{ songId: string; similarId: string }[]>(
          `SELECT x."songId"::text AS "songId", x."similarId"::text AS "similarId" FROM "metrics"."Similar" x
           JOIN "metrics"."SongRecord" s ON s."id" = x."similarId" AND s."listed"
           WHERE x."songId" = ANY($1::uuid[]) ORDER BY x."songId", x."rank"`,
          valid,
        );
      },
    ),
    /** An artist's day-by-day figures over the last n days, oldest first; keyed "artistId|n". */
    artistDays: perArtist<ArtistDayRow>((ids, [days]) =>
      db.$queryRawUnsafe(
        `SELECT a.id::text || '|' || $2::int::text AS key, to_char(g.day, 'YYYY-MM-DD') AS day, coalesce(d."plays", 0) AS plays,
           coalesce(d."listeners", 0) AS listeners, coalesce(d."completions", 0) AS completions, coalesce(d."skips", 0) AS skips
         FROM unnest($1::uuid[]) AS a(id)
         CROSS JOIN generate_series(${TODAY} - ($2::int - 1), ${TODAY}, interval '1 day') AS g(day)
         LEFT JOIN "metrics"."ArtistDaily" d ON d."artistId" = a.id AND d."day" = g.day::date
         ORDER BY a.id, g.day`,
        ids,
        days,
      ),
    ),
    /** An artist's totals over the last n days (no row: none); keyed "artistId|n". */
    artistTotals: perArtist<{ key: string; plays: number; completions: number; skips: number }>((ids, [days]) =>
      db.$queryRawUnsafe(
        `SELECT "artistId"::text || '|' || $2::int::text AS key, sum("plays")::int AS plays, sum("completions")::int AS completions,
           sum("skips")::int AS skips
         FROM "metrics"."ArtistDaily" WHERE "artistId" = ANY($1::uuid[]) AND "day" > ${TODAY} - $2::int GROUP BY "artistId"`,
        ids,
        days,
      ),
    ),
    /** An artist's most played songs over the last n days, the first m; keyed "artistId|n|m". */
    artistTopSongs: perArtist<{ key: string; songId: string; plays: number }>((ids, [days, first]) =>
      db.$queryRawUnsafe(
        `SELECT key, "songId", plays FROM (
           SELECT a.id::text || '|' || $2::int::text || '|' || $3::int::text AS key, d."songId"::text AS "songId", sum(d."plays")::int AS plays,
             row_number() OVER (PARTITION BY a.id ORDER BY sum(d."plays") DESC, d."songId") AS n
           FROM unnest($1::uuid[]) AS a(id)
           JOIN "metrics"."SongRecord" s ON s."artistIds" @> ARRAY[a.id]
           JOIN "metrics"."SongDaily" d ON d."songId" = s."id" AND d."day" > ${TODAY} - $2::int
           GROUP BY a.id, d."songId" HAVING sum(d."plays") > 0
         ) t WHERE n <= $3::int ORDER BY key, n`,
        ids,
        days,
        first,
      ),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
