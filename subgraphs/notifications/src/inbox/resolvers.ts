import { channelEvents, encodeCursor, isUuid, pageSize, requireViewer, toConnection, afterTime } from "@melodi/kit";
import type { Resolvers } from "../generated/graphql.ts";
import type { Context } from "../context.ts";
import type { Db } from "../db.ts";
import { fail } from "../errors.ts";
import {
  announceUnread,
  fromMessage,
  inboxChannel,
  keptSince,
  unreadChannel,
  type NotificationMessage,
} from "./notify.ts";

/**
 * What the signed-in user sees: their notifications of the last 72 hours (older ones wait for
 * the hourly clean-up) of types they did not turn off in the app.
 */
const visible = (userId: string) => ({ recipientId: userId, shown: true, createdAt: { gte: keptSince() } });

const unreadCount = (db: Db, userId: string) => db.notification.count({ where: { ...visible(userId), readAt: null } });

/** After a change to someone's read state: their live unread count (best effort). */
const tellUnread = (ctx: Context, userId: string) =>
  announceUnread(ctx.db, ctx.pubsub, [userId]).catch((err: unknown) =>
    ctx.log.warn({ err }, "unread count not published"),
  );

export const resolvers: Resolvers<Context> = {
  Query: {
    async notifications(_parent, args, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const limit = pageSize(args);
      const after = afterTime(args.after);
      const where = { ...visible(viewer.id), ...(args.unreadOnly ? { readAt: null } : {}) };
      const [rows, totalCount] = await Promise.all([
        ctx.db.notification.findMany({
          where: {
            ...where,
            ...(after ? { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] } : {}),
          },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          take: limit + 1,
          include: { announcement: { select: { title: true, body: true } } },
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
    unreadNotificationCount: (_parent, _args, ctx) => unreadCount(ctx.db, requireViewer(ctx.viewer).id),
  },

  Notification: {
    actor: (n) => (n.actorId ? { id: n.actorId } : null),
    playlist: (n) => (n.playlistId ? { id: n.playlistId } : null),
    collection: (n) => (n.collectionId ? { id: n.collectionId } : null),
    artist: (n) => (n.artistId ? { id: n.artistId } : null),
    read: (n) => n.readAt !== null,
    // A page includes the announcement's text; a single notification (a mutation's, a live one) reads it.
    async title(n, _args, ctx) {
      if (!n.announcementId) return null;
      return (n.announcement ?? (await ctx.loaders.announcement.load(n.announcementId)))?.title ?? null;
    },
    async body(n, _args, ctx) {
      if (!n.announcementId) return null;
      return (n.announcement ?? (await ctx.loaders.announcement.load(n.announcementId)))?.body ?? null;
    },
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
      const mine = { id: input.notificationId, ...visible(viewer.id) };
      const { count } = await ctx.db.notification.updateMany({
        where: { ...mine, readAt: null },
        data: { readAt: new Date() },
      });
      const notification = await ctx.db.notification.findFirst({ where: mine });
      if (!notification) return notFound;
      if (count) await tellUnread(ctx, viewer.id);
      return { notification, userErrors: [] };
    },
    async markAllNotificationsRead(_parent, _args, ctx) {
      const viewer = requireViewer(ctx.viewer);
      // What the unread count showed (hidden and expired ones are not the user's to count).
      const { count } = await ctx.db.notification.updateMany({
        where: { ...visible(viewer.id), readAt: null },
        data: { readAt: new Date() },
      });
      if (count) await tellUnread(ctx, viewer.id);
      return { markedCount: count, userErrors: [] };
    },
    async deleteNotification(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const notFound = {
        deletedNotificationId: null,
        userErrors: [fail("NOTIFICATION_NOT_FOUND", "No notification with this id.", ["input", "notificationId"])],
      };
      if (!isUuid(input.notificationId)) return notFound;
      // Its pushes go with it (not yet sent: never sent). Deleting keeps what made it, so a
      // replayed event does not bring it back: the row stays, hidden, until the clean-up.
      const { count } = await ctx.db.notification.updateMany({
        where: { id: input.notificationId, ...visible(viewer.id) },
        data: { shown: false, readAt: new Date() },
      });
      if (!count) return notFound;
      await ctx.db.pushDelivery.updateMany({
        where: { notificationId: input.notificationId, status: { in: ["PENDING", "HELD"] } },
        data: { status: "FAILED", error: "DELETED" },
      });
      await tellUnread(ctx, viewer.id);
      return { deletedNotificationId: input.notificationId, userErrors: [] };
    },
  },

  Subscription: {
    notificationReceived: {
      subscribe: async (_parent, _args, ctx) =>
        channelEvents<NotificationMessage>(ctx.pubsub, inboxChannel(requireViewer(ctx.viewer).id)),
      resolve: (m: NotificationMessage) => fromMessage(m),
    },
    unreadNotificationCount: {
      // Listening first, then counting, so no change falls between the count and the updates.
      subscribe: async (_parent, _args, ctx) => {
        const userId = requireViewer(ctx.viewer).id;
        const updates = await channelEvents<{ count: number }>(ctx.pubsub, unreadChannel(userId));
        const now = await unreadCount(ctx.db, userId).catch(async (err: unknown) => {
          await updates.return(undefined);
          throw err;
        });
        // Not an async generator: its return() would wait for the pending next(), i.e. for the
        // next update, so an unsubscribe would leave the channel held until then.
        let first: { count: number } | undefined = { count: now };
        const iterator: AsyncIterableIterator<{ count: number }> = {
          next: () => {
            if (first) {
              const value = first;
              first = undefined;
              return Promise.resolve({ value, done: false });
            }
            return updates.next() as Promise<IteratorResult<{ count: number }>>;
          },
          return: () => updates.return(undefined) as Promise<IteratorResult<{ count: number }>>,
          throw: (err?: unknown) => updates.throw(err) as Promise<IteratorResult<{ count: number }>>,
          [Symbol.asyncIterator]() {
            return iterator;
          },
        };
        return iterator;
      },
      resolve: (m: { count: number }) => m.count,
    },
  },
};
