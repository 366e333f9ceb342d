// Who may see and edit what (ARCHITECTURE.md §4). `isPublic` is the artist's switch, `isVisible` the
// admin's. A listener sees an item only when both are on for it and for what it belongs to;
// the managers of the item's artist and admins see everything. Hidden items answer exactly as
// items that never existed (null), so their existence does not leak.
import { forbidden, isUuid, requireRole, requireViewer } from "@melodi/kit";
import type { Context } from "./context.ts";
import type { Prisma } from "./db.ts";
import type { ArtistRow, CollectionRow, SongRow } from "./models.ts";

const on = { isPublic: true, isVisible: true } as const;

/** SQL filters for what listeners may see, for list queries. */
export const listenerWhere = {
  artist: on satisfies Prisma.ArtistWhereInput,
  collection: { ...on, primaryArtist: on } satisfies Prisma.CollectionWhereInput,
  song: { ...on, primaryArtist: on, collection: { ...on, primaryArtist: on } } satisfies Prisma.SongWhereInput,
};

const shown = (row: { isPublic: boolean; isVisible: boolean }) => row.isPublic && row.isVisible;

export async function canManage(ctx: Context, artistId: string): Promise<boolean> {
  if (!ctx.viewer) return false;
  if (ctx.viewer.role === "ADMIN") return true;
  if (ctx.viewer.role !== "ARTIST") return false;
  return (await ctx.loaders.viewerManages.load("viewer")).has(artistId);
}

/** Throws FORBIDDEN (or UNAUTHENTICATED) unless the viewer manages the artist or is an admin. */
export async function requireManager(ctx: Context, artistId: string): Promise<void> {
  requireViewer(ctx.viewer);
  if (!(await canManage(ctx, artistId))) throw forbidden("Only the artist's managers and admins may do this.");
}

export async function canSeeArtist(ctx: Context, artist: ArtistRow): Promise<boolean> {
  return shown(artist) || canManage(ctx, artist.id);
}

export async function canSeeCollection(ctx: Context, collection: CollectionRow): Promise<boolean> {
  if (shown(collection)) {
    const artist = await ctx.loaders.artist.load(collection.primaryArtistId);
    if (artist && shown(artist)) return true;
  }
  return canManage(ctx, collection.primaryArtistId);
}

export async function canSeeSong(ctx: Context, song: SongRow): Promise<boolean> {
  if (shown(song)) {
    const [artist, collection] = await Promise.all([
      ctx.loaders.artist.load(song.primaryArtistId),
      ctx.loaders.collection.load(song.collectionId),
    ]);
    if (artist && shown(artist) && collection && shown(collection)) {
      const collectionArtist = await ctx.loaders.artist.load(collection.primaryArtistId);
      if (collectionArtist && shown(collectionArtist)) return true;
    }
  }
  if (await canManage(ctx, song.primaryArtistId)) return true;
  const collection = await ctx.loaders.collection.load(song.collectionId);
  return collection ? canManage(ctx, collection.primaryArtistId) : false;
}

/** Loads by id and returns the row only if the viewer may see it. */
export async function visibleArtist(ctx: Context, id: string): Promise<ArtistRow | null> {
  const row = await ctx.loaders.artist.load(id);
  return row && (await canSeeArtist(ctx, row)) ? row : null;
}

export async function visibleCollection(ctx: Context, id: string): Promise<CollectionRow | null> {
  const row = await ctx.loaders.collection.load(id);
  return row && (await canSeeCollection(ctx, row)) ? row : null;
}

export async function visibleSong(ctx: Context, id: string): Promise<SongRow | null> {
  const row = await ctx.loaders.song.load(id);
  return row && (await canSeeSong(ctx, row)) ? row : null;
}

/** The artists of these ids the viewer may see, in order (featured artists, managed artists). */
export async function visibleArtistsOf(ctx: Context, ids: string[]): Promise<ArtistRow[]> {
  return filterVisible(present(await ctx.loaders.artist.loadMany(ids)), (a) => canSeeArtist(ctx, a));
}

/**
 * A release's tracks the viewer may see, in order: worked out once per request and release, as
 * `tracks`, `trackCount` and `totalDurationMs` all need them.
 */
export function visibleTracks(ctx: Context, collectionId: string): Promise<SongRow[]> {
  let tracks = ctx.loaders.visibleTracks.get(collectionId);
  if (!tracks) {
    tracks = ctx.loaders.collectionSongs
      .load(collectionId)
      .then((songs) => filterVisible(songs, (song) => canSeeSong(ctx, song)));
    ctx.loaders.visibleTracks.set(collectionId, tracks);
  }
  return tracks;
}

/**
 * An admin-only change to one item (visibility, verification): false when no item has this id,
 * so the caller answers with its not-found userError.
 */
export async function adminChange<T>(
  ctx: Context,
  id: string,
  load: (id: string) => Promise<T | null>,
  change: () => Promise<unknown>,
): Promise<boolean> {
  requireRole(ctx.viewer, "ADMIN");
  if (!isUuid(id) || !(await load(id))) return false;
  await change();
  return true;
}

/** Keeps the rows the viewer may see, in order. */
export async function filterVisible<T>(rows: T[], canSee: (row: T) => Promise<boolean>): Promise<T[]> {
  const keep = await Promise.all(rows.map(canSee));
  return rows.filter((_, i) => keep[i]);
}

/** The rows a DataLoader.loadMany found, dropping misses. */
export function present<T>(rows: (T | Error | null)[]): T[] {
  return rows.filter((row): row is T => row !== null && !(row instanceof Error));
}

/**
 * The item a mutation names, if the caller may change it. USER accounts get FORBIDDEN. An item
 * the caller may not even see answers null, exactly like an id that does not exist, so hidden
 * items do not leak; one they see but do not manage is FORBIDDEN.
 */
async function manageable<T>(
  ctx: Context,
  row: T | null,
  artistId: (row: T) => string,
  canSee: (row: T) => Promise<boolean>,
): Promise<T | null> {
  if (!row) return null;
  if (await canManage(ctx, artistId(row))) return row;
  if (!(await canSee(row))) return null;
  throw forbidden("Only the artist's managers and admins may do this.");
}

export async function managedArtist(ctx: Context, id: string): Promise<ArtistRow | null> {
  requireRole(ctx.viewer, "ARTIST", "ADMIN");
  const row = isUuid(id) ? await ctx.loaders.artist.load(id) : null;
  return manageable(
    ctx,
    row,
    (a) => a.id,
    (a) => canSeeArtist(ctx, a),
  );
}

export async function managedCollection(ctx: Context, id: string): Promise<CollectionRow | null> {
  requireRole(ctx.viewer, "ARTIST", "ADMIN");
  const row = isUuid(id) ? await ctx.loaders.collection.load(id) : null;
  return manageable(
    ctx,
    row,
    (c) => c.primaryArtistId,
    (c) => canSeeCollection(ctx, c),
  );
}

/** A song is managed by the managers of its release's artist. */
export async function managedSong(ctx: Context, id: string): Promise<SongRow | null> {
  requireRole(ctx.viewer, "ARTIST", "ADMIN");
  const row = isUuid(id) ? await ctx.loaders.song.load(id) : null;
  const collection = row ? await ctx.loaders.collection.load(row.collectionId) : null;
  if (!row || !collection) return null;
  return manageable(
    ctx,
    row,
    () => collection.primaryArtistId,
    (song) => canSeeSong(ctx, song),
  );
}
