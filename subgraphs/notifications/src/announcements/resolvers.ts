// Admins' announcements and the figures of what notifications sends, with its failed jobs.
import { encodeCursor, isUuid, pageSize, requireRole, toConnection, afterTime } from "@melodi/kit";
import { z } from "zod";
import type { Context } from "../context.ts";
import type { AnnouncementSegment, Resolvers } from "../generated/graphql.ts";
import type { Role } from "../generated/prisma/client.ts";
import { fail } from "../errors.ts";
import { keptSince } from "../inbox/notify.ts";
import { HOURLY_QUEUE, PUSH_QUEUE } from "../jobs/schedule.ts";
import { parseInput } from "../validation.ts";

const ROLE_OF: Record<AnnouncementSegment, Role | null> = {
  EVERYONE: null,
  LISTENERS: "USER",
  ARTISTS: "ARTIST",
  ADMINS: "ADMIN",
};
const SEGMENT_OF = { USER: "LISTENERS", ARTIST: "ARTISTS", ADMIN: "ADMINS" } as const;

/** A sendAt this far behind the clock still counts as now (the admin pressed "send now"). */
const NOW_SLACK_MS = 60_000;
/** How far ahead an announcement may be scheduled. */
const MAX_AHEAD_MS = 366 * 24 * 3600_000;

const scheduleInput = z.object({
  title: z
    .string()
    .trim()
    .min(1, { error: "Title must not be empty." })
    .max(100, { error: "Title must be at most 100 characters." }),
  body: z
    .string()
    .trim()
    .min(1, { error: "Body must not be empty." })
    .max(1000, { error: "Body must be at most 1000 characters." }),
  segment: z.enum(["EVERYONE", "LISTENERS", "ARTISTS", "ADMINS"]),
  sendAt: z
    .date()
    .refine((d) => d.getTime() >= Date.now() - NOW_SLACK_MS, { error: "sendAt must not be in the past." })
    .refine((d) => d.getTime() <= Date.now() + MAX_AHEAD_MS, { error: "sendAt must be within a year." }),
});

const QUEUES = [PUSH_QUEUE, HOURLY_QUEUE];

export const resolvers: Resolvers<Context> = {
  Announcement: {
    segment: (a) => (a.segment ? SEGMENT_OF[a.segment] : "EVERYONE"),
    createdBy: (a) => ({ id: a.createdById }),
  },

  Query: {
    async announcements(_parent, args, ctx) {
      requireRole(ctx.viewer, "ADMIN");
      const limit = pageSize(args);
      const after = afterTime(args.after);
      const rows = await ctx.db.announcement.findMany({
        where: {
          ...(args.status ? { status: args.status } : {}),
          ...(after ? { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] } : {}),
        },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: limit + 1,
      });
      return toConnection(
        rows,
        limit,
        (r) => encodeCursor([r.createdAt.getTime(), r.id]),
        (r) => r,
        after !== null,
      );
    },

    async pushDeliveryStats(_parent, _args, ctx) {
      requireRole(ctx.viewer, "ADMIN");
      const since = keptSince();
      const [byStatus, failures] = await Promise.all([
        ctx.db.pushDelivery.groupBy({ by: ["status"], where: { createdAt: { gte: since } }, _count: { _all: true } }),
        ctx.db.pushDelivery.groupBy({
          by: ["error"],
          where: { createdAt: { gte: since }, status: "FAILED" },
          _count: { _all: true },
          orderBy: { _count: { error: "desc" } },
          take: 20,
        }),
      ]);
      const n = (s: string) => byStatus.find((b) => b.status === s)?._count._all ?? 0;
      return {
        pending: n("PENDING"),
        held: n("HELD"),
        receiptsPending: n("SENT"),
        delivered: n("DELIVERED"),
        failed: n("FAILED"),
        unknown: n("SENDING"),
        failures: failures.map((f) => ({ error: f.error ?? "unknown", count: f._count._all })),
      };
    },

    async notificationJobFailures(_parent, _args, ctx) {
      requireRole(ctx.viewer, "ADMIN");
      const failed = await Promise.all(
        QUEUES.map(async (q) => ({ q, jobs: await ctx.jobs.queue(q).getFailed(0, 99) })),
      );
      return failed.flatMap(({ q, jobs }) =>
        jobs.map((j) => ({
          queue: q,
          id: j.id ?? "",
          name: j.name,
          reason: j.failedReason ?? "",
          attemptsMade: j.attemptsMade,
          failedAt: j.finishedOn ? new Date(j.finishedOn) : null,
        })),
      );
    },
  },

  Mutation: {
    async scheduleAnnouncement(_parent, { input }, ctx) {
      const viewer = requireRole(ctx.viewer, "ADMIN");
      const parsed = parseInput(scheduleInput, input);
      if (!parsed.ok) return { announcement: null, userErrors: parsed.userErrors };
      const { title, body, segment, sendAt } = parsed.value;
      const announcement = await ctx.db.announcement.create({
        data: { title, body, segment: ROLE_OF[segment], sendAt, createdById: viewer.id },
      });
      // On time (the hourly run is the safety net if Redis loses this).
      await ctx.work
        .announceAt(announcement.id, sendAt)
        .catch((err: unknown) =>
          ctx.log.warn({ err }, "announcement's delayed job not added; the hourly run sends it"),
        );
      return { announcement, userErrors: [] };
    },

    async cancelAnnouncement(_parent, { input }, ctx) {
      requireRole(ctx.viewer, "ADMIN");
      const notFound = fail("ANNOUNCEMENT_NOT_FOUND", "No announcement with this id.", ["input", "announcementId"]);
      if (!isUuid(input.announcementId)) return { announcement: null, userErrors: [notFound] };
      const { count } = await ctx.db.announcement.updateMany({
        where: { id: input.announcementId, status: "SCHEDULED" },
        data: { status: "CANCELLED" },
      });
      const announcement = await ctx.db.announcement.findUnique({ where: { id: input.announcementId } });
      if (!announcement) return { announcement: null, userErrors: [notFound] };
      if (count === 0 && announcement.status !== "CANCELLED")
        return {
          announcement,
          userErrors: [
            fail("ANNOUNCEMENT_ALREADY_SENT", "This announcement was sent already.", ["input", "announcementId"]),
          ],
        };
      return { announcement, userErrors: [] };
    },

    async retryNotificationJob(_parent, { input }, ctx) {
      requireRole(ctx.viewer, "ADMIN");
      const notFound = {
        retried: null,
        userErrors: [fail("JOB_NOT_FOUND", "No failed job with this id.", ["input", "jobId"])],
      };
      if (!QUEUES.includes(input.queue)) return notFound;
      const job = await ctx.jobs.queue(input.queue).getJob(input.jobId);
      if (!job || !(await job.isFailed())) return notFound;
      await job.retry("failed");
      return { retried: true, userErrors: [] };
    },
  },
};
