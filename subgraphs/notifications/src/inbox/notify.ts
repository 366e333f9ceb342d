// Making notifications (ARCHITECTURE.md §15): inside the transaction that records the event as
// applied, one row per recipient keyed by what it is about, so an event delivered twice or
// replayed by a back-fill (or a save undone and made again) makes each notification once; once committed, each is published on its
// recipient's channel for Subscription.notificationReceived.
import { publishEvent, type PubSub, type SqlRunner } from "@melodi/kit";
import type { Db, NotificationRow } from "../db.ts";

export const inboxChannel = (userId: string) => `notifications:inbox:${userId}`;

/** How long a notification is kept (and shown). */
export const KEEP_HOURS = 72;

/**
 * One notification per recipient, keyed by `sourceKey` (what it is about, e.g. one person's save
 * of one playlist, so unsaving and saving again does not notify twice; or one event).
 */
export async function notify(
  tx: SqlRunner,
  eventId: string,
  sourceKey: string,
  recipientIds: string[],
  what: { type: "PLAYLIST_SAVED" | "PLAYLIST_CHANGED"; actorId: string; playlistId: string },
): Promise<void> {
  if (recipientIds.length === 0) return;
  // eventId marks the rows this event made, for announce() once it commits.
  await tx.$executeRawUnsafe(
    `INSERT INTO "notifications"."Notification" ("id", "recipientId", "type", "actorId", "playlistId", "sourceKey", "eventId")
     SELECT gen_random_uuid(), r, $2::"notifications"."NotificationType", $3::uuid, $4::uuid, $5, $6::uuid
     FROM unnest($1::uuid[]) AS r
     ON CONFLICT ("recipientId", "sourceKey") DO NOTHING`,
    recipientIds,
    what.type,
    what.actorId,
    what.playlistId,
    sourceKey,
    eventId,
  );
}

/** What goes through pub/sub: the notification row, as JSON. */
export type NotificationMessage = Omit<NotificationRow, "createdAt" | "readAt"> & { createdAt: string; readAt: null };

/** After the event's transaction committed: tells each recipient's live subscriptions. */
export async function announce(db: Db, pubsub: PubSub, eventId: string): Promise<void> {
  const made = await db.notification.findMany({ where: { eventId } });
  for (const row of made) {
    const message: NotificationMessage = { ...row, createdAt: row.createdAt.toISOString(), readAt: null };
    await publishEvent(pubsub, inboxChannel(row.recipientId), message);
  }
}
