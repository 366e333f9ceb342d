// Notifications' background work on BullMQ (kit jobs: retries with backoff, failed jobs kept in
// their queue's failed set for an admin to see and retry). Two queues:
// - `notifications-push`: send jobs, one per event that made pushes (and one per release of
//   held pushes); each sends whatever is pending, so a lost job only delays pushes until the next.
// - `notifications-hourly`: one job scheduler per task, upserted by id, so there is one schedule
//   however many replicas start, and each tick runs on one worker: announcements that are due
//   (also a delayed job at each announcement's time), pushes held by quiet hours that may go now
//   (and pending ones no send job took), receipts to check, notifications past 72 hours deleted.
import type { Jobs, Logger, PubSub } from "@melodi/kit";
import type { Db } from "../db.ts";
import type { PushConfig } from "../push/config.ts";
import type { PushService } from "../push/expo.ts";
import { sendPending } from "../push/sender.ts";
import { checkReceipts } from "../push/receipts.ts";
import { sendDueAnnouncements } from "../announcements/send.ts";
import { deleteExpired } from "./cleanup.ts";

export const PUSH_QUEUE = "notifications-push";
export const HOURLY_QUEUE = "notifications-hourly";
export const HOURLY_TASKS = ["announcements", "held", "receipts", "cleanup"] as const;
export type HourlyTask = (typeof HOURLY_TASKS)[number];
/** At the top of every hour. */
export const HOURLY = { pattern: "0 * * * *" } as const;

export interface NotificationJobs {
  /** Asks a worker to send what is pending (after an event that made pushes committed). */
  sendSoon(reason: string): Promise<void>;
  /** Runs one hourly task now (the schedule's work; tests and admins call it directly). */
  run(task: HourlyTask): Promise<unknown>;
  /** A delayed run of the announcements task at `at`. */
  announceAt(id: string, at: Date): Promise<void>;
}

/** Pushes held by quiet hours that are over (or whose quiet hours were cleared) go now. */
async function releaseHeld(db: Db): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE "notifications"."PushDelivery" d SET "status" = 'PENDING'
     FROM "notifications"."Notification" n
     LEFT JOIN "notifications"."QuietHours" q ON q."userId" = n."recipientId"
     WHERE d."status" = 'HELD' AND n."id" = d."notificationId"
       AND (q."userId" IS NULL OR NOT "notifications"."in_quiet_hours"(q."startMinute", q."endMinute", q."timeZone", now() AT TIME ZONE 'UTC'))`,
  );
}

export function notificationJobs(opts: {
  db: Db;
  jobs: Jobs;
  pubsub: PubSub;
  expo: PushService;
  push: PushConfig;
  log: Logger;
}): NotificationJobs {
  const { db, jobs, pubsub, expo, push, log } = opts;
  const pushQueue = () => jobs.queue(PUSH_QUEUE, { attempts: 5, backoff: { type: "exponential", delay: 2000 } });
  const self: NotificationJobs = {
    async sendSoon(reason) {
      // One waiting send job is enough (beside the one running): it takes everything pending when it runs.
      await pushQueue().add("send", { reason }, { deduplication: { id: "send", keepLastIfActive: true } });
    },
    async run(task) {
      switch (task) {
        case "announcements": {
          const sent = await sendDueAnnouncements(db, pubsub);
          if (sent) await self.sendSoon("announcements");
          return { sent };
        }
        case "held": {
          const released = await releaseHeld(db);
          // Also what no send job took (one lost while Redis was away).
          await self.sendSoon("hourly");
          return { released };
        }
        case "receipts":
          return checkReceipts(db, expo, push, log);
        case "cleanup":
          return { deleted: await deleteExpired(db) };
        default:
          throw new Error(`no such task: ${String(task)}`);
      }
    },
    async announceAt(id, at) {
      await jobs
        .queue(HOURLY_QUEUE)
        .add(
          "announcements",
          { task: "announcements" },
          { delay: Math.max(0, at.getTime() - Date.now()), jobId: `announcement-${id}` },
        );
    },
  };
  return self;
}

/** The hourly schedules, one per task (upserted: one schedule however many replicas call this). */
export async function scheduleHourly(jobs: Jobs): Promise<void> {
  for (const task of HOURLY_TASKS) await jobs.schedule(HOURLY_QUEUE, task, HOURLY, { name: task, data: { task } });
}

/** The worker running the hourly tasks (and announcements' delayed runs). */
export function startHourlyWorker(jobs: Jobs, work: NotificationJobs): void {
  jobs.worker<{ task: HourlyTask }>(HOURLY_QUEUE, (job) => work.run(job.data?.task ?? (job.name as HourlyTask)));
}

/** The worker sending pushes. */
export function startPushWorker(opts: Parameters<typeof notificationJobs>[0]): void {
  const { db, jobs, expo, push, log } = opts;
  jobs.worker(PUSH_QUEUE, async () => {
    const outcome = await sendPending(db, expo, push, log);
    // Expo is refusing: fail, so the job comes back with backoff (and lands in the failed set
    // past its attempts, the pushes still PENDING for the next job).
    if (outcome.requeued > 0) throw new Error(`Expo refused ${outcome.requeued} pushes; they wait`);
    return outcome;
  });
}

/** Everything a replica with PUSH_WORKER on runs: both workers and the hourly schedules. */
export async function startNotificationWorkers(
  opts: Parameters<typeof notificationJobs>[0],
  work: NotificationJobs,
): Promise<void> {
  startPushWorker(opts);
  startHourlyWorker(opts.jobs, work);
  await scheduleHourly(opts.jobs);
}
