import { z } from "zod";
import type { Resolvers } from "../generated/graphql.ts";
import type { Context } from "../context.ts";
import { catalogChanged } from "../changed.ts";
import {
  adminChange,
  canSeeArtist,
  managedArtist,
  managedCollection,
  visibleArtistsOf,
  visibleCollection,
  visibleTracks,
} from "../access.ts";
import { fail, notFound, type CatalogUserError } from "../errors.ts";
import { searchable } from "../text.ts";
import { parseInput, rules } from "../validation.ts";
import { collectionPage } from "./pages.ts";

const TYPES = ["ALBUM", "EP", "SINGLE"] as const;
const date = z.coerce.date({ error: "Not a valid date." });
const createInput = z.object({
  artistId: z.string(),
  type: z.enum(TYPES),
  title: rules.title,
  releaseDate: date,
  coverUrl: rules.url.nullish(),
  featuredArtistIds: rules.artistIds.nullish(),
});
const updateInput = z.object({
  collectionId: z.string(),
  type: z.enum(TYPES).nullish(),
  title: rules.title.nullish(),
  releaseDate: date.nullish(),
  coverUrl: rules.url.nullish(),
  featuredArtistIds: rules.artistIds.nullish(),
});
const reorderInput = z.object({
  collectionId: z.string(),
  tracks: z
    .array(z.object({ songId: z.string(), discNumber: rules.discNumber.nullish(), trackNumber: rules.trackNumber }))
    .max(200, { error: "At most 200 tracks." }),
});

/** Featured artists must exist and be visible to the caller; others are a typed error. */
export async function checkArtists(ctx: Context, ids: string[], field: string[]) {
  const rows = await ctx.loaders.artist.loadMany(ids);
  const seen = await Promise.all(
    rows.map(async (row) => !!row && !(row instanceof Error) && (await canSeeArtist(ctx, row))),
  );
  const missing = ids.find((_, i) => !seen[i]);
  return missing ? [fail("ARTIST_NOT_FOUND", `No artist with id ${missing}.`, field)] : [];
}

async function reload(ctx: Context, id: string) {
  ctx.loaders.collection.clear(id);
  ctx.loaders.collectionSongs.clear(id);
  ctx.loaders.visibleTracks.delete(id);
  ctx.loaders.collectionFeatured.clear(id);
  return ctx.loaders.collection.load(id);
}

/** A new track order must give every song of the release exactly one free position. */
function checkOrder(
  tracks: { songId: string; discNumber: number; trackNumber: number }[],
  songIds: Set<string>,
): CatalogUserError | null {
  const seenSongs = new Set<string>();
  const seenPositions = new Set<string>();
  for (const [i, track] of tracks.entries()) {
    const field = ["input", "tracks", String(i)];
    if (!songIds.has(track.songId))
      return fail("SONG_NOT_FOUND", "This song is not on this release.", [...field, "songId"]);
    if (seenSongs.has(track.songId))
      return fail("DUPLICATE_SONG", "A song can have only one position.", [...field, "songId"]);
    const position = `${track.discNumber}:${track.trackNumber}`;
    if (seenPositions.has(position))
      return fail("TRACK_POSITION_TAKEN", `Disc ${track.discNumber}, track ${track.trackNumber} is given twice.`, [
        ...field,
        "trackNumber",
      ]);
    seenSongs.add(track.songId);
    seenPositions.add(position);
  }
  if (seenSongs.size !== songIds.size)
    return fail("TRACKS_INCOMPLETE", "Give a position for every song of the release.", ["input", "tracks"]);
  return null;
}

