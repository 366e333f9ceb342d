import { isUuid, requireViewer } from "@melodi/kit";
import type { Resolvers } from "../generated/graphql.ts";
import { fail } from "../errors.ts";
import { FOLLOWED_ARTISTS, keptPage } from "../kept.ts";

const artistNotFound = () => fail("ARTIST_NOT_FOUND", "No artist with this id.", ["input", "artistId"]);

async function knownArtist(db: import("../db.ts").Db, id: string) {
  return isUuid(id) ? db.catalogArtist.findUnique({ where: { id } }) : null;
}

export const resolvers: Resolvers = {
  Artist: {
    __resolveReference: (ref) => ({ id: ref.id }),
    isFollowed: (artist, _args, ctx) => ctx.loaders.viewerFollowsArtists.load(artist.id),
    followerCount: (artist, _args, ctx) => ctx.loaders.artistFollowerCount.load(artist.id),
  },

  User: {
    followedArtists: (user, args, ctx) => keptPage(ctx, FOLLOWED_ARTISTS, user.id, args),
  },

  FollowedArtistEdge: {
    node: (edge) => ({ id: edge.id }),
    followedAt: (edge) => edge.at,
  },

  Mutation: {
    async followArtist(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const artist = await knownArtist(ctx.db, input.artistId);
      if (!artist?.listed) return { artist: null, userErrors: [artistNotFound()] };
      const followed = await ctx.db.$transaction(async (tx) => {
        const [row] = await tx.followedArtist.createManyAndReturn({
          data: [{ userId: viewer.id, artistId: artist.id }],
          skipDuplicates: true,
        });
        // Only a new follow is news: following again changes nothing and says nothing.
        if (row)
          await ctx.outbox.record(tx, "artist.followed", {
            artistId: artist.id,
            userId: viewer.id,
            followedAt: row.followedAt.toISOString(),
          });
        return Boolean(row);
      });
      if (followed) ctx.outbox.nudge();
      ctx.loaders.viewerFollowsArtists.prime(artist.id, true);
      return { artist: { id: artist.id }, userErrors: [] };
    },

    async unfollowArtist(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const artist = await knownArtist(ctx.db, input.artistId);
      if (!artist) return { artist: null, userErrors: [artistNotFound()] };
      const unfollowed = await ctx.db.$transaction(async (tx) => {
        const { count } = await tx.followedArtist.deleteMany({ where: { userId: viewer.id, artistId: artist.id } });
        // Only an undone follow is news: unfollowing again changes nothing and says nothing.
        if (count > 0)
          await ctx.outbox.record(tx, "artist.unfollowed", {
            artistId: artist.id,
            userId: viewer.id,
            at: new Date().toISOString(),
          });
        return count > 0;
      });
      if (unfollowed) ctx.outbox.nudge();
      ctx.loaders.viewerFollowsArtists.prime(artist.id, false);
      return { artist: artist.listed ? { id: artist.id } : null, userErrors: [] };
    },
  },
};
