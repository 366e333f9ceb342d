// Per-request DataLoaders (ARCHITECTURE.md §10): every user reference, count and viewer state in a
// response is loaded in one statement per kind, whatever the page size.
import { byIds, grouped, viewerSet, type Viewer } from "@melodi/kit";
import type { Db } from "./db.ts";
import type { UserModel } from "./models.ts";

const count = (rows: { _count: { _all: number } }[]) => rows[0]?._count._all ?? 0;

export function createLoaders(db: Db, viewer: Viewer | null) {
  return {
    user: byIds<UserModel>((ids) => db.user.findMany({ where: { id: { in: ids } }, include: { profile: true } })),

    followerCount: grouped(
      (row) => row.followeeId,
      (ids: string[]) =>
        db.follow.groupBy({ by: ["followeeId"], where: { followeeId: { in: ids } }, _count: { _all: true } }),
      count,
    ),

    followingCount: grouped(
      (row) => row.followerId,
      (ids: string[]) =>
        db.follow.groupBy({ by: ["followerId"], where: { followerId: { in: ids } }, _count: { _all: true } }),
      count,
    ),

    /** Whether the viewer follows each given user. */
    viewerFollows: viewerSet(viewer, async (viewerId, ids) =>
      (
        await db.follow.findMany({
          where: { followerId: viewerId, followeeId: { in: ids } },
          select: { followeeId: true },
        })
      ).map((row) => row.followeeId),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
