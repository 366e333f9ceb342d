import { forbidden, isUuid, requireViewer } from "@melodi/kit";
import type { Resolvers } from "../generated/graphql.ts";
import { fail } from "../errors.ts";
import { keptPage, LIKED_SONGS } from "../kept.ts";

const songNotFound = () => fail("SONG_NOT_FOUND", "No song with this id.", ["input", "songId"]);

export const resolvers: Resolvers = {
  Song: {
    __resolveReference: (ref) => ({ id: ref.id }),
    isLiked: (song, _args, ctx) => ctx.loaders.viewerLikes.load(song.id),
  },

  User: {
    likedSongs(user, args, ctx) {
      if (ctx.viewer?.id !== user.id) throw forbidden("Only the user themself may see their liked songs.");
      return keptPage(ctx, LIKED_SONGS, user.id, args);
    },
  },

  LikedSongEdge: {
    node: (edge) => (edge.available ? { id: edge.id } : null),
    isAvailable: (edge) => edge.available,
    likedAt: (edge) => edge.at,
  },

  Mutation: {
    async likeSong(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const song = isUuid(input.songId) ? await ctx.loaders.song.load(input.songId) : null;
      if (!song?.listed) return { song: null, userErrors: [songNotFound()] };
      await ctx.db.likedSong.createMany({ data: [{ userId: viewer.id, songId: song.id }], skipDuplicates: true });
      ctx.loaders.viewerLikes.prime(song.id, true);
      return { song: { id: song.id }, userErrors: [] };
    },

    async unlikeSong(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      // A song hidden since it was liked may still be unliked.
      const song = isUuid(input.songId) ? await ctx.loaders.song.load(input.songId) : null;
      if (!song) return { song: null, userErrors: [songNotFound()] };
      await ctx.db.likedSong.deleteMany({ where: { userId: viewer.id, songId: song.id } });
      ctx.loaders.viewerLikes.prime(song.id, false);
      return { song: song.listed ? { id: song.id } : null, userErrors: [] };
    },
  },
};
