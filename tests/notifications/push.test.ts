// Devices and pushes, in process on the real database and Redis, against a fake Expo push server
// speaking Expo's wire format (tests/support/fakeExpo.ts): tokens validated and owned by one
// account, pushes sent in chunks of 100 with their tickets kept, 429s and 5xx retried, refusals
// left for a later send, an unanswered request never repeated, receipts checked, and devices
// Expo no longer knows removed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sendPending } from "../../subgraphs/notifications/src/push/sender.ts";
import { checkReceipts } from "../../subgraphs/notifications/src/push/receipts.ts";
import { createExpo } from "../../subgraphs/notifications/src/push/expo.ts";
import { PUSH_DEFAULTS, type PushConfig } from "../../subgraphs/notifications/src/push/config.ts";
import { createLogger } from "@melodi/kit";
import { startFakeExpo, type FakeExpo } from "../support/fakeExpo.ts";
import { gql, register } from "../support/graphql.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { subscribe, wsClient } from "../support/ws.ts";
import { signInAdmin } from "../support/admin.ts";
import { inProcessNotifications, viewerWith } from "../support/inProcess.ts";
import { device, expoToken, followed, knownUser, pushesOf, type Notifications } from "../support/notifications.ts";

let n: Notifications;
let expo: FakeExpo;
const config: PushConfig = { ...PUSH_DEFAULTS, worker: false, retryMinMs: 5, chunkAttempts: 3, receiptDelayMs: 0 };
const log = createLogger("push-test", undefined, "silent");
const send = () => sendPending(n.services.db, createExpo({ expoBaseUrl: expo.url }), config, log);
const receipts = () => checkReceipts(n.services.db, createExpo({ expoBaseUrl: expo.url }), config, log);

beforeAll(async () => {
  expo = await startFakeExpo();
  n = await inProcessNotifications();
  // Nothing else of this file's is waiting: each test sends only its own.
  await n.services.db.pushDelivery.updateMany({ where: { status: "PENDING" }, data: { status: "FAILED" } });
});
afterAll(async () => {
  await n.stop();
  await expo.close();
});
beforeEach(() => expo.reset());

const REGISTER = `mutation ($t: String!) { registerPushToken(input: { token: $t }) { device { token } userErrors { code field } } }`;
const REMOVE = `mutation ($t: String!) { removePushToken(input: { token: $t }) { removedToken userErrors { code field } } }`;

