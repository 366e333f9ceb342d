// Per-request DataLoaders (ARCHITECTURE.md §10): every playlist, count, cover and viewer state in a
// response is loaded in one statement per kind, whatever the page size.
import { byIds, grouped, viewerSet, type Viewer } from "@melodi/kit";
import type { CatalogSongRow, Db, PlaylistItemRow, PlaylistRow } from "./db.ts";

const count = (rows: { _count: { _all: number } }[]) => rows[0]?._count._all ?? 0;

export interface PlaylistTotals {
  playlistId: string;
  items: number;
  available: number;
  seconds: number;
}

export function createLoaders(db: Db, viewer: Viewer | null) {
  return {
    playlist: byIds<PlaylistRow>((ids) => db.playlist.findMany({ where: { id: { in: ids } } })),

    item: byIds<PlaylistItemRow>((ids) => db.playlistItem.findMany({ where: { id: { in: ids } } })),

    /** What library knows of each song (from catalog's events); null for a song it never heard of. */
    song: byIds<CatalogSongRow>((ids) => db.catalogSong.findMany({ where: { id: { in: ids } } })),

    /** Item count, available songs and their length, per playlist, in one statement. */
    totals: grouped(
      (row: PlaylistTotals) => row.playlistId,
      (ids: string[]) => db.$queryRaw<PlaylistTotals[]>`
        SELECT i."playlistId"::text AS "playlistId", count(*)::int AS items,
               (count(*) FILTER (WHERE s."listed"))::int AS available,
               (coalesce(sum(s."durationMs") FILTER (WHERE s."listed"), 0) / 1000)::int AS seconds
        FROM "library"."PlaylistItem" i LEFT JOIN "library"."CatalogSong" s ON s."id" = i."songId"
        WHERE i."playlistId" = ANY(${ids}::uuid[]) GROUP BY i."playlistId"`,
      (rows): Omit<PlaylistTotals, "playlistId"> => rows[0] ?? { items: 0, available: 0, seconds: 0 },
    ),

    /** The first four distinct releases among each playlist's available songs, in item order. */
    coverReleases: grouped(
      (row: { playlistId: string; collectionId: string }) => row.playlistId,
      (ids: string[]) => db.$queryRaw<{ playlistId: string; collectionId: string }[]>`
        SELECT "playlistId", "collectionId" FROM (
          SELECT f."playlistId", f."collectionId",
                 row_number() OVER (PARTITION BY f."playlistId" ORDER BY f."first") AS rank
          FROM (
            SELECT i."playlistId"::text AS "playlistId", s."collectionId"::text AS "collectionId",
                   min(i."position") AS "first"
            FROM "library"."PlaylistItem" i JOIN "library"."CatalogSong" s ON s."id" = i."songId" AND s."listed"
            WHERE i."playlistId" = ANY(${ids}::uuid[])
            GROUP BY i."playlistId", s."collectionId"
          ) f
        ) ranked WHERE rank <= 4 ORDER BY "playlistId", rank`,
    ),

    editorCount: grouped(
      (row) => row.playlistId,
      (ids: string[]) =>
        db.playlistEditor.groupBy({ by: ["playlistId"], where: { playlistId: { in: ids } }, _count: { _all: true } }),
      count,
    ),

    saveCount: grouped(
      (row) => row.playlistId,
      (ids: string[]) =>
        db.playlistSave.groupBy({ by: ["playlistId"], where: { playlistId: { in: ids } }, _count: { _all: true } }),
      count,
    ),

    artistFollowerCount: grouped(
      (row) => row.artistId,
      (ids: string[]) =>
        db.followedArtist.groupBy({ by: ["artistId"], where: { artistId: { in: ids } }, _count: { _all: true } }),
      count,
    ),

    /** Whether the viewer edits each given playlist (invited by its owner). */
    viewerEdits: viewerSet(viewer, async (viewerId, ids) =>
      (
        await db.playlistEditor.findMany({
          where: { userId: viewerId, playlistId: { in: ids } },
          select: { playlistId: true },
        })
      ).map((row) => row.playlistId),
    ),

    viewerSavedPlaylists: viewerSet(viewer, async (viewerId, ids) =>
      (
        await db.playlistSave.findMany({
          where: { userId: viewerId, playlistId: { in: ids } },
          select: { playlistId: true },
        })
      ).map((row) => row.playlistId),
    ),

    viewerLikes: viewerSet(viewer, async (viewerId, ids) =>
      (await db.likedSong.findMany({ where: { userId: viewerId, songId: { in: ids } }, select: { songId: true } })).map(
        (row) => row.songId,
      ),
    ),

    viewerSavedCollections: viewerSet(viewer, async (viewerId, ids) =>
      (
        await db.savedCollection.findMany({
          where: { userId: viewerId, collectionId: { in: ids } },
          select: { collectionId: true },
        })
      ).map((row) => row.collectionId),
    ),

    viewerFollowsArtists: viewerSet(viewer, async (viewerId, ids) =>
      (
        await db.followedArtist.findMany({
          where: { userId: viewerId, artistId: { in: ids } },
          select: { artistId: true },
        })
      ).map((row) => row.artistId),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
