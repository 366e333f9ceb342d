// Admins' side of notifications, in process on the real database and Redis: announcements
// (scheduled, sent to their segment once, cancelled), delivery figures, the hourly schedules, the
// clean-up past 72 hours, and failed jobs that an admin sees and retries. Every admin field is
// also asked by a USER and by nobody.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HOURLY,
  HOURLY_QUEUE,
  HOURLY_TASKS,
  scheduleHourly,
  startHourlyWorker,
} from "../../subgraphs/notifications/src/jobs/schedule.ts";
import { startFakeExpo, type FakeExpo } from "../support/fakeExpo.ts";
import { inProcessNotifications, viewerWith } from "../support/inProcess.ts";
import { device, followed, knownUser, pushesOf, type Notifications } from "../support/notifications.ts";
import { until } from "../support/wait.ts";

let n: Notifications;
let expo: FakeExpo;
beforeAll(async () => {
  expo = await startFakeExpo();
  n = await inProcessNotifications({ push: { expoBaseUrl: expo.url } });
});
afterAll(async () => {
  await n.stop();
  await expo.close();
});

const admin = viewerWith("ADMIN");
const SCHEDULE = /* GraphQL */ `
  mutation ($input: ScheduleAnnouncementInput!) {
    scheduleAnnouncement(input: $input) {
      announcement { id title segment status sendAt recipientCount createdBy { id } }
      userErrors { code field }
    }
  }
`;
const CANCEL = `mutation ($id: ID!) { cancelAnnouncement(input: { announcementId: $id }) { announcement { id status } userErrors { code } } }`;
const schedule = async (input: object) =>
  (await n.query(SCHEDULE, { input }, { viewer: admin })).data?.scheduleAnnouncement;
const soon = (ms = 0) => new Date(Date.now() + ms).toISOString();

describe("admin operations", () => {
  const operations: [string, Record<string, unknown>][] = [
    [`{ announcements { edges { node { id } } } }`, {}],
    [`{ pushDeliveryStats { pending } }`, {}],
    [`{ notificationJobFailures { id } }`, {}],
    [SCHEDULE, { input: { title: "t", body: "b", segment: "EVERYONE", sendAt: soon() } }],
    [CANCEL, { id: randomUUID() }],
    [`mutation { retryNotificationJob(input: { queue: "notifications-push", jobId: "1" }) { retried } }`, {}],
  ];
  it("are refused to a USER (FORBIDDEN) and to nobody (UNAUTHENTICATED), and write nothing", async () => {
    const before = await n.services.db.announcement.count();
    for (const [doc, variables] of operations) {
      const asUser = await n.query(doc, variables, { viewer: viewerWith("USER") });
      expect(asUser.errors?.[0]?.extensions?.code, doc).toBe("FORBIDDEN");
      const asArtist = await n.query(doc, variables, { viewer: viewerWith("ARTIST") });
      expect(asArtist.errors?.[0]?.extensions?.code, doc).toBe("FORBIDDEN");
      const signedOut = await n.query(doc, variables, { viewer: null });
      expect(signedOut.errors?.[0]?.extensions?.code, doc).toBe("UNAUTHENTICATED");
    }
    expect(await n.services.db.announcement.count()).toBe(before);
  });
});

