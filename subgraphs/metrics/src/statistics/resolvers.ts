// Statistics from the rollups (never raw events or plays): an artist's for its managers and
// admins (catalog's viewerCanManage, which the router fetches for metrics through @requires),
// and the platform's for admins. Series are zero-filled day by day (generate_series), so a
// chart draws them as they are.
import { forbidden, requireRole, requireViewer } from "@melodi/kit";
import type { Context } from "../context.ts";
import { TODAY } from "../db.ts";
import { inRange } from "../validation.ts";
import type { Resolvers } from "../generated/graphql.ts";
import type { ArtistSpan } from "../models.ts";

/** An argument's value (the schema gives each a default). */
const span = (value: number | null | undefined, max: number, name: string) => inRange(value, 0, max, name);

const rate = (part: number, plays: number) => (plays > 0 ? part / plays : null);

export const resolvers: Resolvers<Context> = {
  Artist: {
    statistics(artist, args, ctx) {
      requireViewer(ctx.viewer);
      if (artist.viewerCanManage !== true) throw forbidden("Only the artist's managers and admins see its statistics.");
      return { artistId: artist.id, days: span(args.days, 366, "days") };
    },
  },

  // Every field from a batched loader (loaders.ts): a page of artists costs one statement per
  // field, not per artist.
  ArtistStatistics: {
    async days(s, _args, ctx) {
      const rows = await ctx.loaders.artistDays.load(`${s.artistId}|${s.days}`);
      return rows.map((r) => ({
        day: r.day,
        plays: r.plays,
        listeners: r.listeners,
        completionRate: rate(r.completions, r.plays),
        skipRate: rate(r.skips, r.plays),
      }));
    },
    async plays(s, _args, ctx) {
      return (await totals(ctx, s)).plays;
    },
    async completionRate(s, _args, ctx) {
      const t = await totals(ctx, s);
      return rate(t.completions, t.plays);
    },
    async skipRate(s, _args, ctx) {
      const t = await totals(ctx, s);
      return rate(t.skips, t.plays);
    },
    async topSongs(s, args, ctx) {
      const rows = await ctx.loaders.artistTopSongs.load(`${s.artistId}|${s.days}|${span(args.first, 100, "first")}`);
      return rows.map((r) => ({ song: { id: r.songId }, plays: r.plays }));
    },
  },

  Query: {
    platformStatistics(_parent, args, ctx) {
      requireRole(ctx.viewer, "ADMIN");
      return { days: span(args.days, 366, "days"), months: span(args.months, 36, "months") };
    },
  },

  PlatformStatistics: {
    dailyActiveUsers: (s, _args, ctx) => daily(ctx, s.days, "activeUsers"),
    dailyPlays: (s, _args, ctx) => daily(ctx, s.days, "plays"),
    monthlyActiveUsers: (s, _args, ctx) => monthly(ctx, s.months, "activeUsers"),
    monthlyPlays: (s, _args, ctx) => monthly(ctx, s.months, "plays"),
    async playsPerUser(s, _args, ctx) {
      const rows = await ctx.db.$queryRawUnsafe<{ bucket: number; users: number }[]>(
        `SELECT width_bucket(p, ARRAY[1, 2, 6, 21, 101]) AS bucket, count(*)::int AS users
         FROM (SELECT sum("plays") AS p FROM "metrics"."UserDaily" WHERE "day" > ${TODAY} - $1::int GROUP BY "userId") u
         WHERE p > 0 GROUP BY 1`,
        s.days,
      );
      const buckets: [number, number | null][] = [
        [1, 1],
        [2, 5],
        [6, 20],
        [21, 100],
        [101, null],
      ];
      const by = new Map(rows.map((r) => [r.bucket, r.users]));
      return buckets.map(([minPlays, maxPlays], i) => ({ minPlays, maxPlays, users: by.get(i + 1) ?? 0 }));
    },
    async topSongs(s, args, ctx) {
      const rows = await ctx.db.$queryRawUnsafe<{ id: string; plays: number }[]>(
        `SELECT "songId"::text AS id, sum("plays")::int AS plays FROM "metrics"."SongDaily"
         WHERE "day" > ${TODAY} - $1::int GROUP BY 1 HAVING sum("plays") > 0 ORDER BY plays DESC, 1 LIMIT $2`,
        s.days,
        span(args.first, 100, "first"),
      );
      return rows.map((r) => ({ song: { id: r.id }, plays: r.plays }));
    },
    async topArtists(s, args, ctx) {
      const rows = await ctx.db.$queryRawUnsafe<{ id: string; plays: number }[]>(
        `SELECT "artistId"::text AS id, sum("plays")::int AS plays FROM "metrics"."ArtistDaily"
         WHERE "day" > ${TODAY} - $1::int GROUP BY 1 HAVING sum("plays") > 0 ORDER BY plays DESC, 1 LIMIT $2`,
        s.days,
        span(args.first, 100, "first"),
      );
      return rows.map((r) => ({ artist: { id: r.id }, plays: r.plays }));
    },
  },
};

/** An artist's totals over the span (one statement for the page, shared by three fields). */
async function totals(ctx: Context, s: ArtistSpan) {
  const [row] = await ctx.loaders.artistTotals.load(`${s.artistId}|${s.days}`);
  return row ?? { plays: 0, completions: 0, skips: 0 };
}

/** A series of the platform's per-day figures (one row per day read), zero-filled. */
async function daily(ctx: Context, days: number, column: "plays" | "activeUsers") {
  return ctx.db.$queryRawUnsafe<{ day: string; value: number }[]>(
    `SELECT to_char(g.day, 'YYYY-MM-DD') AS day, coalesce(p."${column}", 0)::int AS value
     FROM generate_series(${TODAY} - ($1::int - 1), ${TODAY}, interval '1 day') AS g(day)
     LEFT JOIN "metrics"."PlatformDaily" p ON p."day" = g.day::date
     ORDER BY g.day`,
    days,
  );
}

/** The same per month. */
async function monthly(ctx: Context, months: number, column: "plays" | "activeUsers") {
  return ctx.db.$queryRawUnsafe<{ month: string; value: number }[]>(
    `SELECT to_char(g.month, 'YYYY-MM') AS month, coalesce(p."${column}", 0)::int AS value
     FROM generate_series(date_trunc('month', ${TODAY}) - ($1::int - 1) * interval '1 month', date_trunc('month', ${TODAY}), interval '1 month') AS g(month)
     LEFT JOIN "metrics"."PlatformMonthly" p ON p."month" = g.month::date
     ORDER BY g.month`,
    months,
  );
}
