// Per-request DataLoaders (DESIGN.md §10): every user reference, count and viewer state in a
// response is loaded in one statement per kind, whatever the page size.
import DataLoader from "dataloader";
import { isUuid, type Viewer } from "@melodi/kit";
import type { Db } from "./db.ts";
import type { UserModel } from "./models.ts";

export function createLoaders(db: Db, viewer: Viewer | null) {
  return {
    user: new DataLoader<string, UserModel | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await db.user.findMany({ where: { id: { in: valid } }, include: { profile: true } }) : [];
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),

    followerCount: new DataLoader<string, number>(async (ids) => {
      const rows = await db.follow.groupBy({ by: ["followeeId"], where: { followeeId: { in: [...ids] } }, _count: { _all: true } });
      const counts = new Map(rows.map((row) => [row.followeeId, row._count._all]));
      return ids.map((id) => counts.get(id) ?? 0);
    }),

    followingCount: new DataLoader<string, number>(async (ids) => {
      const rows = await db.follow.groupBy({ by: ["followerId"], where: { followerId: { in: [...ids] } }, _count: { _all: true } });
      const counts = new Map(rows.map((row) => [row.followerId, row._count._all]));
      return ids.map((id) => counts.get(id) ?? 0);
    }),

    /** Whether the viewer follows each given user. */
    viewerFollows: new DataLoader<string, boolean>(async (ids) => {
      if (!viewer) return ids.map(() => false);
      const rows = await db.follow.findMany({ where: { followerId: viewer.id, followeeId: { in: [...ids] } }, select: { followeeId: true } });
      const followed = new Set(rows.map((row) => row.followeeId));
      return ids.map((id) => followed.has(id));
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