describe("announcements", () => {
  it("refuse a time in the past, an empty or long text, and an unknown segment: nothing written", async () => {
    const before = await n.services.db.announcement.count();
    const base = { title: "Hello", body: "Something new.", segment: "EVERYONE", sendAt: soon(60_000) };
    const bad: [object, string[]][] = [
      [{ sendAt: new Date(Date.now() - 3600_000).toISOString() }, ["input", "sendAt"]],
      [{ title: "  " }, ["input", "title"]],
      [{ body: "x".repeat(1001) }, ["input", "body"]],
    ];
    for (const [change, field] of bad) {
      const res = await schedule({ ...base, ...change });
      expect(res.announcement).toBeNull();
      expect(res.userErrors).toEqual([expect.objectContaining({ field })]);
    }
    const segment = await n.query(SCHEDULE, { input: { ...base, segment: "VIPS" } }, { viewer: admin });
    expect(segment.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await n.services.db.announcement.count()).toBe(before);
  });

  it("reach every account of their segment once, shown and pushed, when due", async () => {
    const artist = await knownUser(n, "ARTIST");
    const listener = await knownUser(n, "USER");
    const token = await device(n, artist);
    const res = await schedule({ title: "Artist tools", body: "Stats are live.", segment: "ARTISTS", sendAt: soon() });
    expect(res.userErrors).toEqual([]);
    expect(res.announcement).toMatchObject({ segment: "ARTISTS", status: "SCHEDULED", createdBy: { id: admin!.id } });
    await n.services.work.run("announcements");
    await n.services.work.run("announcements"); // a second run (another replica, a retry) adds nothing
    const INBOX = `{ notifications { edges { node { type title body } } } }`;
    expect((await n.query(INBOX, {}, { viewer: artist })).data?.notifications.edges).toEqual([
      { node: { type: "ANNOUNCEMENT", title: "Artist tools", body: "Stats are live." } },
    ]);
    expect((await n.query(INBOX, {}, { viewer: listener })).data?.notifications.edges).toEqual([]);
    expect((await pushesOf(n, artist.id)).map((p) => p.token)).toEqual([token]);
    const row = await n.services.db.announcement.findUnique({ where: { id: res.announcement.id } });
    expect(row).toMatchObject({ status: "SENT", sentAt: expect.any(Date) });
    expect(row!.recipientCount).toBeGreaterThanOrEqual(1);
    // Sent: no longer cancellable.
    const cancel = await n.query(CANCEL, { id: res.announcement.id }, { viewer: admin });
    expect(cancel.data?.cancelAnnouncement.userErrors).toEqual([{ code: "ANNOUNCEMENT_ALREADY_SENT" }]);
  });

  it("cancelled before their time, are never sent; listed newest first by status", async () => {
    const someone = await knownUser(n, "USER");
    const res = await schedule({ title: "Later", body: "Maybe.", segment: "EVERYONE", sendAt: soon(3600_000) });
    const cancel = await n.query(CANCEL, { id: res.announcement.id }, { viewer: admin });
    expect(cancel.data?.cancelAnnouncement).toEqual({
      announcement: { id: res.announcement.id, status: "CANCELLED" },
      userErrors: [],
    });
    await n.services.db.announcement.update({ where: { id: res.announcement.id }, data: { sendAt: new Date() } });
    await n.services.work.run("announcements");
    expect(await n.services.db.notification.count({ where: { announcementId: res.announcement.id } })).toBe(0);
    expect(await n.services.db.notification.count({ where: { recipientId: someone.id } })).toBe(0);
    const unknown = await n.query(CANCEL, { id: randomUUID() }, { viewer: admin });
    expect(unknown.data?.cancelAnnouncement.userErrors).toEqual([{ code: "ANNOUNCEMENT_NOT_FOUND" }]);
    const list = await n.query(
      `{ announcements(status: CANCELLED, first: 50) { edges { node { id status } } } }`,
      {},
      { viewer: admin },
    );
    const ids = list.data?.announcements.edges.map((e: any) => e.node.id);
    expect(ids).toContain(res.announcement.id);
    expect(list.data?.announcements.edges.every((e: any) => e.node.status === "CANCELLED")).toBe(true);
  });
});

