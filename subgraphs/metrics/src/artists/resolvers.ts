// Artist.monthlyListeners: listeners whose last day with the artist is within 28 days, counted
// on ArtistListener's index (one statement per page of artists, loaders.ts).
import type { Context } from "../context.ts";
import type { Resolvers } from "../generated/graphql.ts";

export const resolvers: Resolvers<Context> = {
  Artist: {
    // Kept whole: a representation for `statistics` carries viewerCanManage.
    __resolveReference: (ref) => ref,
    monthlyListeners: async (artist, _args, ctx) =>
      (await ctx.loaders.artistListeners.load(artist.id))?.listeners ?? null,
  },
};
