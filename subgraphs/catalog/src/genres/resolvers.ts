import { decodeCursor, encodeCursor, pageSize, toConnection, afterTime } from "@melodi/kit";
import type { Resolvers } from "../generated/graphql.ts";
import type { Prisma } from "../db.ts";
import { listenerWhere } from "../access.ts";

export const resolvers: Resolvers = {
  Query: {
    genres: (_parent, _args, ctx) => ctx.db.genre.findMany({ orderBy: { name: "asc" } }),
    genre: (_parent, { slug }, ctx) => ctx.db.genre.findUnique({ where: { slug: slug.slice(0, 60) } }),
  },

  // Genre pages are for discovery: what listeners may see, for everyone.
  Genre: {
    async artists(genre, args, ctx) {
      const limit = pageSize(args);
      const where: Prisma.ArtistWhereInput = { ...listenerWhere.artist, genres: { some: { genreId: genre.id } } };
      let after: Prisma.ArtistWhereInput = {};
      if (args.after) {
        const [name, id] = decodeCursor(args.after, ["string", "uuid"]) as [string, string];
        after = { OR: [{ name: { gt: name } }, { name, id: { gt: id } }] };
      }
      const [rows, totalCount] = await Promise.all([
        ctx.db.artist.findMany({
          where: { AND: [where, after] },
          orderBy: [{ name: "asc" }, { id: "asc" }],
          take: limit + 1,
        }),
        ctx.db.artist.count({ where }),
      ]);
      for (const row of rows) ctx.loaders.artist.prime(row.id, row);
      return {
        ...toConnection(
          rows,
          limit,
          (row) => encodeCursor([row.name, row.id]),
          (row) => row,
          Boolean(args.after),
        ),
        totalCount,
      };
    },

    async songs(genre, args, ctx) {
      const limit = pageSize(args);
      const where: Prisma.SongWhereInput = { ...listenerWhere.song, genres: { some: { genreId: genre.id } } };
      let after: Prisma.SongWhereInput = {};
      const key = afterTime(args.after);
      if (key) after = { OR: [{ createdAt: { lt: key.at } }, { createdAt: key.at, id: { lt: key.id } }] };
      const [rows, totalCount] = await Promise.all([
        ctx.db.song.findMany({
          where: { AND: [where, after] },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          take: limit + 1,
        }),
        ctx.db.song.count({ where }),
      ]);
      for (const row of rows) ctx.loaders.song.prime(row.id, row);
      return {
        ...toConnection(
          rows,
          limit,
          (row) => encodeCursor([row.createdAt.getTime(), row.id]),
          (row) => row,
          Boolean(args.after),
        ),
        totalCount,
      };
    },
  },
};
