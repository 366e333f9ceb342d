// Who may see and edit what (DESIGN.md §4). `isPublic` is the artist's switch, `isVisible` the
// admin's. A listener sees an item only when both are on for it and for what it belongs to;
// the managers of the item's artist and admins see everything. Hidden items answer exactly as
// items that never existed (null), so their existence does not leak.
import { forbidden, requireViewer } from "@melodi/kit";
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
    const [artist, collection] = await Promise.all([ctx.loaders.artist.load(song.primaryArtistId), ctx.loaders.collection.load(song.collectionId)]);
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

/** Keeps the rows the viewer may see, in order. */
export async function filterVisible<T>(rows: T[], canSee: (row: T) => Promise<boolean>): Promise<T[]> {
  const keep = await Promise.all(rows.map(canSee));
  return rows.filter((_, i) => keep[i]);
}

/** The rows a DataLoader.loadMany found, dropping misses. */
export function present<T>(rows: (T | Error | null)[]): T[] {
  return rows.filter((row): row is T => row !== null && !(row instanceof Error));
}
