// Reading the rankings: pages by rank, hidden entities left out (hidden since the last run).
import { badUserInput, decodeCursor, encodeCursor, isUuid, pageSize, toConnection } from "@melodi/kit";
import type { Context } from "../context.ts";
import type { RankingKind } from "../generated/prisma/client.ts";
import type { Resolvers } from "../generated/graphql.ts";
import type { RankingRow } from "../db.ts";
import { OVERALL, RANK_DEPTH } from "./compute.ts";

async function page(
  ctx: Context,
  kind: RankingKind,
  args: { genreId?: string | null; first?: number | null; after?: string | null },
) {
  const limit = pageSize(args);
  const after = args.after ? (decodeCursor(args.after, ["number"])[0] as number) : 0;
  // A rank: a whole number within the ranking (a forged one must not reach the database).
  if (!Number.isInteger(after) || after < 0 || after > RANK_DEPTH) throw badUserInput("Not a valid cursor.", "after");
  // An id that is not a uuid names no genre: an empty ranking.
  if (args.genreId && !isUuid(args.genreId))
    return toConnection(
      [],
      limit,
      () => "",
      (r: RankingRow) => r,
      false,
    );
  const records = kind === "SONG" ? `"metrics"."SongRecord"` : `"metrics"."ArtistRecord"`;
  const rows = await ctx.db.$queryRawUnsafe<RankingRow[]>(
    `SELECT r.* FROM "metrics"."Ranking" r JOIN ${records} e ON e."id" = r."entityId" AND e."listed"
     WHERE r."kind" = $1::"metrics"."RankingKind" AND r."scope" = $2::uuid AND r."rank" > $3
     ORDER BY r."rank" LIMIT $4`,
    kind,
    args.genreId ?? OVERALL,
    after,
    limit + 1,
  );
  return toConnection(
    rows,
    limit,
    (r) => encodeCursor([r.rank]),
    (r) => r,
    after > 0,
  );
}

export const resolvers: Resolvers<Context> = {
  Query: {
    trendingSongs: (_parent, args, ctx) => page(ctx, "SONG", args),
    topArtists: (_parent, args, ctx) => page(ctx, "ARTIST", args),
  },
  RankedSong: { song: (r) => ({ id: r.entityId }) },
  RankedArtist: { artist: (r) => ({ id: r.entityId }) },
};
