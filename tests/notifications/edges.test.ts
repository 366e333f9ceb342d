// The notifications subgraph's edges, found by probing it as an attacker would: pushes waiting
// for a device signed out of, Expo answering 4xx or not being reachable at all, a sendAt past
// year 9999, a forged cursor, events arriving out of order, a database session not in UTC, the
// mark-all count. In process on the real database and Redis, against the fake Expo; only this
// file's own rows are looked at, and the sends here claim only this file's own deliveries
// (scopedDb), so other files' pending pushes are never taken.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger, encodeCursor } from "@melodi/kit";
import { inject } from "vitest";
import { createPrismaClient } from "@melodi/kit";
import type { Db } from "../../subgraphs/notifications/src/db.ts";
import { PrismaClient } from "../../subgraphs/notifications/src/generated/prisma/client.ts";
import { notify } from "../../subgraphs/notifications/src/inbox/notify.ts";
import { sendPending } from "../../subgraphs/notifications/src/push/sender.ts";
import { createExpo } from "../../subgraphs/notifications/src/push/expo.ts";
import { PUSH_DEFAULTS, type PushConfig } from "../../subgraphs/notifications/src/push/config.ts";
import { startFakeExpo, type FakeExpo } from "../support/fakeExpo.ts";
import { inProcessNotifications, viewerWith } from "../support/inProcess.ts";
import { deliverTo, device, followed, knownUser, pushesOf, type Notifications } from "../support/notifications.ts";

let n: Notifications;
let expo: FakeExpo;
const config: PushConfig = { ...PUSH_DEFAULTS, worker: false, retryMinMs: 5, chunkAttempts: 3, receiptDelayMs: 0 };
const log = createLogger("edges", undefined, "silent");

beforeAll(async () => {
  expo = await startFakeExpo();
  n = await inProcessNotifications();
});
afterAll(async () => {
  await n.stop();
  await expo.close();
});
beforeEach(() => expo.reset());

/**
 * The service's db, except that the send job's claim takes only deliveries to these tokens, so a
 * send here never takes another test file's pending pushes.
 */
function scopedDb(tokens: string[]): Db {
  const db = n.services.db;
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "$queryRawUnsafe")
        return (sql: string, ...args: unknown[]) =>
          sql.includes(`WHERE "status" = 'PENDING'`)
            ? target.$queryRawUnsafe(
                sql.replace(`WHERE "status" = 'PENDING'`, `WHERE "status" = 'PENDING' AND "token" = ANY($2::text[])`),
                ...args,
                tokens,
              )
            : target.$queryRawUnsafe(sql, ...args);
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  }) as Db;
}

const send = (tokens: string[], expoUrl = expo.url) =>
  sendPending(scopedDb(tokens), createExpo({ expoBaseUrl: expoUrl }), config, log);
const receivedBy = (token: string) => expo.received.filter((r) => r.to === token);

/** A known account with one device and one pending push to it. */
async function onePendingPush() {
  const me = await knownUser(n);
  const token = await device(n, me);
  await followed(n, me.id);
  expect((await pushesOf(n, me.id)).map((p) => p.status)).toEqual(["PENDING"]);
  return { me, token };
}

const REMOVE = `mutation ($t: String!) { removePushToken(input: { token: $t }) { removedToken userErrors { code field } } }`;
const UPDATE_PREFS = `mutation ($input: UpdateNotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) { preferences { quietHours { timeZone } } userErrors { code field } } }`;
const SCHEDULE = `mutation ($input: ScheduleAnnouncementInput!) {
  scheduleAnnouncement(input: $input) { announcement { id sendAt } userErrors { code field } } }`;
const INBOX = `query ($after: String) { notifications(after: $after) { edges { node { id } } } }`;

describe("push delivery: at most once, and never lost", () => {
  it("a removed device (sign-out) gets no push still waiting for it", async () => {
    const { me, token } = await onePendingPush();
    const removed = await n.query(REMOVE, { t: token }, { viewer: me });
    expect(removed.data?.removePushToken).toEqual({ removedToken: token, userErrors: [] });
    // The push made before the sign-out must not reach the device signed out of.
    expect((await pushesOf(n, me.id)).map((p) => p.status)).not.toContain("PENDING");
    await send([token]);
    expect(receivedBy(token)).toHaveLength(0);
  });

  it("a request Expo answers with a 4xx (it took nothing) is not left as 'fate unknown' forever", async () => {
    const { me, token } = await onePendingPush();
    expo.failNext(1, 401); // e.g. an access token rotated: Expo refuses the whole request
    await send([token]);
    expect(receivedBy(token)).toHaveLength(0);
    const [row] = await pushesOf(n, me.id);
    // Expo answered and took nothing: either it waits for a later send or it is FAILED with the
    // reason; SENDING/UNKNOWN ("sent by a worker that stopped before Expo answered") is false.
    expect(row!.status).not.toBe("SENDING");
  });

  it("a push whose request never left (Expo's host not resolvable) waits for a later send", async () => {
    const { me, token } = await onePendingPush();
    await send([token], "http://expo-probe.invalid");
    const [row] = await pushesOf(n, me.id);
    // Nothing was sent (no connection was ever made), yet the push is never sent again.
    expect([row!.status, row!.error]).toEqual(["PENDING", null]);
    await send([token]);
    expect(receivedBy(token)).toHaveLength(1);
  });
});

