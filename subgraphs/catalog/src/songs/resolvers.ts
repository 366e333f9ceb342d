import { z } from "zod";
import type { Resolvers } from "../generated/graphql.ts";
import type { Context } from "../context.ts";
import { catalogChanged } from "../changed.ts";
import { adminChange, managedCollection, managedSong, visibleArtistsOf, visibleSong } from "../access.ts";
import { fail, isUniqueViolation, notFound } from "../errors.ts";
import { genreIdsFor } from "../genres/lookup.ts";
import { searchable } from "../text.ts";
import { parseInput, rules } from "../validation.ts";
import { checkArtists } from "../collections/resolvers.ts";

const createInput = z.object({
  collectionId: z.string(),
  title: rules.title,
  durationMs: rules.durationMs,
  explicit: z.boolean().nullish(),
  discNumber: rules.discNumber.nullish(),
  trackNumber: rules.trackNumber,
  featuredArtistIds: rules.artistIds.nullish(),
  genreSlugs: rules.genreSlugs.nullish(),
});
const updateInput = z.object({
  songId: z.string(),
  title: rules.title.nullish(),
  durationMs: rules.durationMs.nullish(),
  explicit: z.boolean().nullish(),
  featuredArtistIds: rules.artistIds.nullish(),
  genreSlugs: rules.genreSlugs.nullish(),
});

const POSITION_TAKEN = () =>
  fail("TRACK_POSITION_TAKEN", "Another song already has this disc and track number on this release.", [
    "input",
    "trackNumber",
  ]);

async function reload(ctx: Context, id: string) {
  ctx.loaders.song.clear(id);
  ctx.loaders.songGenres.clear(id);
  ctx.loaders.songFeatured.clear(id);
  return ctx.loaders.song.load(id);
}

export const resolvers: Resolvers = {
  Query: {
    song: (_parent, { id }, ctx) => visibleSong(ctx, id),
  },

  Song: {
    __resolveReference: (ref, ctx) => visibleSong(ctx, ref.id),
    async collection(song, _args, ctx) {
      const collection = await ctx.loaders.collection.load(song.collectionId);
      if (!collection) throw new Error(`song ${song.id} has no collection`);
      return collection;
    },
    async primaryArtist(song, _args, ctx) {
      const artist = await ctx.loaders.artist.load(song.primaryArtistId);
      if (!artist) throw new Error(`song ${song.id} has no artist`);
      return artist;
    },
    async featuredArtists(song, _args, ctx) {
      return visibleArtistsOf(
        ctx,
        (await ctx.loaders.songFeatured.load(song.id)).map((f) => f.artistId),
      );
    },
    genres: async (song, _args, ctx) => (await ctx.loaders.songGenres.load(song.id)).map((row) => row.genre),
  },

  Mutation: {
    async createSong(_parent, { input }, ctx) {
      const collection = await managedCollection(ctx, input.collectionId);
      if (!collection) return { song: null, userErrors: [notFound.collection()] };
      const parsed = parseInput(createInput, input);
      if (!parsed.ok) return { song: null, userErrors: parsed.userErrors };
      const { title, durationMs, explicit, discNumber, trackNumber, featuredArtistIds, genreSlugs } = parsed.value;
      const featured = [...new Set(featuredArtistIds ?? [])].filter((id) => id !== collection.primaryArtistId);
      const missing = await checkArtists(ctx, featured, ["input", "featuredArtistIds"]);
      if (missing.length) return { song: null, userErrors: missing };
      const genres = await genreIdsFor(ctx.db, genreSlugs ?? [], ["input", "genreSlugs"]);
      if (!genres.ok) return { song: null, userErrors: genres.userErrors };
      const artist = await ctx.loaders.artist.load(collection.primaryArtistId);
      try {
        // Locks the release like reorderTracks does, so a reorder never misses this song.
        const song = await ctx.db.$transaction(async (tx) => {
          await tx.$queryRaw`SELECT id FROM "catalog"."Collection" WHERE id = ${collection.id}::uuid FOR UPDATE`;
          return tx.song.create({
            data: {
              title,
              durationMs,
              explicit: explicit ?? false,
              discNumber: discNumber ?? 1,
              trackNumber,
              collectionId: collection.id,
              primaryArtistId: collection.primaryArtistId,
              searchText: searchable(title, artist?.name),
              featuredArtists: { create: featured.map((artistId, position) => ({ artistId, position })) },
              genres: { create: genres.ids.map((genreId) => ({ genreId })) },
            },
          });
        });
        ctx.loaders.collectionSongs.clear(collection.id);
        await catalogChanged(ctx);
        return { song, userErrors: [] };
      } catch (err) {
        if (isUniqueViolation(err, "trackNumber")) return { song: null, userErrors: [POSITION_TAKEN()] };
        throw err;
      }
    },

    async updateSong(_parent, { input }, ctx) {
      const song = await managedSong(ctx, input.songId);
      if (!song) return { song: null, userErrors: [notFound.song()] };
      const parsed = parseInput(updateInput, input);
      if (!parsed.ok) return { song: null, userErrors: parsed.userErrors };
      const { title, durationMs, explicit, featuredArtistIds, genreSlugs } = parsed.value;
      const featured = featuredArtistIds
        ? [...new Set(featuredArtistIds)].filter((id) => id !== song.primaryArtistId)
        : null;
      if (featured) {
        const missing = await checkArtists(ctx, featured, ["input", "featuredArtistIds"]);
        if (missing.length) return { song: null, userErrors: missing };
      }
      const genres = genreSlugs ? await genreIdsFor(ctx.db, genreSlugs, ["input", "genreSlugs"]) : null;
      if (genres && !genres.ok) return { song: null, userErrors: genres.userErrors };
      const artist = await ctx.loaders.artist.load(song.primaryArtistId);
      await ctx.db.$transaction(async (tx) => {
        await tx.song.update({
          where: { id: song.id },
          data: {
            ...(title ? { title, searchText: searchable(title, artist?.name) } : {}),
            ...(durationMs ? { durationMs } : {}),
            ...(explicit != null ? { explicit } : {}),
          },
        });
        if (featured) {
          await tx.songArtist.deleteMany({ where: { songId: song.id } });
          await tx.songArtist.createMany({
            data: featured.map((artistId, position) => ({ songId: song.id, artistId, position })),
          });
        }
        if (genres) {
          await tx.songGenre.deleteMany({ where: { songId: song.id } });
          await tx.songGenre.createMany({ data: genres.ids.map((genreId) => ({ songId: song.id, genreId })) });
        }
      });
      await catalogChanged(ctx);
      return { song: await reload(ctx, song.id), userErrors: [] };
    },

    async setSongPublic(_parent, { input }, ctx) {
      const song = await managedSong(ctx, input.songId);
      if (!song) return { song: null, userErrors: [notFound.song()] };
      await ctx.db.song.update({ where: { id: song.id }, data: { isPublic: input.isPublic } });
      await catalogChanged(ctx);
      return { song: await reload(ctx, song.id), userErrors: [] };
    },

    async setSongVisible(_parent, { input }, ctx) {
      const changed = await adminChange(
        ctx,
        input.songId,
        (id) => ctx.loaders.song.load(id),
        () => ctx.db.song.update({ where: { id: input.songId }, data: { isVisible: input.isVisible } }),
      );
      if (!changed) return { song: null, userErrors: [notFound.song()] };
      await catalogChanged(ctx);
      return { song: await reload(ctx, input.songId), userErrors: [] };
    },
  },
};
