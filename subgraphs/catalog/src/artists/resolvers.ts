import { badUserInput, forbidden, requireRole } from "@melodi/kit";
import { z } from "zod";
import type { Resolvers } from "../generated/graphql.ts";
import type { Context } from "../context.ts";
import { catalogChanged } from "../changed.ts";
import type { Prisma } from "../db.ts";
import {
  adminChange,
  canManage,
  canSeeArtist,
  managedArtist,
  requireManager,
  visibleArtist,
  visibleArtistsOf,
} from "../access.ts";
import { fail, isUniqueViolation, notFound } from "../errors.ts";
import { genreIdsFor } from "../genres/lookup.ts";
import { searchable, slugify } from "../text.ts";
import { parseInput, rules } from "../validation.ts";
import { collectionPage } from "../collections/pages.ts";

const createInput = z.object({
  name: rules.name,
  slug: rules.slug.nullish(),
  imageUrl: rules.url.nullish(),
  genreSlugs: rules.genreSlugs.nullish(),
  managerUserIds: rules.artistIds.nullish(),
});
const updateInput = z.object({
  artistId: z.string(),
  name: rules.name.nullish(),
  slug: rules.slug.nullish(),
  imageUrl: rules.url.nullish(),
  genreSlugs: rules.genreSlugs.nullish(),
});
const aboutInput = z.object({
  artistId: z.string(),
  biography: rules.biography.nullish(),
  images: z
    .array(z.object({ url: rules.url, caption: rules.caption.nullish() }))
    .max(20, { error: "At most 20 images." })
    .nullish(),
});

const SLUG_TAKEN = () => fail("SLUG_TAKEN", "Another artist already uses this slug.", ["input", "slug"]);

async function reload(ctx: Context, id: string) {
  ctx.loaders.artist.clear(id);
  return ctx.loaders.artist.load(id);
}

/**
 * A release's and a song's search text carry their artist's name, so a rename rewrites them, in
 * the rename's transaction (the trigger then refreshes their full-text vectors).
 */
async function renameInSearch(tx: Prisma.TransactionClient, artistId: string, name: string): Promise<void> {
  const [collections, songs] = await Promise.all([
    tx.collection.findMany({ where: { primaryArtistId: artistId }, select: { id: true, title: true } }),
    tx.song.findMany({ where: { primaryArtistId: artistId }, select: { id: true, title: true } }),
  ]);
  if (collections.length) {
    await tx.$executeRaw`UPDATE "catalog"."Collection" AS c SET "searchText" = v.text FROM unnest(${collections.map((c) => c.id)}::uuid[], ${collections.map((c) => searchable(c.title, name))}::text[]) AS v(id, text) WHERE c.id = v.id`;
  }
  if (songs.length) {
    await tx.$executeRaw`UPDATE "catalog"."Song" AS s SET "searchText" = v.text FROM unnest(${songs.map((s) => s.id)}::uuid[], ${songs.map((s) => searchable(s.title, name))}::text[]) AS v(id, text) WHERE s.id = v.id`;
  }
}