describe("bad input is a typed answer, never an internal error", () => {
  it("an announcement's sendAt past year 9999 is refused, not written as a row no list can show", async () => {
    const admin = viewerWith("ADMIN");
    const title = `Much later ${randomUUID().slice(0, 8)}`;
    const input = { title, body: "Really.", segment: "ADMINS", sendAt: "+010000-01-01T00:00:00.000Z" };
    try {
      const res = await n.query(SCHEDULE, { input }, { viewer: admin });
      // Today: the row is written (SCHEDULED), then reading it back fails ("DateTime must be an
      // ISO-8601 string." on the output), and from then on every admin's announcements list fails.
      const list = await n.query(
        `{ announcements(first: 100) { edges { node { id sendAt } } } }`,
        {},
        { viewer: admin },
      );
      expect(list.errors).toBeUndefined();
      expect(res.errors).toBeUndefined();
      expect(res.data?.scheduleAnnouncement).toEqual({
        announcement: null,
        userErrors: [expect.objectContaining({ field: ["input", "sendAt"] })],
      });
      expect(await n.services.db.announcement.count({ where: { title } })).toBe(0);
    } finally {
      // Not left for other files' admin lists to trip on.
      await n.services.db.announcement.deleteMany({ where: { title } });
    }
  });

  it("a forged `after` cursor whose time is one the cursor rules accept but Postgres cannot hold", async () => {
    const me = viewerWith("USER");
    for (const time of [-8.64e15, 8.64e15]) {
      const res = await n.query(INBOX, { after: encodeCursor([time, randomUUID()]) }, { viewer: me });
      expect(res.errors?.[0]?.extensions?.code ?? "none", String(time)).not.toBe("INTERNAL_SERVER_ERROR");
    }
  });
});

describe("state kept from other subgraphs' events", () => {
  it("a release's title is its newest version's, whatever order the events arrive in", async () => {
    const deliver = deliverTo(n);
    const collectionId = randomUUID();
    const artistId = randomUUID();
    const release = (title: string, version: number) =>
      deliver("collection.changed", { collectionId, artistId, title, listed: true, coverUrl: null, version });
    await deliver("artist.followed", {
      artistId,
      userId: (await knownUser(n)).id,
      followedAt: new Date().toISOString(),
    });
    await release("Night Drive (Deluxe)", 3);
    await release("Night Drive", 2); // relayed late
    const row = await n.services.db.release.findUnique({ where: { collectionId } });
    // The push for this release names the title it had two versions ago.
    expect(row?.title).toBe("Night Drive (Deluxe)");
  });
});

describe("making notifications (inbox/notify.ts)", () => {
  it("a notification and its pushes are stamped in UTC whatever the session's time zone", async () => {
    // A Postgres whose default TimeZone is not UTC (a managed one set to its region): notify()
    // stamps the notification `now() AT TIME ZONE 'UTC'`, but its PushDelivery rows take the
    // column default CURRENT_TIMESTAMP, which is the session's local time.
    const url = inject("serviceDatabaseUrls").notifications!;
    const local = createPrismaClient(
      PrismaClient,
      "notifications",
      { databaseUrl: url },
      "-c TimeZone=America/New_York",
    );
    try {
      const me = await knownUser(n);
      await device(n, me);
      await local.$transaction((tx) =>
        notify(tx, randomUUID(), `probe:${randomUUID()}`, [me.id], { type: "USER_FOLLOWED", actorId: randomUUID() }),
      );
      const [push] = await pushesOf(n, me.id);
      const note = await n.services.db.notification.findFirstOrThrow({ where: { recipientId: me.id } });
      expect(Math.abs(push!.createdAt.getTime() - note.createdAt.getTime())).toBeLessThan(60_000);
    } finally {
      await local.$disconnect();
    }
  });
});

describe("the inbox", () => {
  it("markAllNotificationsRead counts only what the unread count showed", async () => {
    const me = await knownUser(n);
    await n.query(UPDATE_PREFS, { input: { types: [{ type: "USER_FOLLOWED", inApp: false }] } }, { viewer: me });
    await followed(n, me.id);
    const before = await n.query(`{ unreadNotificationCount }`, {}, { viewer: me });
    expect(before.data?.unreadNotificationCount).toBe(0);
    const res = await n.query(`mutation { markAllNotificationsRead { markedCount } }`, {}, { viewer: me });
    // "How many were unread and are read now": none were shown, none were unread to the user.
    expect(res.data?.markAllNotificationsRead.markedCount).toBe(0);
  });
});
