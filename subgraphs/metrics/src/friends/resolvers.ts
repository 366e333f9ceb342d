// The friend activity API: the last activity of each person followed, the live stream, and the
// private-session switch.
import { afterTime, channelsEvents, encodeCursor, pageSize, requireViewer, toConnection } from "@melodi/kit";
import type { Context } from "../context.ts";
import type { Resolvers } from "../generated/graphql.ts";
import type { ActivityModel } from "../models.ts";
import { activityChannel, MAX_FOLLOWED, toActivity, type ActivityMessage } from "./activity.ts";

export const resolvers: Resolvers<Context> = {
  Query: {
    async friendActivity(_parent, args, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const limit = pageSize(args);
      const after = afterTime(args.after);
      // A private session started after the last play hides it too.
      const rows = await ctx.db.$queryRawUnsafe<ActivityModel[]>(
        `SELECT a."userId"::text AS "userId", a."songId"::text AS "songId", a."at", a."playing"
         FROM "metrics"."Follow" f
         JOIN "metrics"."LastActivity" a ON a."userId" = f."followeeId"
         JOIN "metrics"."SongRecord" s ON s."id" = a."songId" AND s."listed"
         LEFT JOIN "metrics"."ListenerSettings" p ON p."userId" = f."followeeId"
         WHERE f."followerId" = $1::uuid AND f."following" AND NOT coalesce(p."privateSession", false)
           AND ($2::timestamp IS NULL OR (a."at", a."userId") < ($2::timestamp, $3::uuid))
         ORDER BY a."at" DESC, a."userId" DESC LIMIT $4`,
        viewer.id,
        after?.at.toISOString() ?? null,
        after?.id ?? null,
        limit + 1,
      );
      return toConnection(
        rows,
        limit,
        (r) => encodeCursor([r.at.getTime(), r.userId]),
        (r) => r,
        after !== null,
      );
    },
  },

  Mutation: {
    async setPrivateSession(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const row = await ctx.db.listenerSettings.upsert({
        where: { userId: viewer.id },
        create: { userId: viewer.id, privateSession: input.enabled },
        update: { privateSession: input.enabled },
      });
      return { privateSession: row.privateSession, userErrors: [] };
    },
  },

  Subscription: {
    friendActivity: {
      subscribe: async (_parent, _args, ctx) => {
        const viewer = requireViewer(ctx.viewer);
        const followed = await ctx.db.follow.findMany({
          where: { followerId: viewer.id, following: true },
          orderBy: { at: "desc" },
          take: MAX_FOLLOWED,
          select: { followeeId: true },
        });
        return channelsEvents<ActivityMessage>(
          ctx.pubsub,
          followed.map((f) => activityChannel(f.followeeId)),
        );
      },
      resolve: (m: ActivityMessage) => toActivity(m),
    },
  },

  FriendActivity: {
    friend: (a) => ({ id: a.userId }),
    song: (a) => ({ id: a.songId }),
  },
};