export const resolvers: Resolvers = {
  Query: {
    async artist(_parent, { id, slug }, ctx) {
      if ((id == null) === (slug == null)) throw badUserInput("Give exactly one of id and slug.");
      if (id != null) return visibleArtist(ctx, id);
      const row = await ctx.db.artist.findUnique({ where: { slug: String(slug).slice(0, 80) } });
      if (!row) return null;
      ctx.loaders.artist.prime(row.id, row);
      return (await canSeeArtist(ctx, row)) ? row : null;
    },
  },

  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
    async artistProfiles(user, _args, ctx) {
      const links = await ctx.loaders.managedArtists.load(user.id);
      return visibleArtistsOf(
        ctx,
        links.map((l) => l.artistId),
      );
    },
  },

  Artist: {
    __resolveReference: (ref, ctx) => visibleArtist(ctx, ref.id),
    async genres(artist, _args, ctx) {
      return (await ctx.loaders.artistGenres.load(artist.id)).map((row) => row.genre);
    },
    about: (artist) => ({ artist }),
    discography: (artist) => ({ artist }),
    viewerCanManage: (artist, _args, ctx) => canManage(ctx, artist.id),
    async managers(artist, _args, ctx) {
      await requireManager(ctx, artist.id);
      return (await ctx.loaders.managers.load(artist.id)).map((m) => ({ id: m.userId }));
    },
  },

  About: {
    biography: ({ artist }) => artist.biography,
    images: ({ artist }, _args, ctx) => ctx.loaders.aboutImages.load(artist.id),
  },

  Discography: {
    albums: ({ artist }, args, ctx) => collectionPage(ctx, { artist, type: "ALBUM" }, args),
    eps: ({ artist }, args, ctx) => collectionPage(ctx, { artist, type: "EP" }, args),
    singles: ({ artist }, args, ctx) => collectionPage(ctx, { artist, type: "SINGLE" }, args),
  },

  Mutation: {
    async createArtist(_parent, { input }, ctx) {
      const viewer = requireRole(ctx.viewer, "ARTIST", "ADMIN");
      const parsed = parseInput(createInput, input);
      if (!parsed.ok) return { artist: null, userErrors: parsed.userErrors };
      const { name, slug, imageUrl, genreSlugs, managerUserIds } = parsed.value;
      if (managerUserIds && viewer.role !== "ADMIN") throw forbidden("Only admins may name an artist's managers.");
      const genres = await genreIdsFor(ctx.db, genreSlugs ?? [], ["input", "genreSlugs"]);
      if (!genres.ok) return { artist: null, userErrors: genres.userErrors };
      const finalSlug = slug ?? slugify(name);
      if (!finalSlug)
        return {
          artist: null,
          userErrors: [fail("INVALID_SLUG", "Give a slug: none can be made from this name.", ["input", "slug"])],
        };
      const managers = viewer.role === "ADMIN" ? [...new Set(managerUserIds ?? [])] : [viewer.id];
      try {
        const artist = await ctx.db.artist.create({
          data: {
            name,
            slug: finalSlug,
            imageUrl: imageUrl ?? null,
            searchText: searchable(name),
            genres: { create: genres.ids.map((genreId) => ({ genreId })) },
            managers: { create: managers.map((userId) => ({ userId })) },
          },
        });
        ctx.loaders.viewerManages.clear("viewer");
        await catalogChanged(ctx);
        return { artist, userErrors: [] };
      } catch (err) {
        if (isUniqueViolation(err, "slug")) return { artist: null, userErrors: [SLUG_TAKEN()] };
        throw err;
      }
    },

    async updateArtist(_parent, { input }, ctx) {
      const artist = await managedArtist(ctx, input.artistId);
      if (!artist) return { artist: null, userErrors: [notFound.artist()] };
      const parsed = parseInput(updateInput, input);
      if (!parsed.ok) return { artist: null, userErrors: parsed.userErrors };
      const { name, slug, imageUrl, genreSlugs } = parsed.value;
      const genres = genreSlugs ? await genreIdsFor(ctx.db, genreSlugs, ["input", "genreSlugs"]) : null;
      if (genres && !genres.ok) return { artist: null, userErrors: genres.userErrors };
      try {
        await ctx.db.$transaction(async (tx) => {
          await tx.artist.update({
            where: { id: artist.id },
            data: {
              ...(name ? { name, searchText: searchable(name) } : {}),
              ...(slug ? { slug } : {}),
              ...("imageUrl" in input ? { imageUrl: imageUrl ?? null } : {}),
            },
          });
          if (genres) {
            await tx.artistGenre.deleteMany({ where: { artistId: artist.id } });
            await tx.artistGenre.createMany({ data: genres.ids.map((genreId) => ({ artistId: artist.id, genreId })) });
          }
          if (name && name !== artist.name) await renameInSearch(tx, artist.id, name);
        });
      } catch (err) {
        if (isUniqueViolation(err, "slug")) return { artist: null, userErrors: [SLUG_TAKEN()] };
        throw err;
      }
      await catalogChanged(ctx);
      return { artist: await reload(ctx, artist.id), userErrors: [] };
    },

    async updateArtistAbout(_parent, { input }, ctx) {
      const artist = await managedArtist(ctx, input.artistId);
      if (!artist) return { artist: null, userErrors: [notFound.artist()] };
      const parsed = parseInput(aboutInput, input);
      if (!parsed.ok) return { artist: null, userErrors: parsed.userErrors };
      const { biography, images } = parsed.value;
      await ctx.db.$transaction(async (tx) => {
        if (biography != null) await tx.artist.update({ where: { id: artist.id }, data: { biography } });
        if (images) {
          await tx.aboutImage.deleteMany({ where: { artistId: artist.id } });
          await tx.aboutImage.createMany({
            data: images.map((image, position) => ({
              artistId: artist.id,
              url: image.url,
              caption: image.caption ?? "",
              position,
            })),
          });
        }
      });
      return { artist: await reload(ctx, artist.id), userErrors: [] };
    },

    async setArtistPublic(_parent, { input }, ctx) {
      const artist = await managedArtist(ctx, input.artistId);
      if (!artist) return { artist: null, userErrors: [notFound.artist()] };
      await ctx.db.artist.update({ where: { id: artist.id }, data: { isPublic: input.isPublic } });
      await catalogChanged(ctx);
      return { artist: await reload(ctx, artist.id), userErrors: [] };
    },

    async setArtistVisible(_parent, { input }, ctx) {
      const changed = await adminChange(
        ctx,
        input.artistId,
        (id) => ctx.loaders.artist.load(id),
        () => ctx.db.artist.update({ where: { id: input.artistId }, data: { isVisible: input.isVisible } }),
      );
      if (!changed) return { artist: null, userErrors: [notFound.artist()] };
      await catalogChanged(ctx);
      return { artist: await reload(ctx, input.artistId), userErrors: [] };
    },

    async setArtistVerified(_parent, { input }, ctx) {
      const changed = await adminChange(
        ctx,
        input.artistId,
        (id) => ctx.loaders.artist.load(id),
        () => ctx.db.artist.update({ where: { id: input.artistId }, data: { isVerified: input.isVerified } }),
      );
      if (!changed) return { artist: null, userErrors: [notFound.artist()] };
      return { artist: await reload(ctx, input.artistId), userErrors: [] };
    },
  },
};