describe("the hourly jobs", () => {
  it("are one schedule per task at the top of every hour, however many replicas upsert them", async () => {
    await scheduleHourly(n.services.jobs);
    await scheduleHourly(n.services.jobs);
    for (const task of HOURLY_TASKS) {
      const s = await n.services.jobs.scheduled(HOURLY_QUEUE, task);
      expect(s, task).toMatchObject({ pattern: HOURLY.pattern, next: expect.any(Number) });
    }
    expect(await n.services.jobs.queue(HOURLY_QUEUE).getJobSchedulersCount()).toBe(HOURLY_TASKS.length);
  });

  it("delete notifications past 72 hours with their pushes, and keep the rest", async () => {
    const me = await knownUser(n);
    await device(n, me);
    await followed(n, me.id);
    await followed(n, me.id);
    const [old] = await n.services.db.notification.findMany({ where: { recipientId: me.id } });
    await n.services.db.notification.update({
      where: { id: old!.id },
      data: { createdAt: new Date(Date.now() - 73 * 3600_000) },
    });
    const result = (await n.services.work.run("cleanup")) as { deleted: number };
    expect(result.deleted).toBeGreaterThanOrEqual(1);
    const left = await n.services.db.notification.findMany({ where: { recipientId: me.id } });
    expect(left.map((r) => r.id)).not.toContain(old!.id);
    expect(left).toHaveLength(1);
    expect(await pushesOf(n, me.id)).toHaveLength(1);
  });

  it("that fail are kept for an admin to see and retry", async () => {
    // Receipts to check (one SENT push of our own), and an Expo that answers 503 this once.
    const me = await knownUser(n);
    await device(n, me);
    await followed(n, me.id);
    await n.services.db.pushDelivery.updateMany({
      where: { notification: { recipientId: me.id } },
      data: { status: "SENT", ticketId: randomUUID(), sentAt: new Date(Date.now() - 3600_000) },
    });
    expo.failReceiptsNext(1, 503);
    startHourlyWorker(n.services.jobs, n.services.work);
    const job = await n.services.jobs.queue(HOURLY_QUEUE).add("receipts", { task: "receipts" }, { attempts: 1 });
    await until(
      async () => (await job.isFailed()) || (await n.services.jobs.queue(HOURLY_QUEUE).getJob(job.id!))!.isFailed(),
      "the receipts job to fail",
    );
    const FAILURES = `{ notificationJobFailures { queue id name reason attemptsMade } }`;
    const failures = (await n.query(FAILURES, {}, { viewer: admin })).data?.notificationJobFailures;
    expect(failures).toContainEqual({
      queue: HOURLY_QUEUE,
      id: job.id,
      name: "receipts",
      reason: expect.stringContaining("unknown error"), // what Expo said
      attemptsMade: 1,
    });
    const RETRY = `mutation ($q: String!, $id: ID!) { retryNotificationJob(input: { queue: $q, jobId: $id }) { retried userErrors { code } } }`;
    const retried = await n.query(RETRY, { q: HOURLY_QUEUE, id: job.id }, { viewer: admin });
    expect(retried.data?.retryNotificationJob).toEqual({ retried: true, userErrors: [] });
    await until(
      async () => (await n.services.jobs.queue(HOURLY_QUEUE).getJob(job.id!))!.isCompleted(),
      "the retry to complete",
    );
    // Not failed any more, so not retryable twice; an unknown one neither.
    for (const [q, id] of [
      [HOURLY_QUEUE, job.id],
      ["elsewhere", job.id],
      [HOURLY_QUEUE, "nope"],
    ]) {
      const again = await n.query(RETRY, { q, id }, { viewer: admin });
      expect(again.data?.retryNotificationJob).toEqual({ retried: null, userErrors: [{ code: "JOB_NOT_FOUND" }] });
    }
  });

  it("report delivery figures to admins", async () => {
    const me = await knownUser(n);
    await device(n, me);
    await followed(n, me.id);
    const stats = await n.query(
      `{ pushDeliveryStats { pending held receiptsPending delivered failed unknown failures { error count } } }`,
      {},
      { viewer: admin },
    );
    expect(stats.errors).toBeUndefined();
    const { failures, ...counts } = stats.data!.pushDeliveryStats;
    expect(Object.values(counts).reduce((a: number, b) => a + (b as number), 0)).toBeGreaterThanOrEqual(1);
    expect(failures).toEqual(expect.any(Array));
  });
});
