// Notifications from users' and catalog's events and library's follows, in process on the real
// database: new followers and new releases of followed artists, each told once however the
// events arrive (replayed, out of order, back-filled), and nothing told of what is old news.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessNotifications } from "../support/inProcess.ts";
import { deliverTo, device, knownUser, pushesOf, type Notifications } from "../support/notifications.ts";

let n: Notifications;
let deliver: ReturnType<typeof deliverTo>;
beforeAll(async () => {
  n = await inProcessNotifications();
  deliver = deliverTo(n);
});
afterAll(() => n.stop());

const ago = (hours: number) => new Date(Date.now() - hours * 3600_000).toISOString();
const INBOX = /* GraphQL */ `
  {
    unreadNotificationCount
    notifications { edges { node { type actor { id } collection { id } artist { id } changeCount } } }
  }
`;
const inbox = async (viewer: { id: string; role: "USER" | "ARTIST" | "ADMIN" }) => {
  const res = await n.query(INBOX, {}, { viewer });
  expect(res.errors).toBeUndefined();
  return res.data as any;
};
const nodes = async (viewer: { id: string; role: "USER" }) =>
  (await inbox(viewer)).notifications.edges.map((e: any) => e.node);

describe("someone followed you", () => {
  it("tells the person followed once, however often the follow is undone and made again", async () => {
    const me = await knownUser(n);
    const fan = randomUUID();
    const event = { followerId: fan, followeeId: me.id, followedAt: new Date().toISOString() };
    const id = randomUUID();
    expect(await deliver("user.followed", event, { id })).toBe(true);
    expect(await deliver("user.followed", event, { id })).toBe(false);
    await deliver("user.unfollowed", { followerId: fan, followeeId: me.id, at: new Date().toISOString() });
    await deliver("user.followed", { ...event, followedAt: new Date().toISOString() });
    expect(await nodes(me as any)).toEqual([
      { type: "USER_FOLLOWED", actor: { id: fan }, collection: null, artist: null, changeCount: 1 },
    ]);
  });

  it("says nothing of a follow older than what the inbox shows (a back-fill, a consumer catching up)", async () => {
    const me = await knownUser(n);
    await deliver("user.followed", { followerId: randomUUID(), followeeId: me.id, followedAt: ago(80) });
    expect((await inbox(me as any)).unreadNotificationCount).toBe(0);
  });
});

describe("an artist you follow released something", () => {
  const release = (artistId: string, collectionId = randomUUID(), listed = true, version = 2) => ({
    collectionId,
    artistId,
    title: "Night Drive",
    listed,
    coverUrl: null,
    version,
  });

  it("tells the artist's current followers once, when the release is first listed", async () => {
    const artistId = randomUUID();
    const [stays, leaves, late, never] = [
      await knownUser(n),
      await knownUser(n),
      await knownUser(n),
      await knownUser(n),
    ];
    const token = await device(n, stays);
    await deliver("artist.followed", { artistId, userId: stays.id, followedAt: ago(2) });
    await deliver("artist.followed", { artistId, userId: leaves.id, followedAt: ago(2) });
    // The unfollow arrives before the follow it undoes: the later one in time still wins.
    await deliver("artist.unfollowed", { artistId, userId: leaves.id, at: ago(1) });
    await deliver("artist.followed", { artistId, userId: leaves.id, followedAt: ago(1.5) });
    const collectionId = randomUUID();
    // Created unlisted (a draft): no news yet.
    await deliver("collection.changed", release(artistId, collectionId, false, 1));
    expect((await inbox(stays as any)).unreadNotificationCount).toBe(0);
    await deliver("collection.changed", release(artistId, collectionId, true, 2));
    // Unlisted and listed again, or the event replayed: no second notification.
    await deliver("collection.changed", release(artistId, collectionId, false, 3));
    await deliver("collection.changed", release(artistId, collectionId, true, 4));
    // Following after the release came out is not being told of it.
    await deliver("artist.followed", { artistId, userId: late.id, followedAt: new Date().toISOString() });
    await deliver("collection.changed", release(artistId, collectionId, true, 5));

    expect(await nodes(stays as any)).toEqual([
      { type: "NEW_RELEASE", actor: null, collection: { id: collectionId }, artist: { id: artistId }, changeCount: 1 },
    ]);
    for (const other of [leaves, late, never]) expect((await inbox(other as any)).unreadNotificationCount).toBe(0);
    expect((await pushesOf(n, stays.id)).map((p) => p.token)).toEqual([token]);
  });

  it("says nothing of releases a back-fill replays from long ago", async () => {
    const artistId = randomUUID();
    const fan = await knownUser(n);
    await deliver("artist.followed", { artistId, userId: fan.id, followedAt: ago(500) });
    await deliver("collection.changed", release(artistId), { occurredAt: ago(400) });
    expect((await inbox(fan as any)).unreadNotificationCount).toBe(0);
  });
});

describe("playlist changes", () => {
  it("make one notification per person changing a playlist in a quarter of an hour, counting the changes", async () => {
    const [owner, editor] = [await knownUser(n), await knownUser(n)];
    const playlistId = randomUUID();
    const change = (at: Date) =>
      deliver("playlist.changed", {
        playlistId,
        ownerId: owner.id,
        editorIds: [editor.id],
        actorId: editor.id,
        kind: "ITEMS_ADDED",
        songIds: [randomUUID()],
        at: at.toISOString(),
      });
    // Three changes in one quarter of an hour (its start, so the test never straddles two).
    const quarter = new Date(Math.floor(Date.now() / 900_000) * 900_000);
    for (let i = 0; i < 3; i++) await change(new Date(quarter.getTime() + i * 1000));
    await n.query(`mutation { markAllNotificationsRead { markedCount } }`, {}, { viewer: owner });
    // A fourth makes it unread again.
    await change(new Date(quarter.getTime() + 5000));
    const data = await inbox(owner as any);
    expect(data.unreadNotificationCount).toBe(1);
    expect(data.notifications.edges.map((e: any) => [e.node.type, e.node.changeCount])).toEqual([
      ["PLAYLIST_CHANGED", 4],
    ]);
  });
});

describe("a deleted account", () => {
  it("loses its notifications, devices and preferences, and gets nothing more", async () => {
    const me = await knownUser(n);
    await device(n, me);
    await deliver("user.followed", {
      followerId: randomUUID(),
      followeeId: me.id,
      followedAt: new Date().toISOString(),
    });
    await deliver("user.deleted", { userId: me.id });
    // A user.changed relayed late does not bring it back.
    await deliver("user.changed", {
      userId: me.id,
      handle: "late",
      displayName: "Late",
      role: "USER",
      blocked: false,
      version: 9,
    });
    await deliver("user.followed", {
      followerId: randomUUID(),
      followeeId: me.id,
      followedAt: new Date().toISOString(),
    });
    const db = n.services.db;
    expect(await db.notification.count({ where: { recipientId: me.id } })).toBe(0);
    expect(await db.pushToken.count({ where: { userId: me.id } })).toBe(0);
    expect(await db.userRecord.findUnique({ where: { id: me.id } })).toMatchObject({ deleted: true });
  });
});