describe("push tokens", () => {
  it("accept Expo's forms, several per account, and list them", async () => {
    const me = viewerWith("USER");
    const forms = [expoToken(), "ExpoPushToken[abcdefghijklmnop]", "FEED0000-aaaa-bbbb-cccc-0123456789ab"];
    for (const t of forms) {
      const res = await n.query(REGISTER, { t }, { viewer: me });
      expect(res.data?.registerPushToken).toEqual({ device: { token: t }, userErrors: [] });
    }
    // Registering one again keeps one row.
    await n.query(REGISTER, { t: forms[0] }, { viewer: me });
    const list = await n.query(`{ pushDevices { token } }`, {}, { viewer: me });
    expect(list.data?.pushDevices.map((d: any) => d.token).sort()).toEqual([...forms].sort());
  });

  it("refuse malformed and foreign tokens (raw FCM or APNs ones): nothing written", async () => {
    const me = viewerWith("USER");
    const bad = [
      "",
      "ExponentPushToken[]",
      "ExponentPushToken[abc",
      "ExponentPushToken[a b]",
      "dQw4w9WgXcQ:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx", // an FCM registration token
      "a".repeat(64), // an APNs device token
      `ExponentPushToken[${"x".repeat(300)}]`,
    ];
    for (const t of bad) {
      const res = await n.query(REGISTER, { t }, { viewer: me });
      expect(res.data?.registerPushToken).toEqual({
        device: null,
        userErrors: [{ code: "INVALID_PUSH_TOKEN", field: ["input", "token"] }],
      });
    }
    expect(await n.services.db.pushToken.count({ where: { userId: me!.id } })).toBe(0);
  });

  it("move to whoever registers them last, and the old owner's waiting pushes are not sent to it", async () => {
    const first = await knownUser(n);
    const second = await knownUser(n);
    const token = await device(n, first);
    await followed(n, first.id);
    expect((await pushesOf(n, first.id)).map((p) => p.status)).toEqual(["PENDING"]);
    await device(n, second, token);
    expect(await n.services.db.pushToken.findMany({ where: { token } })).toEqual([
      expect.objectContaining({ userId: second.id }),
    ]);
    expect((await pushesOf(n, first.id)).map((p) => [p.status, p.error])).toEqual([["FAILED", "TOKEN_MOVED"]]);
    // The first account's next notification has no device to go to; the second's does.
    await followed(n, first.id);
    await followed(n, second.id);
    expect(await pushesOf(n, first.id)).toHaveLength(1);
    expect((await pushesOf(n, second.id)).map((p) => p.token)).toEqual([token]);
    // Removing it is the owner's alone.
    const theirs = await n.query(REMOVE, { t: token }, { viewer: first });
    expect(theirs.data?.removePushToken).toEqual({
      removedToken: null,
      userErrors: [{ code: "PUSH_TOKEN_NOT_FOUND", field: ["input", "token"] }],
    });
    expect(await n.services.db.pushToken.count({ where: { token } })).toBe(1);
    const mine = await n.query(REMOVE, { t: token }, { viewer: second });
    expect(mine.data?.removePushToken).toEqual({ removedToken: token, userErrors: [] });
    expect(await n.services.db.pushToken.count({ where: { token } })).toBe(0);
  });

  it("answer only a signed-in caller", async () => {
    for (const doc of [REGISTER, REMOVE, `{ pushDevices { token } }`]) {
      const res = await n.query(doc, { t: expoToken() }, { viewer: null });
      expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
  });
});

/**
 * What the fake received for these people's devices. Other test files share the database and
 * may leave pushes pending that a send here takes too, so assertions look at their own only.
 */
const receivedBy = (people: { token: string }[]) => {
  const tokens = new Set(people.map((p) => p.token));
  return expo.received.filter((r) => tokens.has(r.to));
};

/** `count` accounts with one device each, each just followed by someone called Ada. */
async function followedAccounts(count: number) {
  const ada = await knownUser(n, "USER", "Ada");
  const people = [];
  for (let i = 0; i < count; i++) {
    const p = await knownUser(n);
    const token = await device(n, p);
    await followed(n, p.id, ada.id);
    people.push({ ...p, token });
  }
  return people;
}

describe("sending pushes", () => {
  it("sends each pending push once, in chunks of 100, and keeps the tickets", async () => {
    const people = await followedAccounts(230);
    const outcome = await send();
    expect(outcome.sent).toBeGreaterThanOrEqual(230);
    expect(expo.sendRequests[200]).toBeGreaterThanOrEqual(3);
    expect(expo.largestChunk).toBe(100);
    const mine = receivedBy(people);
    expect(mine).toHaveLength(230);
    expect(new Set(mine.map((r) => r.to))).toEqual(new Set(people.map((p) => p.token)));
    expect(mine[0]).toMatchObject({
      title: "New follower",
      body: "Ada started following you.",
      data: { notificationId: expect.any(String), type: "USER_FOLLOWED" },
    });
    const rows = await pushesOf(n, people[0]!.id);
    expect(rows).toEqual([
      expect.objectContaining({ status: "SENT", ticketId: expect.any(String), sentAt: expect.any(Date) }),
    ]);
    // Nothing of theirs is pending any more, so a second send sends none of it.
    await send();
    expect(receivedBy(people)).toHaveLength(230);
  });

  it("retries a 429 or a 5xx and sends once", async () => {
    const people = await followedAccounts(3);
    expo.failNext(2, 429);
    expo.failNext(1, 503);
    expect((await send()).sent).toBeGreaterThanOrEqual(3);
    expect(expo.sendRequests).toMatchObject({ 429: 2, 503: 1 });
    expect(
      receivedBy(people)
        .map((r) => r.to)
        .sort(),
    ).toEqual(people.map((p) => p.token).sort());
  });

  it("leaves pushes pending when Expo keeps refusing, for a later send", async () => {
    const people = await followedAccounts(2);
    expo.failNext(3 + 1, 500); // more than chunkAttempts, counting the SDK's own 429 retries
    const outcome = await send();
    expect(outcome.requeued).toBeGreaterThanOrEqual(2);
    expect(receivedBy(people)).toHaveLength(0);
    expect((await pushesOf(n, people[0]!.id)).map((p) => p.status)).toEqual(["PENDING"]);
    expo.reset();
    await send();
    expect(receivedBy(people)).toHaveLength(2);
  });

  it("never sends again a push whose request went unanswered, or one a dead worker claimed", async () => {
    const people = await followedAccounts(2);
    // A worker that died after claiming: its claim stays.
    const claimed = (await pushesOf(n, people[0]!.id))[0]!;
    await n.services.db.pushDelivery.update({
      where: { id: claimed.id },
      data: { status: "SENDING", claimedAt: new Date() },
    });
    expo.dropNext(1);
    expect((await send()).unknown).toBeGreaterThanOrEqual(1);
    expect(receivedBy(people).map((r) => r.to)).toEqual([people[1]!.token]);
    expect((await pushesOf(n, people[1]!.id)).map((p) => [p.status, p.error])).toEqual([["SENDING", "UNKNOWN"]]);
    expo.reset();
    await send();
    expect(receivedBy(people)).toHaveLength(0);
    const stats = await n.query(`{ pushDeliveryStats { unknown } }`, {}, { viewer: viewerWith("ADMIN") });
    expect(stats.data?.pushDeliveryStats.unknown).toBeGreaterThanOrEqual(2);
  });

  it("removes a device Expo says is not registered, from its ticket or its receipt", async () => {
    const people = await followedAccounts(3);
    expo.unregistered.add(people[0]!.token);
    expo.receiptErrors.set(people[1]!.token, "DeviceNotRegistered");
    await send();
    expect((await pushesOf(n, people[0]!.id)).map((p) => [p.status, p.error])).toEqual([
      ["FAILED", "DeviceNotRegistered"],
    ]);
    expect(await n.services.db.pushToken.count({ where: { token: people[0]!.token } })).toBe(0);

    const outcome = await receipts();
    expect(outcome.delivered).toBeGreaterThanOrEqual(1);
    expect(outcome.failed).toBeGreaterThanOrEqual(1);
    expect((await pushesOf(n, people[1]!.id)).map((p) => [p.status, p.error])).toEqual([
      ["FAILED", "DeviceNotRegistered"],
    ]);
    expect((await pushesOf(n, people[2]!.id)).map((p) => p.status)).toEqual(["DELIVERED"]);
    expect(await n.services.db.pushToken.count({ where: { token: people[1]!.token } })).toBe(0);
    expect(await n.services.db.pushToken.count({ where: { token: people[2]!.token } })).toBe(1);
    // Receipts are asked for once: delivered and failed pushes are done.
    const tickets = (await pushesOf(n, people[2]!.id)).map((p) => p.ticketId!);
    expect(expo.receiptsAsked).toEqual(expect.arrayContaining(tickets));
    expo.receiptsAsked = [];
    await receipts();
    expect(expo.receiptsAsked).not.toEqual(expect.arrayContaining(tickets));
  });
});

// Last in this file, so the stack's push worker never takes what the tests above send themselves
// (a file's tests run one after another); other files run no push worker.
describe("through the router", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ router: true, push: { worker: true, expoBaseUrl: expo.url, retryMinMs: 10 } });
  });
  afterAll(() => stack?.stop());

  it("a new follower reaches the followed person live (count and notification) and by push", async () => {
    const url = stack.router!.url;
    const me = await register(url);
    const fan = await register(url, { displayName: "Grace Hopper" });
    const token = expoToken();
    const reg = await gql(url, REGISTER, { t: token }, { token: me.accessToken });
    expect(reg.data.registerPushToken.userErrors).toEqual([]);
    const ws = wsClient(url, { token: me.accessToken });
    try {
      const count = subscribe(ws.client, `subscription { unreadNotificationCount }`);
      expect((await count.next()).data).toEqual({ unreadNotificationCount: 0 });
      const received = subscribe(
        ws.client,
        `subscription { notificationReceived { id type actor { profile { displayName } } } }`,
      );
      const notifications = stack.services.notifications as unknown as {
        services: { pubsub: { handlerCount(): number } };
      };
      await expect.poll(() => notifications.services.pubsub.handlerCount()).toBe(2);
      const follow = await gql(
        url,
        `mutation ($id: ID!) { followUser(input: { userId: $id }) { userErrors { code } } }`,
        { id: me.id },
        { token: fan.accessToken },
      );
      expect(follow.data.followUser.userErrors).toEqual([]);
      const live = await received.next();
      expect(live.data?.notificationReceived).toMatchObject({
        type: "USER_FOLLOWED",
        actor: { profile: { displayName: "Grace Hopper" } },
      });
      expect((await count.next()).data).toEqual({ unreadNotificationCount: 1 });
      await expect
        .poll(() => expo.received.filter((r) => r.to === token).map((r) => r.body))
        .toEqual(["Grace Hopper started following you."]);
      // Read: the count goes down live too.
      const read = await gql(
        url,
        `mutation ($id: ID!) { markNotificationRead(input: { notificationId: $id }) { notification { read } } }`,
        { id: live.data?.notificationReceived.id },
        { token: me.accessToken },
      );
      expect(read.data.markNotificationRead.notification).toEqual({ read: true });
      expect((await count.next()).data).toEqual({ unreadNotificationCount: 0 });
      count.unsubscribe();
      received.unsubscribe();
      // Both end upstream too.
      await expect.poll(() => notifications.services.pubsub.handlerCount()).toBe(0);
    } finally {
      await ws.dispose();
    }
  });

  it("closes notification subscriptions with 4401 on a bad token, and at once when the account is blocked", async () => {
    const url = stack.router!.url;
    const bad = wsClient(url, { params: { authorization: "Bearer not-a-token" } });
    subscribe(bad.client, `subscription { notificationReceived { id } }`);
    expect((await bad.closed).code).toBe(4401);

    const me = await register(url);
    const ws = wsClient(url, { token: me.accessToken });
    subscribe(ws.client, `subscription { unreadNotificationCount }`);
    subscribe(ws.client, `subscription { notificationReceived { id } }`);
    const notifications = stack.services.notifications as unknown as {
      services: { pubsub: { handlerCount(): number } };
    };
    await expect.poll(() => notifications.services.pubsub.handlerCount()).toBe(2);
    const admin = await signInAdmin(stack, url);
    const blocked = await gql(
      url,
      `mutation ($id: ID!) { blockUser(input: { userId: $id }) { userErrors { code } } }`,
      { id: me.id },
      { token: admin.accessToken },
    );
    expect(blocked.data.blockUser.userErrors).toEqual([]);
    expect((await ws.closed).code).toBe(4401);
    await expect.poll(() => notifications.services.pubsub.handlerCount()).toBe(0);
  });
});
