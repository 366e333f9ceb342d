// User.recentlyPlayed: the viewer's own plays, newest first (a private list: null for others).
import { afterTime, encodeCursor, pageSize, toConnection } from "@melodi/kit";
import type { Context } from "../context.ts";
import type { Resolvers } from "../generated/graphql.ts";

export const resolvers: Resolvers<Context> = {
  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
    async recentlyPlayed(user, args, ctx) {
      if (ctx.viewer?.id !== user.id) return null;
      const limit = pageSize(args);
      const after = afterTime(args.after);
      const rows = await ctx.db.play.findMany({
        where: {
          userId: user.id,
          countedAt: { not: null },
          ...(after ? { OR: [{ lastAt: { lt: after.at } }, { lastAt: after.at, id: { lt: after.id } }] } : {}),
        },
        orderBy: [{ lastAt: "desc" }, { id: "desc" }],
        take: limit + 1,
      });
      return toConnection(
        rows,
        limit,
        (r) => encodeCursor([r.lastAt.getTime(), r.id]),
        (r) => r,
        after !== null,
      );
    },
  },
  RecentPlay: {
    song: (play) => ({ id: play.songId }),
    playedAt: (play) => play.lastAt,
  },
};
