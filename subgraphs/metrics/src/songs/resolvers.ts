// Song.playCount, from the daily rollups (one statement per page of songs, loaders.ts).
import type { Context } from "../context.ts";
import type { Resolvers } from "../generated/graphql.ts";

export const resolvers: Resolvers<Context> = {
  Song: {
    __resolveReference: (ref) => ({ id: ref.id }),
    playCount: async (song, _args, ctx) => (await ctx.loaders.songPlays.load(song.id))?.plays ?? null,
  },
};
