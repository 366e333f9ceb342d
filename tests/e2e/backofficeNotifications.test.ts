// The backoffice's notification screens through the router, with the generated typed client:
// an admin schedules an announcement to listeners, lists it, cancels another, reads the push
// delivery figures and the failed jobs; a listener gets none of the admin operations.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.ts";
import { register } from "../support/graphql.ts";
import { execute } from "../support/typedClient.ts";
import { ensureAdmin } from "../../subgraphs/users/src/seed.ts";
import {
  AdminAnnouncementsDocument,
  AdminCancelAnnouncementDocument,
  AdminLoginDocument,
  AdminNotificationJobFailuresDocument,
  AdminPushDeliveryStatsDocument,
  AdminScheduleAnnouncementDocument,
} from "../../schema/generated/backoffice.ts";

let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = await startStack({ router: true });
  url = stack.router!.url;
});
afterAll(() => stack.stop());

it("schedules, lists and cancels announcements and reads delivery figures with typed operations", async () => {
  const email = `bo-notif-${Date.now()}@example.com`;
  await ensureAdmin(stack.users.services.db, { email, password: "admin password 123", handle: `bn${Date.now()}` });
  const signIn = await execute(url, AdminLoginDocument, { email, password: "admin password 123" });
  const token = signIn.data!.login.session!.accessToken;

  const later = new Date(Date.now() + 24 * 3600_000).toISOString();
  const made = await execute(
    url,
    AdminScheduleAnnouncementDocument,
    { input: { title: "Maintenance", body: "Sunday 02:00 UTC.", segment: "LISTENERS", sendAt: later } },
    token,
  );
  expect(made.errors).toBeUndefined();
  expect(made.data?.scheduleAnnouncement.userErrors).toEqual([]);
  const announcement = made.data!.scheduleAnnouncement.announcement!;
  expect(announcement).toMatchObject({
    segment: "LISTENERS",
    status: "SCHEDULED",
    sendAt: later,
    recipientCount: null,
  });

  const listed = await execute(url, AdminAnnouncementsDocument, { status: "SCHEDULED", first: 50 }, token);
  expect(listed.data?.announcements.edges.map((e) => e.node.id)).toContain(announcement.id);

  const cancelled = await execute(url, AdminCancelAnnouncementDocument, { announcementId: announcement.id }, token);
  expect(cancelled.data?.cancelAnnouncement.announcement?.status).toBe("CANCELLED");

  const stats = await execute(url, AdminPushDeliveryStatsDocument, {}, token);
  expect(stats.errors).toBeUndefined();
  expect(stats.data?.pushDeliveryStats).toEqual(
    expect.objectContaining({
      pending: expect.any(Number),
      receiptsPending: expect.any(Number),
      failures: expect.any(Array),
    }),
  );
  const failures = await execute(url, AdminNotificationJobFailuresDocument, {}, token);
  expect(failures.errors).toBeUndefined();
  expect(failures.data?.notificationJobFailures).toEqual(expect.any(Array));

  // A listener: FORBIDDEN, and the announcement list is not theirs to read.
  const listener = await register(url);
  for (const [doc, variables] of [
    [AdminAnnouncementsDocument, {}],
    [AdminPushDeliveryStatsDocument, {}],
    [AdminNotificationJobFailuresDocument, {}],
    [AdminCancelAnnouncementDocument, { announcementId: announcement.id }],
  ] as const) {
    const res = await execute(url, doc as never, variables as never, listener.accessToken);
    expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  }
});
