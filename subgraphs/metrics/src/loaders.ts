// Per-request DataLoaders (ARCHITECTURE.md §10): one statement per kind, whatever the page size.
import { byIds } from "@melodi/kit";
import type { Db } from "./db.ts";

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
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
