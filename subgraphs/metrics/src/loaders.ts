// Per-request DataLoaders (ARCHITECTURE.md §10): one statement per kind, whatever the page size.
import { byIds } from "@melodi/kit";
import type { Db } from "./db.ts";

/** One answer per key for the request (three fields of one artist's statistics ask the same). */
function once<T>(load: (key: string) => Promise<T>): { load(key: string): Promise<T> } {
  const answers = new Map<string, Promise<T>>();
  return {
    load(key) {
      const known = answers.get(key);
      if (known) return known;
      const answer = load(key);
      answers.set(key, answer);
      return answer;
    },
  };
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
            WHERE l."artistId" = a."id" AND l."lastDay" > (now() AT TIME ZONE 'UTC')::date - 28) AS listeners
         FROM "metrics"."ArtistRecord" a WHERE a."id" = ANY($1::uuid[]) AND a."listed"`,
        ids,
      ),
    ),
    /** An artist's plays, completions and skips over the last n days, keyed "artistId|days". */
    artistTotals: once(async (key) => {
      const [artistId, days] = key.split("|");
      const [row] = await db.$queryRawUnsafe<{ plays: number; completions: number; skips: number }[]>(
        `SELECT coalesce(sum("plays"), 0)::int AS plays, coalesce(sum("completions"), 0)::int AS completions,
           coalesce(sum("skips"), 0)::int AS skips
         FROM "metrics"."ArtistDaily" WHERE "artistId" = $1::uuid AND "day" > (now() AT TIME ZONE 'UTC')::date - $2::int`,
        artistId,
        Number(days),
      );
      return row!;
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