export const resolvers: Resolvers = {
  Query: {
    collection: (_parent, { id }, ctx) => visibleCollection(ctx, id),
    newReleases: (_parent, args, ctx) => collectionPage(ctx, { type: args.type }, args),
  },

  Collection: {
    __resolveReference: (ref, ctx) => visibleCollection(ctx, ref.id),
    releaseDate: (collection) => collection.releaseDate.toISOString().slice(0, 10),
    async primaryArtist(collection, _args, ctx) {
      const artist = await ctx.loaders.artist.load(collection.primaryArtistId);
      if (!artist) throw new Error(`collection ${collection.id} has no artist`);
      return artist;
    },
    async featuredArtists(collection, _args, ctx) {
      return visibleArtistsOf(
        ctx,
        (await ctx.loaders.collectionFeatured.load(collection.id)).map((f) => f.artistId),
      );
    },
    async tracks(collection, _args, ctx) {
      return (await visibleTracks(ctx, collection.id)).map((song) => ({ song }));
    },
    trackCount: async (collection, _args, ctx) => (await visibleTracks(ctx, collection.id)).length,
    totalDurationMs: async (collection, _args, ctx) =>
      (await visibleTracks(ctx, collection.id)).reduce((sum, song) => sum + song.durationMs, 0),
  },

  Track: {
    discNumber: ({ song }) => song.discNumber,
    trackNumber: ({ song }) => song.trackNumber,
    song: ({ song }) => song,
  },

  Mutation: {
    async createCollection(_parent, { input }, ctx) {
      const artist = await managedArtist(ctx, input.artistId);
      if (!artist) return { collection: null, userErrors: [notFound.artist()] };
      const parsed = parseInput(createInput, input);
      if (!parsed.ok) return { collection: null, userErrors: parsed.userErrors };
      const { type, title, releaseDate, coverUrl, featuredArtistIds } = parsed.value;
      const featured = [...new Set(featuredArtistIds ?? [])].filter((id) => id !== artist.id);
      const missing = await checkArtists(ctx, featured, ["input", "featuredArtistIds"]);
      if (missing.length) return { collection: null, userErrors: missing };
      const collection = await ctx.db.collection.create({
        data: {
          type,
          title,
          releaseDate,
          coverUrl: coverUrl ?? null,
          primaryArtistId: artist.id,
          searchText: searchable(title, artist.name),
          featuredArtists: { create: featured.map((artistId, position) => ({ artistId, position })) },
        },
      });
      await catalogChanged(ctx);
      return { collection, userErrors: [] };
    },

    async updateCollection(_parent, { input }, ctx) {
      const collection = await managedCollection(ctx, input.collectionId);
      if (!collection) return { collection: null, userErrors: [notFound.collection()] };
      const parsed = parseInput(updateInput, input);
      if (!parsed.ok) return { collection: null, userErrors: parsed.userErrors };
      const { type, title, releaseDate, coverUrl, featuredArtistIds } = parsed.value;
      const featured = featuredArtistIds
        ? [...new Set(featuredArtistIds)].filter((id) => id !== collection.primaryArtistId)
        : null;
      if (featured) {
        const missing = await checkArtists(ctx, featured, ["input", "featuredArtistIds"]);
        if (missing.length) return { collection: null, userErrors: missing };
      }
      const artist = await ctx.loaders.artist.load(collection.primaryArtistId);
      await ctx.db.$transaction(async (tx) => {
        await tx.collection.update({
          where: { id: collection.id },
          data: {
            ...(type ? { type } : {}),
            ...(title ? { title, searchText: searchable(title, artist?.name) } : {}),
            ...(releaseDate ? { releaseDate } : {}),
            ...("coverUrl" in input ? { coverUrl: coverUrl ?? null } : {}),
          },
        });
        if (featured) {
          await tx.collectionArtist.deleteMany({ where: { collectionId: collection.id } });
          await tx.collectionArtist.createMany({
            data: featured.map((artistId, position) => ({ collectionId: collection.id, artistId, position })),
          });
        }
      });
      await catalogChanged(ctx);
      return { collection: await reload(ctx, collection.id), userErrors: [] };
    },

    async setCollectionPublic(_parent, { input }, ctx) {
      const collection = await managedCollection(ctx, input.collectionId);
      if (!collection) return { collection: null, userErrors: [notFound.collection()] };
      await ctx.db.collection.update({ where: { id: collection.id }, data: { isPublic: input.isPublic } });
      await catalogChanged(ctx);
      return { collection: await reload(ctx, collection.id), userErrors: [] };
    },

    async setCollectionVisible(_parent, { input }, ctx) {
      const changed = await adminChange(
        ctx,
        input.collectionId,
        (id) => ctx.loaders.collection.load(id),
        () => ctx.db.collection.update({ where: { id: input.collectionId }, data: { isVisible: input.isVisible } }),
      );
      if (!changed) return { collection: null, userErrors: [notFound.collection()] };
      await catalogChanged(ctx);
      return { collection: await reload(ctx, input.collectionId), userErrors: [] };
    },

    async reorderTracks(_parent, { input }, ctx) {
      const collection = await managedCollection(ctx, input.collectionId);
      if (!collection) return { collection: null, userErrors: [notFound.collection()] };
      const parsed = parseInput(reorderInput, input);
      if (!parsed.ok) return { collection: null, userErrors: parsed.userErrors };
      const tracks = parsed.value.tracks.map((t) => ({
        songId: t.songId,
        discNumber: t.discNumber ?? 1,
        trackNumber: t.trackNumber,
      }));
      // The release row is locked for the check and the move, and createSong takes the same
      // lock: a song added meanwhile cannot be left out of the new order.
      const outcome = await ctx.db.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT id FROM "catalog"."Collection" WHERE id = ${collection.id}::uuid FOR UPDATE`;
        const songs = await tx.song.findMany({ where: { collectionId: collection.id }, select: { id: true } });
        const problem = checkOrder(tracks, new Set(songs.map((s) => s.id)));
        if (problem) return { problem, songs: [] };
        // Two statements so the unique (disc, track) constraint never sees a half-moved order:
        // every song first to a free negative slot, then to its new place.
        const songIds = tracks.map((t) => t.songId);
        await tx.$executeRaw`UPDATE "catalog"."Song" AS s SET "discNumber" = -1, "trackNumber" = -v.ord::int FROM unnest(${songIds}::uuid[]) WITH ORDINALITY AS v(id, ord) WHERE s.id = v.id`;
        await tx.$executeRaw`UPDATE "catalog"."Song" AS s SET "discNumber" = v.disc, "trackNumber" = v.track FROM unnest(${songIds}::uuid[], ${tracks.map((t) => t.discNumber)}::int[], ${tracks.map((t) => t.trackNumber)}::int[]) AS v(id, disc, track) WHERE s.id = v.id`;
        return { problem: null, songs };
      });
      if (outcome.problem) return { collection: null, userErrors: [outcome.problem] };
      const songs = outcome.songs;
      for (const song of songs) ctx.loaders.song.clear(song.id);
      return { collection: await reload(ctx, collection.id), userErrors: [] };
    },
  },
};
