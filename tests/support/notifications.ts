// Helpers for the notifications subgraph's tests: events applied as its consumer applies them,
// accounts it knows of, devices, and its deliveries as rows.
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { Role } from "@melodi/kit";
import { consumerOf } from "./events.ts";
import { events } from "../../subgraphs/notifications/src/events.ts";
import type { inProcessNotifications } from "./inProcess.ts";

export type Notifications = Awaited<ReturnType<typeof inProcessNotifications>>;

/** Applies one event as the consumer would (true: applied; false: already applied). */
export const deliverTo = (n: Notifications) => consumerOf("notifications", n.services.db, events.handlers);

/** An account notifications knows of (from users' user.changed), as a viewer. */
export async function knownUser(n: Notifications, role: Role = "USER", displayName = "Someone") {
  const id = randomUUID();
  await deliverTo(n)("user.changed", {
    userId: id,
    handle: `u${id.slice(0, 8)}`,
    displayName,
    role,
    blocked: false,
    version: 1,
  });
  return { id, role };
}

let tokens = 0;
/** A new, valid Expo push token. */
export const expoToken = () => `ExponentPushToken[test${Date.now().toString(36)}${(tokens++).toString(36)}]`;

/** Registers a device for the viewer and returns its token. */
export async function device(n: Notifications, viewer: { id: string; role: Role }, token = expoToken()) {
  const res = await n.query(
    `mutation ($t: String!) { registerPushToken(input: { token: $t }) { device { token } userErrors { code } } }`,
    { t: token },
    { viewer },
  );
  expect(res.data?.registerPushToken).toEqual({ device: { token }, userErrors: [] });
  return token;
}

/** Someone follows `followeeId` now: a USER_FOLLOWED notification for them. */
export const followed = (n: Notifications, followeeId: string, followerId = randomUUID()) =>
  deliverTo(n)("user.followed", { followerId, followeeId, followedAt: new Date().toISOString() });

/** The pushes made for a recipient's notifications, oldest first. */
export const pushesOf = (n: Notifications, recipientId: string) =>
  n.services.db.pushDelivery.findMany({
    where: { notification: { recipientId } },
    orderBy: { createdAt: "asc" },
  });
