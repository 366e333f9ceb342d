// Making notifications (ARCHITECTURE.md §15): inside the transaction that records the event as
// applied, one row per recipient keyed by what it is about, so an event delivered twice or
// replayed by a back-fill (or a save undone and made again) makes each notification once. The
// recipient's preferences decide, in the same statement, whether it shows in the app and which
// of their devices get a push (held while they are in quiet hours). Once the event commits,
// announce() tells each recipient's live subscriptions and the push worker takes the pushes.
import { publishEvent, type PubSub, type SqlRunner } from "@melodi/kit";
import type { Db } from "../db.ts";
import type { NotificationModel } from "../models.ts";
import type { NotificationType } from "../generated/prisma/client.ts";

export const inboxChannel = (userId: string) => `notifications:inbox:${userId}`;
export const unreadChannel = (userId: string) => `notifications:unread:${userId}`;

/** How long a notification is kept (and shown). */
export const KEEP_HOURS = 72;
export const keptSince = () => new Date(Date.now() - KEEP_HOURS * 3600_000);

export interface What {
  type: NotificationType;
  actorId?: string | null;
  playlistId?: string | null;
  collectionId?: string | null;
  artistId?: string | null;
  announcementId?: string | null;
}

export interface NotifyOptions {
  /**
   * When the recipient already has a notification of this key, count one more change on it and
   * make it unread again (a burst of changes to one playlist), instead of leaving it as it is.
   */
  group?: boolean;
}

/**
 * One notification per recipient, keyed by `sourceKey` (what it is about: one person's save of
 * one playlist, so unsaving and saving again does not notify twice; one release; one event),
 * with a push per device of each recipient whose preferences want one. Returns how many rows
 * were made (grouped ones not counted).
 */
export async function notify(
  tx: SqlRunner,
  eventId: string,
  sourceKey: string,
  recipientIds: string[],
  what: What,
  opts: NotifyOptions = {},
): Promise<number> {
  if (recipientIds.length === 0) return 0;
  const onConflict = opts.group
    ? `DO UPDATE SET "changeCount" = n."changeCount" + 1, "eventId" = EXCLUDED."eventId", "readAt" = NULL`
    : "DO NOTHING";
  // Times are written as UTC explicitly (the columns hold UTC without a zone, and a column
  // default would follow the session's TimeZone). eventId marks the rows this event made, for
  // announce() once it commits. A deleted account
  // (UserRecord tombstone) gets nothing. `xmax = 0` tells a row inserted by this statement from
  // one it updated (grouping): only new ones are pushed.
  const rows = await tx.$queryRawUnsafe<{ made: bigint }[]>(
    `WITH r AS (SELECT DISTINCT unnest($1::uuid[]) AS id),
     made AS (
       INSERT INTO "notifications"."Notification" AS n ("id", "recipientId", "type", "actorId", "playlistId",
         "collectionId", "artistId", "announcementId", "sourceKey", "eventId", "shown", "createdAt")
       SELECT gen_random_uuid(), r.id, $2::"notifications"."NotificationType", $3::uuid, $4::uuid, $5::uuid, $6::uuid,
         $7::uuid, $8, $9::uuid, COALESCE(p."inApp", true), now() AT TIME ZONE 'UTC'
       FROM r LEFT JOIN "notifications"."NotificationPreference" p ON p."userId" = r.id AND p."type" = $2::"notifications"."NotificationType"
       WHERE NOT EXISTS (SELECT 1 FROM "notifications"."UserRecord" u WHERE u.id = r.id AND u."deleted")
       ON CONFLICT ("recipientId", "sourceKey") ${onConflict}
       RETURNING n."id", n."recipientId", (n.xmax = 0) AS "inserted"
     ),
     pushes AS (
       INSERT INTO "notifications"."PushDelivery" ("id", "notificationId", "token", "status", "createdAt")
       SELECT gen_random_uuid(), m."id", t."token",
         CASE WHEN q."userId" IS NOT NULL
           AND "notifications"."in_quiet_hours"(q."startMinute", q."endMinute", q."timeZone", now() AT TIME ZONE 'UTC')
         THEN 'HELD' ELSE 'PENDING' END::"notifications"."PushStatus", now() AT TIME ZONE 'UTC'
       FROM made m
       JOIN "notifications"."PushToken" t ON t."userId" = m."recipientId"
       LEFT JOIN "notifications"."NotificationPreference" p ON p."userId" = m."recipientId" AND p."type" = $2::"notifications"."NotificationType"
       LEFT JOIN "notifications"."QuietHours" q ON q."userId" = m."recipientId"
       WHERE m."inserted" AND COALESCE(p."push", true)
       ON CONFLICT ("notificationId", "token") DO NOTHING
     )
     SELECT count(*) FILTER (WHERE "inserted") AS made FROM made`,
    recipientIds,
    what.type,
    what.actorId ?? null,
    what.playlistId ?? null,
    what.collectionId ?? null,
    what.artistId ?? null,
    what.announcementId ?? null,
    sourceKey,
    eventId,
  );
  return Number(rows[0]?.made ?? 0);
}

/**
 * What goes through pub/sub: the notification row, as JSON, with an announcement's text, so a
 * delivery to each of thousands of subscribers needs no statement of its own.
 */
export type NotificationMessage = Omit<NotificationModel, "createdAt" | "readAt"> & {
  createdAt: string;
  readAt: string | null;
};

export const toMessage = (row: NotificationModel): NotificationMessage => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
  readAt: row.readAt?.toISOString() ?? null,
});
export const fromMessage = (m: NotificationMessage): NotificationModel => ({
  ...m,
  createdAt: new Date(m.createdAt),
  readAt: m.readAt ? new Date(m.readAt) : null,
});

/** Tells each of these people's live unread-count subscriptions their count now. */
export async function announceUnread(db: Db, pubsub: PubSub, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  const counts = await db.notification.groupBy({
    by: ["recipientId"],
    where: { recipientId: { in: userIds }, shown: true, readAt: null, createdAt: { gte: keptSince() } },
    _count: { _all: true },
  });
  const byUser = new Map(counts.map((c) => [c.recipientId, c._count._all]));
  // Side by side: Redis takes them in one write rather than one round trip each.
  await Promise.all(userIds.map((id) => publishEvent(pubsub, unreadChannel(id), { count: byUser.get(id) ?? 0 })));
}

/** Rows announced per page: an announcement or a release reaches many people. */
const ANNOUNCE_PAGE = 1000;

/**
 * After the event's transaction committed: tells each recipient's live subscriptions (new
 * notifications and unread counts; hidden ones, whose type the recipient turned off in the app,
 * are not shown). Returns the recipients.
 */
export async function announce(db: Db, pubsub: PubSub, eventId: string): Promise<string[]> {
  const recipients: string[] = [];
  let after: string | undefined;
  for (;;) {
    const made = await db.notification.findMany({
      where: { eventId, shown: true, ...(after ? { id: { gt: after } } : {}) },
      orderBy: { id: "asc" },
      take: ANNOUNCE_PAGE,
      include: { announcement: { select: { title: true, body: true } } },
    });
    await Promise.all(made.map((row) => publishEvent(pubsub, inboxChannel(row.recipientId), toMessage(row))));
    const ids = made.map((r) => r.recipientId);
    await announceUnread(db, pubsub, ids);
    recipients.push(...ids);
    if (made.length < ANNOUNCE_PAGE) return recipients;
    after = made.at(-1)!.id;
  }
}
