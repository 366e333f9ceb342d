// The notifications subgraph in process on the real database: library's events become each
// recipient's notifications once (a replay or a redelivery makes none more), the actor is never
// told of their own change, and the inbox API answers only its owner.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventPayloads } from "@melodi/kit";
import { deliverTo } from "../support/notifications.ts";
import { inProcessNotifications, viewerWith, type TestViewer } from "../support/inProcess.ts";

let n: Awaited<ReturnType<typeof inProcessNotifications>>;
beforeAll(async () => {
  n = await inProcessNotifications();
});
afterAll(() => n.stop());

const deliver = <T extends keyof EventPayloads>(type: T, payload: EventPayloads[T], id = randomUUID()) =>
  deliverTo(n)(type, payload, { id });
const saved = (ownerId: string, userId: string, playlistId = randomUUID()) =>
  deliver("playlist.saved", { playlistId, ownerId, userId, savedAt: new Date().toISOString() });

const INBOX = /* GraphQL */ `
  query ($unreadOnly: Boolean, $first: Int, $after: String) {
    unreadNotificationCount
    notifications(unreadOnly: $unreadOnly, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id type read actor { id } playlist { id } } }
    }
  }
`;
async function inbox(viewer: TestViewer, variables: Record<string, unknown> = {}) {
  const res = await n.query(INBOX, variables, { viewer });
  expect(res.errors).toBeUndefined();
  return res.data as any;
}
const READ = `mutation ($id: ID!) { markNotificationRead(input: { notificationId: $id }) { notification { id read } userErrors { code field } } }`;

describe("notifications from library's events", () => {
  it("tells a playlist's owner who saved it, once however often the event arrives", async () => {
    const owner = viewerWith("USER");
    const fan = viewerWith("USER");
    const playlistId = randomUUID();
    const eventId = randomUUID();
    const payload = { playlistId, ownerId: owner!.id, userId: fan!.id, savedAt: new Date().toISOString() };
    expect(await deliver("playlist.saved", payload, eventId)).toBe(true);
    expect(await deliver("playlist.saved", payload, eventId)).toBe(false);
    // Even if its ProcessedEvent were lost (a rebuilt database and a back-fill), no second one.
    await n.services.db.processedEvent.deleteMany({ where: { id: eventId } });
    expect(await deliver("playlist.saved", payload, eventId)).toBe(true);
    // The same person saving it again (after unsaving): a new event, the same news.
    expect(await deliver("playlist.saved", { ...payload, savedAt: new Date().toISOString() })).toBe(true);
    const data = await inbox(owner);
    expect(data.unreadNotificationCount).toBe(1);
    expect(data.notifications.edges.map((e: any) => e.node)).toEqual([
      {
        id: expect.any(String),
        type: "PLAYLIST_SAVED",
        read: false,
        actor: { id: fan!.id },
        playlist: { id: playlistId },
      },
    ]);
    expect((await inbox(fan)).notifications.totalCount).toBe(0);
  });

  it("tells the owner and editors of a collaborative playlist of a change, but not whoever made it", async () => {
    const [owner, a, b] = [viewerWith("USER"), viewerWith("USER"), viewerWith("USER")];
    await deliver("playlist.changed", {
      playlistId: randomUUID(),
      ownerId: owner!.id,
      editorIds: [a!.id, b!.id],
      actorId: a!.id,
      kind: "ITEMS_ADDED",
      songIds: [randomUUID()],
      at: new Date().toISOString(),
    });
    expect((await inbox(owner)).unreadNotificationCount).toBe(1);
    expect((await inbox(b)).notifications.edges[0].node).toMatchObject({
      type: "PLAYLIST_CHANGED",
      actor: { id: a!.id },
    });
    expect((await inbox(a)).unreadNotificationCount).toBe(0);
  });
});

describe("the inbox", () => {
  it("pages newest first, filters unread, and marks one or all read", async () => {
    const owner = viewerWith("USER");
    for (let i = 0; i < 5; i++) {
      await saved(owner!.id, randomUUID());
      await new Promise((r) => setTimeout(r, 3));
    }
    const all: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const data = await inbox(owner, { first: 2, after });
      all.push(...data.notifications.edges.map((e: any) => e.node.id));
      if (!data.notifications.pageInfo.hasNextPage) break;
      after = data.notifications.pageInfo.endCursor;
    }
    expect(new Set(all).size).toBe(5);
    const rows = await n.services.db.notification.findMany({
      where: { recipientId: owner!.id },
      orderBy: { createdAt: "desc" },
    });
    expect(all).toEqual(rows.map((r) => r.id));

    const read = await n.query(READ, { id: all[0] }, { viewer: owner });
    expect((read.data as any).markNotificationRead).toEqual({
      notification: { id: all[0], read: true },
      userErrors: [],
    });
    const unread = await inbox(owner, { unreadOnly: true });
    expect(unread.unreadNotificationCount).toBe(4);
    expect(unread.notifications.totalCount).toBe(4);
    const ALL = `mutation { markAllNotificationsRead { markedCount userErrors { code } } }`;
    expect((await n.query(ALL, {}, { viewer: owner })).data).toEqual({
      markAllNotificationsRead: { markedCount: 4, userErrors: [] },
    });
    expect((await inbox(owner)).unreadNotificationCount).toBe(0);
  });

  it("hides notifications older than 72 hours", async () => {
    const owner = viewerWith("USER");
    await saved(owner!.id, randomUUID());
    await n.services.db.notification.updateMany({
      where: { recipientId: owner!.id },
      data: { createdAt: new Date(Date.now() - 73 * 3600_000) },
    });
    const data = await inbox(owner);
    expect([data.unreadNotificationCount, data.notifications.totalCount]).toEqual([0, 0]);
  });

  it("answers someone else's notification, or a bad id, as NOTIFICATION_NOT_FOUND and leaves it unread", async () => {
    const owner = viewerWith("USER");
    const other = viewerWith("USER");
    await saved(owner!.id, randomUUID());
    const [mine] = (await inbox(owner)).notifications.edges.map((e: any) => e.node.id);
    for (const id of [mine, randomUUID(), "nope"]) {
      const res = await n.query(READ, { id }, { viewer: other });
      expect((res.data as any).markNotificationRead).toEqual({
        notification: null,
        userErrors: [{ code: "NOTIFICATION_NOT_FOUND", field: ["input", "notificationId"] }],
      });
    }
    expect((await inbox(owner)).unreadNotificationCount).toBe(1);
    // Marking all read as someone else touches none of them.
    await n.query(`mutation { markAllNotificationsRead { markedCount } }`, {}, { viewer: other });
    expect((await inbox(owner)).unreadNotificationCount).toBe(1);
  });

  it("needs a signed-in caller for every field and mutation", async () => {
    for (const doc of [INBOX, READ, `mutation { markAllNotificationsRead { markedCount } }`]) {
      const res = await n.query(doc, { id: randomUUID() }, { viewer: null });
      expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
  });

  it("reads a page in the same statements for 2 notifications as for 20", async () => {
    const few = viewerWith("USER");
    const many = viewerWith("USER");
    for (let i = 0; i < 2; i++) await saved(few!.id, randomUUID());
    for (let i = 0; i < 20; i++) await saved(many!.id, randomUUID());
    const count = async (viewer: TestViewer) => {
      const read = n.countSql();
      await inbox(viewer, { first: 50 });
      return read();
    };
    expect(await count(many)).toBe(await count(few));
  });
});
