// Preferences per notification type (in the app, by push) and quiet hours. Rows exist only for
// what a person changed: everything is on by default, and notify() reads them in SQL.
import { requireViewer } from "@melodi/kit";
import type { Context } from "../context.ts";
import type { NotificationType, Resolvers } from "../generated/graphql.ts";
import { NOTIFICATION_TYPES } from "../models.ts";
import { parseInput } from "../validation.ts";
import { fail } from "../errors.ts";
import { formatMinute, quietHoursInput } from "./quietHours.ts";
import { z } from "zod";

/**
 * The time zone names Postgres knows, read once per process (pg_timezone_names reads the zone
 * files on every query: a few milliseconds each time).
 */
let zones: Promise<Set<string>> | undefined;
function timeZones(ctx: Context): Promise<Set<string>> {
  zones ??= ctx.db.$queryRaw<{ name: string }[]>`SELECT name FROM pg_timezone_names`.then(
    (rows) => new Set(rows.map((r) => r.name)),
    (err: unknown) => {
      zones = undefined; // asked again next time
      throw err;
    },
  );
  return zones;
}

async function preferencesOf(ctx: Context, userId: string) {
  const [rows, quiet] = await Promise.all([
    ctx.db.notificationPreference.findMany({ where: { userId } }),
    ctx.db.quietHours.findUnique({ where: { userId } }),
  ]);
  const byType = new Map(rows.map((r) => [r.type, r]));
  return {
    types: NOTIFICATION_TYPES.map((type) => ({
      type,
      inApp: byType.get(type)?.inApp ?? true,
      push: byType.get(type)?.push ?? true,
    })),
    quietHours: quiet && {
      start: formatMinute(quiet.startMinute),
      end: formatMinute(quiet.endMinute),
      timeZone: quiet.timeZone,
    },
  };
}

const updateInput = z
  .object({
    types: z
      .array(z.object({ type: z.string(), inApp: z.boolean().nullish(), push: z.boolean().nullish() }))
      .max(NOTIFICATION_TYPES.length * 2, { error: "Too many types." })
      .nullish(),
    quietHours: quietHoursInput.nullish(),
    clearQuietHours: z.boolean().nullish(),
  })
  .refine((i) => !(i.quietHours && i.clearQuietHours), {
    error: "Give quietHours or clearQuietHours, not both.",
    path: ["clearQuietHours"],
  });

export const resolvers: Resolvers<Context> = {
  Query: {
    notificationPreferences: (_parent, _args, ctx) => preferencesOf(ctx, requireViewer(ctx.viewer).id),
  },
  Mutation: {
    async updateNotificationPreferences(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const parsed = parseInput(updateInput, input);
      if (!parsed.ok) return { preferences: null, userErrors: parsed.userErrors };
      const { types, quietHours, clearQuietHours } = parsed.value;
      // A time zone Postgres does not know could not be evaluated by in_quiet_hours: the
      // database is the authority (Node's ICU and Postgres' tz data may differ on rare names).
      if (quietHours) {
        if (!(await timeZones(ctx)).has(quietHours.timeZone))
          return {
            preferences: null,
            userErrors: [
              fail("INVALID_TIME_ZONE", "Not a known time zone (e.g. Europe/Paris).", [
                "input",
                "quietHours",
                "timeZone",
              ]),
            ],
          };
      }
      // All of it or nothing.
      await ctx.db.$transaction(async (tx) => {
        const current = new Map(
          (await tx.notificationPreference.findMany({ where: { userId: viewer.id } })).map((r) => [r.type, r]),
        );
        for (const t of types ?? []) {
          const type = t.type as NotificationType;
          const inApp = t.inApp ?? current.get(type)?.inApp ?? true;
          const push = t.push ?? current.get(type)?.push ?? true;
          current.set(type, { userId: viewer.id, type, inApp, push });
          await tx.notificationPreference.upsert({
            where: { userId_type: { userId: viewer.id, type } },
            create: { userId: viewer.id, type, inApp, push },
            update: { inApp, push },
          });
        }
        if (quietHours)
          await tx.quietHours.upsert({
            where: { userId: viewer.id },
            create: { userId: viewer.id, ...quietHours },
            update: quietHours,
          });
        if (clearQuietHours) await tx.quietHours.deleteMany({ where: { userId: viewer.id } });
      });
      return { preferences: await preferencesOf(ctx, viewer.id), userErrors: [] };
    },
  },
};
