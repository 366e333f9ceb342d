import { z } from "zod";
import { isUuid } from "@melodi/kit";
import type { Resolvers } from "../generated/graphql.ts";
import { canSeeCollection, canSeeSong, managedArtist } from "../access.ts";
import { fail, notFound, type CatalogUserError } from "../errors.ts";
import { parseInput, rules } from "../validation.ts";

export const MAX_PICKS = 5;

const input = z.object({
  artistId: z.string(),
  picks: z
    .array(z.object({ songId: z.string().nullish(), collectionId: z.string().nullish(), note: rules.note.nullish() }))
    .max(MAX_PICKS, { error: `At most ${MAX_PICKS} picks.` }),
});

export const resolvers: Resolvers = {
  Artist: {
    // Picks pointing at something the viewer may not see are left out.
    async picks(artist, _args, ctx) {
      const picks = await ctx.loaders.picks.load(artist.id);
      const items = await Promise.all(
        picks.map(async (pick) => {
          if (pick.songId) {
            const song = await ctx.loaders.song.load(pick.songId);
            return song && (await canSeeSong(ctx, song)) ? { __typename: "Song" as const, ...song } : null;
          }
          const collection = pick.collectionId ? await ctx.loaders.collection.load(pick.collectionId) : null;
          return collection && (await canSeeCollection(ctx, collection))
            ? { __typename: "Collection" as const, ...collection }
            : null;
        }),
      );
      return picks.flatMap((pick, i) => (items[i] ? [{ ...pick, item: items[i] }] : []));
    },
  },

  ArtistPick: {
    item: (pick) => pick.item,
  },

  PickedItem: {
    // Items carry their type name from Artist.picks above.
    __resolveType: (item) => (item as unknown as { __typename: "Song" | "Collection" }).__typename,
  },

  Mutation: {
    async setArtistPicks(_parent, args, ctx) {
      const artist = await managedArtist(ctx, args.input.artistId);
      if (!artist) return { artist: null, userErrors: [notFound.artist()] };
      const parsed = parseInput(input, args.input);
      if (!parsed.ok) return { artist: null, userErrors: parsed.userErrors };

      // Each pick names exactly one of the artist's own songs or releases.
      const errors: CatalogUserError[] = [];
      for (const [i, pick] of parsed.value.picks.entries()) {
        const field = ["input", "picks", String(i)];
        if (!!pick.songId === !!pick.collectionId) {
          errors.push(fail("INVALID", "Give exactly one of songId and collectionId.", field));
        } else if (pick.songId) {
          const song = isUuid(pick.songId) ? await ctx.loaders.song.load(pick.songId) : null;
          if (!song || song.primaryArtistId !== artist.id) errors.push(notFound.song([...field, "songId"]));
        } else if (pick.collectionId) {
          const collection = isUuid(pick.collectionId) ? await ctx.loaders.collection.load(pick.collectionId) : null;
          if (!collection || collection.primaryArtistId !== artist.id)
            errors.push(notFound.collection([...field, "collectionId"]));
        }
      }
      if (errors.length) return { artist: null, userErrors: errors };

      await ctx.db.$transaction([
        ctx.db.artistPick.deleteMany({ where: { artistId: artist.id } }),
        ctx.db.artistPick.createMany({
          data: parsed.value.picks.map((pick, position) => ({
            artistId: artist.id,
            songId: pick.songId ?? null,
            collectionId: pick.collectionId ?? null,
            note: pick.note ?? "",
            position,
          })),
        }),
      ]);
      ctx.loaders.picks.clear(artist.id);
      return { artist, userErrors: [] };
    },
  },
};
