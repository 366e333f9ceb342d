// Pages of releases, newest first: an artist's discography (everything, for its managers and
// admins) and new releases (what listeners may see, for everyone).
import { encodeCursor, pageSize, toConnection, type PageArgs, afterTime } from "@melodi/kit";
import type { Context } from "../context.ts";
import type { CollectionType, Prisma } from "../db.ts";
import type { ArtistRow } from "../models.ts";
import { canManage, listenerWhere } from "../access.ts";

export async function collectionPage(
  ctx: Context,
  scope: { artist?: ArtistRow; type?: CollectionType | null },
  args: PageArgs,
) {
  const limit = pageSize(args);
  const seeAll = scope.artist ? await canManage(ctx, scope.artist.id) : false;
  const where: Prisma.CollectionWhereInput = {
    ...(seeAll ? {} : listenerWhere.collection),
    ...(scope.artist ? { primaryArtistId: scope.artist.id } : {}),
    ...(scope.type ? { type: scope.type } : {}),
  };
  let after: Prisma.CollectionWhereInput = {};
  const key = afterTime(args.after);
  if (key) after = { OR: [{ releaseDate: { lt: key.at } }, { releaseDate: key.at, id: { lt: key.id } }] };
  const [rows, totalCount] = await Promise.all([
    ctx.db.collection.findMany({
      where: { AND: [where, after] },
      orderBy: [{ releaseDate: "desc" }, { id: "desc" }],
      take: limit + 1,
    }),
    ctx.db.collection.count({ where }),
  ]);
  for (const row of rows) ctx.loaders.collection.prime(row.id, row);
  return {
    ...toConnection(
      rows,
      limit,
      (row) => encodeCursor([row.releaseDate.getTime(), row.id]),
      (row) => row,
      Boolean(args.after),
    ),
    totalCount,
  };
}
