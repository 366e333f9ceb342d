// Per-request DataLoaders (ARCHITECTURE.md §10): every entity reference and every per-item list in a
// response is one statement per kind, whatever the page size. Rows are loaded unfiltered;
// access.ts decides what the viewer may see.
import DataLoader from "dataloader";
import { byIds, grouped, isUuid, type Viewer } from "@melodi/kit";
import type { Db } from "./db.ts";
import type { ArtistRow, CollectionRow, GenreRow, PickRow, SongRow } from "./models.ts";

export function createLoaders(db: Db, viewer: Viewer | null) {
  return {
    artist: byIds<ArtistRow>((ids) => db.artist.findMany({ where: { id: { in: ids } } })),
    collection: byIds<CollectionRow>((ids) => db.collection.findMany({ where: { id: { in: ids } } })),
    song: byIds<SongRow>((ids) => db.song.findMany({ where: { id: { in: ids } } })),

    artistGenres: grouped<string, { artistId: string; genre: GenreRow }>(
      (row) => row.artistId,
      (ids) =>
        db.artistGenre.findMany({
          where: { artistId: { in: ids } },
          include: { genre: true },
          orderBy: { genre: { name: "asc" } },
        }),
    ),
    songGenres: grouped<string, { songId: string; genre: GenreRow }>(
      (row) => row.songId,
      (ids) =>
        db.songGenre.findMany({
          where: { songId: { in: ids } },
          include: { genre: true },
          orderBy: { genre: { name: "asc" } },
        }),
    ),
    songFeatured: grouped<string, { songId: string; artistId: string }>(
      (row) => row.songId,
      (ids) => db.songArtist.findMany({ where: { songId: { in: ids } }, orderBy: { position: "asc" } }),
    ),
    collectionFeatured: grouped<string, { collectionId: string; artistId: string }>(
      (row) => row.collectionId,
      (ids) => db.collectionArtist.findMany({ where: { collectionId: { in: ids } }, orderBy: { position: "asc" } }),
    ),
    /** Every song of each collection, in disc and track order (visibility applied by callers). */
    collectionSongs: grouped<string, SongRow>(
      (row) => row.collectionId,
      (ids) =>
        db.song.findMany({
          where: { collectionId: { in: ids } },
          orderBy: [{ discNumber: "asc" }, { trackNumber: "asc" }],
        }),
    ),
    aboutImages: grouped<string, { artistId: string; url: string; caption: string }>(
      (row) => row.artistId,
      (ids) => db.aboutImage.findMany({ where: { artistId: { in: ids } }, orderBy: { position: "asc" } }),
    ),
    picks: grouped<string, PickRow>(
      (row) => row.artistId,
      (ids) => db.artistPick.findMany({ where: { artistId: { in: ids } }, orderBy: { position: "asc" } }),
    ),
    managers: grouped<string, { artistId: string; userId: string }>(
      (row) => row.artistId,
      (ids) => db.artistManager.findMany({ where: { artistId: { in: ids } }, orderBy: { createdAt: "asc" } }),
    ),
    managedArtists: grouped<string, { artistId: string; userId: string }>(
      (row) => row.userId,
      (ids) =>
        db.artistManager.findMany({ where: { userId: { in: ids.filter(isUuid) } }, orderBy: { createdAt: "asc" } }),
    ),

    /** Memo of access.ts visibleTracks, per release (cleared with collectionSongs). */
    visibleTracks: new Map<string, Promise<SongRow[]>>(),

    /** The artist ids the viewer manages: one statement per request, on first use. */
    viewerManages: new DataLoader<"viewer", Set<string>>(async (keys) => {
      const ids =
        viewer && viewer.role !== "USER"
          ? (await db.artistManager.findMany({ where: { userId: viewer.id }, select: { artistId: true } })).map(
              (r) => r.artistId,
            )
          : [];
      return keys.map(() => new Set(ids));
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
