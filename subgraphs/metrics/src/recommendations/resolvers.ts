// Song.similar and Query.forYou, read from the Similar table (recommendations/compute.ts).
import { requireViewer } from "@melodi/kit";
import type { Context } from "../context.ts";
import { TODAY } from "../db.ts";
import { inRange } from "../validation.ts";
import type { Resolvers } from "../generated/graphql.ts";
import { OVERALL } from "../rankings/compute.ts";
import { PER_LISTENER } from "./compute.ts";

const bound = (first: number | null | undefined, max: number) => inRange(first, 10, max, "first");

export const resolvers: Resolvers<Context> = {
  Song: {
    // One statement for a page of songs (loaders.ts), each song's first `first`.
    async similar(song, args, ctx) {
      const limit = bound(args.first, 20);
      return (await ctx.loaders.similar.load(song.id.toLowerCase())).slice(0, limit).map((r) => ({ id: r.similarId }));
    },
  },
  Query: {
    async forYou(_parent, args, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const limit = bound(args.first, 50);
      const rows = await ctx.db.$queryRawUnsafe<{ id: string }[]>(
        `WITH mine AS (
           SELECT "songId", "lastDay" FROM "metrics"."UserSong" WHERE "userId" = $1::uuid
           ORDER BY "lastDay" DESC, "plays" DESC LIMIT ${PER_LISTENER}),
         heard AS (SELECT "songId" FROM "metrics"."UserSong" WHERE "userId" = $1::uuid
           AND "lastDay" > ${TODAY} - 28)
         SELECT x."similarId"::text AS id FROM mine m
         JOIN "metrics"."Similar" x ON x."songId" = m."songId"
         JOIN "metrics"."SongRecord" s ON s."id" = x."similarId" AND s."listed"
         WHERE x."similarId" NOT IN (SELECT "songId" FROM heard)
         GROUP BY x."similarId" ORDER BY sum(x."score") DESC, x."similarId" LIMIT $2`,
        viewer.id,
        limit,
      );
      if (rows.length >= limit) return rows.map((r) => ({ id: r.id }));
      // Too little history: fill with trending songs not heard lately.
      const fill = await ctx.db.$queryRawUnsafe<{ id: string }[]>(
        `SELECT r."entityId"::text AS id FROM "metrics"."Ranking" r
         JOIN "metrics"."SongRecord" s ON s."id" = r."entityId" AND s."listed"
         WHERE r."kind" = 'SONG' AND r."scope" = $1::uuid
           AND r."entityId" NOT IN (SELECT "songId" FROM "metrics"."UserSong" WHERE "userId" = $2::uuid
             AND "lastDay" > ${TODAY} - 28)
         ORDER BY r."rank" LIMIT $3`,
        OVERALL,
        viewer.id,
        limit,
      );
      const seen = new Set(rows.map((r) => r.id));
      return [...rows, ...fill.filter((r) => !seen.has(r.id))].slice(0, limit).map((r) => ({ id: r.id }));
    },
  },
};
