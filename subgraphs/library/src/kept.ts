// What a listener keeps (liked songs, saved releases, followed artists): one shape of table
// (userId, the thing's id, when) and one shape of connection, newest first, each edge saying
// whether the thing is available now from the local record of the catalog (catalog.ts).
import { encodeCursor, pageSize, toConnection, type PageArgs, afterTime } from "@melodi/kit";
import type { Context } from "./context.ts";
import type { KeptEdgeModel } from "./models.ts";

export interface KeptKind {
  table: "LikedSong" | "SavedCollection" | "FollowedArtist";
  target: "songId" | "collectionId" | "artistId";
  at: "likedAt" | "savedAt" | "followedAt";
  catalog: "CatalogSong" | "CatalogCollection" | "CatalogArtist";
  /** Leave out what listeners may not see (followed artists), instead of showing it unavailable. */
  listedOnly?: boolean;
}

export const LIKED_SONGS: KeptKind = { table: "LikedSong", target: "songId", at: "likedAt", catalog: "CatalogSong" };
export const SAVED_COLLECTIONS: KeptKind = {
  table: "SavedCollection",
  target: "collectionId",
  at: "savedAt",
  catalog: "CatalogCollection",
};
export const FOLLOWED_ARTISTS: KeptKind = {
  table: "FollowedArtist",
  target: "artistId",
  at: "followedAt",
  catalog: "CatalogArtist",
  listedOnly: true,
};

interface KeptRow {
  id: string;
  at: Date;
  available: boolean;
}

/** One page of what `userId` keeps of this kind, and how many in all; two statements. */
export async function keptPage(ctx: Context, kind: KeptKind, userId: string, args: PageArgs) {
  const limit = pageSize(args);
  const key = afterTime(args.after);
  const after = key && ([key.at, key.id] as const);
  // Identifiers come from the constants above, never from input.
  const from = `FROM "library"."${kind.table}" k LEFT JOIN "library"."${kind.catalog}" c ON c."id" = k."${kind.target}"
    WHERE k."userId" = $1::uuid${kind.listedOnly ? ` AND c."listed"` : ""}`;
  const [rows, [total]] = await Promise.all([
    ctx.db.$queryRawUnsafe<KeptRow[]>(
      `SELECT k."${kind.target}"::text AS id, k."${kind.at}" AS at, coalesce(c."listed", false) AS available ${from}
       ${after ? `AND (k."${kind.at}", k."${kind.target}") < ($3::timestamp, $4::uuid)` : ""}
       ORDER BY k."${kind.at}" DESC, k."${kind.target}" DESC LIMIT $2`,
      userId,
      limit + 1,
      ...(after ? [after[0], after[1]] : []),
    ),
    ctx.db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n ${from}`, userId),
  ]);
  const cursorOf = (row: KeptRow) => encodeCursor([new Date(row.at).getTime(), row.id]);
  const page = toConnection(
    rows,
    limit,
    cursorOf,
    (row): KeptEdgeModel => ({ cursor: cursorOf(row), id: row.id, at: new Date(row.at), available: row.available }),
    after !== null,
  );
  return { ...page, edges: page.edges.map((e) => e.node), totalCount: total?.n ?? 0 };
}
