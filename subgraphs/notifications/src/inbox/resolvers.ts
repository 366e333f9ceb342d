import { channelEvents, encodeCursor, isUuid, pageSize, requireViewer, toConnection, afterTime } from "@melodi/kit";
import type { Resolvers } from "../generated/graphql.ts";
import type { Context } from "../context.ts";
import { fail } from "../errors.ts";
import { inboxChannel, KEEP_HOURS, type NotificationMessage } from "./notify.ts";

/** Notifications older than this are gone (the deletion job is to come; until then they are hidden). */
const since = () => new Date(Date.now() - KEEP_HOURS * 3600_000);

export const resolvers: Resolvers<Context> = {
  Query: {
    async notifications(_parent, args, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const limit = pageSize(args);
      const after = afterTime(args.after);
      const where = {
        recipientId: viewer.id,
        createdAt: { gte: since() },
        ...(args.unreadOnly ? { readAt: null } : {}),
      };
      const [rows, totalCount] = await Promise.all([
        ctx.db.notification.findMany({
          where: {
            ...where,
            ...(after ? { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] } : {}),
          },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          take: limit + 1,
        }),
        ctx.db.notification.count({ where }),
      ]);
      const page = toConnection(
        rows,
        limit,
        (r) => encodeCursor([r.createdAt.getTime(), r.id]),
        (r) => r,
        after !== null,
      );
      return { ...page, totalCount };
    },
    unreadNotificationCount: (_parent, _args, ctx) =>
      ctx.db.notification.count({
        where: { recipientId: requireViewer(ctx.viewer).id, readAt: null, createdAt: { gte: since() } },
      }),
  },

  Notification: {
    actor: (n) => (n.actorId ? { id: n.actorId } : null),
    playlist: (n) => (n.playlistId ? { id: n.playlistId } : null),
    read: (n) => n.readAt !== null,
  },

  Mutation: {
    async markNotificationRead(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const notFound = {
        notification: null,
        userErrors: [fail("NOTIFICATION_NOT_FOUND", "No notification with this id.", ["input", "notificationId"])],
      };
      if (!isUuid(input.notificationId)) return notFound;
      // Someone else's answers exactly as one that does not exist, and is left as it is.
      const mine = { id: input.notificationId, recipientId: viewer.id, createdAt: { gte: since() } };
      await ctx.db.notification.updateMany({ where: { ...mine, readAt: null }, data: { readAt: new Date() } });
      const notification = await ctx.db.notification.findFirst({ where: mine });
      return notification ? { notification, userErrors: [] } : notFound;
    },
    async markAllNotificationsRead(_parent, _args, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const { count } = await ctx.db.notification.updateMany({
        where: { recipientId: viewer.id, readAt: null },
        data: { readAt: new Date() },
      });
      return { markedCount: count, userErrors: [] };
    },
  },

  Subscription: {
    notificationReceived: {
      subscribe: async (_parent, _args, ctx) =>
        channelEvents<NotificationMessage>(ctx.pubsub, inboxChannel(requireViewer(ctx.viewer).id)),
      resolve: (m: NotificationMessage) => ({ ...m, createdAt: new Date(m.createdAt), readAt: null }),
    },
  },
};
