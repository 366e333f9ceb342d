// Sending an announcement that is due: a notification (and pushes) for every account of its
// segment, in pages of accounts, each page in its own transaction keyed by the announcement, so a
// job that dies half-way and runs again reaches everyone once. Marked SENT (so it can no longer
// be cancelled) before the first page; `recipientCount` is set once every page is done, and an
// announcement SENT without it is one to finish.
import type { PubSub } from "@melodi/kit";
import type { Db } from "../db.ts";
import { announce, notify } from "../inbox/notify.ts";

const PAGE = 5000;

export async function sendDueAnnouncements(db: Db, pubsub: PubSub, now = new Date()): Promise<number> {
  const due = await db.announcement.findMany({
    where: {
      OR: [
        { status: "SCHEDULED", sendAt: { lte: now } },
        { status: "SENT", recipientCount: null },
      ],
    },
    orderBy: { sendAt: "asc" },
  });
  let sent = 0;
  for (const a of due) {
    // A cancel that won the race leaves nothing to do.
    const { count } = await db.announcement.updateMany({
      where: { id: a.id, OR: [{ status: "SCHEDULED" }, { status: "SENT", recipientCount: null }] },
      data: { status: "SENT", sentAt: a.sentAt ?? now },
    });
    if (count === 0) continue;
    let recipients = 0;
    let after = "00000000-0000-0000-0000-000000000000";
    for (;;) {
      const page = await db.userRecord.findMany({
        where: { id: { gt: after }, deleted: false, blocked: false, ...(a.segment ? { role: a.segment } : {}) },
        orderBy: { id: "asc" },
        take: PAGE,
        select: { id: true },
      });
      if (page.length === 0) break;
      const ids = page.map((u) => u.id);
      await db.$transaction((tx) =>
        notify(tx, a.id, `announcement:${a.id}`, ids, { type: "ANNOUNCEMENT", announcementId: a.id }),
      );
      recipients += ids.length;
      after = ids.at(-1)!;
    }
    await db.announcement.update({ where: { id: a.id }, data: { recipientCount: recipients } });
    // Live notices once all is committed (best effort: the notifications are there anyway).
    await announce(db, pubsub, a.id).catch(() => {});
    sent++;
  }
  return sent;
}
