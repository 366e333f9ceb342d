// "Your Library" (ARCHITECTURE.md §14): one keyset-paged list over five sources (playlists made,
// edited and saved, releases saved, artists followed), ordered in SQL by the chosen sort, so a
// page costs two statements however large the library. Names come from library's own records:
// playlists' titles, and the release titles, artist names and users' display names that
// catalog's and users' events keep.
import { decodeCursor, encodeCursor, pageSize, requireViewer, toConnection } from "@melodi/kit";
import type { LibraryItemKind, LibrarySort, Resolvers } from "../generated/graphql.ts";
import type { Context } from "../context.ts";
import type { LibraryEdgeModel } from "../models.ts";

interface Row {
  kind: LibraryItemKind;
  reason: LibraryEdgeModel["reason"];
  id: string;
  addedAt: Date;
  name: string;
  creator: string;
}

const KINDS: LibraryItemKind[] = ["PLAYLIST", "RELEASE", "ARTIST"];

/** Every source as (kind, reason, id, addedAt, name, creator) for viewer $1; names lower-cased for sorting. */
const ITEMS = `
  SELECT 'PLAYLIST' AS kind, 'MADE' AS reason, p."id", p."createdAt" AS "addedAt", lower(p."title") AS name,
         lower(coalesce(o."displayName", '')) AS creator
  FROM "library"."Playlist" p LEFT JOIN "library"."UserProfile" o ON o."id" = p."ownerId"
  WHERE p."ownerId" = $1::uuid
  UNION ALL
  SELECT 'PLAYLIST', 'EDITING', p."id", e."addedAt", lower(p."title"), lower(coalesce(o."displayName", ''))
  FROM "library"."PlaylistEditor" e JOIN "library"."Playlist" p ON p."id" = e."playlistId"
  LEFT JOIN "library"."UserProfile" o ON o."id" = p."ownerId"
  WHERE e."userId" = $1::uuid
  UNION ALL
  SELECT 'PLAYLIST', 'SAVED', p."id", s."savedAt", lower(p."title"), lower(coalesce(o."displayName", ''))
  FROM "library"."PlaylistSave" s JOIN "library"."Playlist" p ON p."id" = s."playlistId"
  LEFT JOIN "library"."UserProfile" o ON o."id" = p."ownerId"
  WHERE s."userId" = $1::uuid AND p."isPublic"
    AND NOT EXISTS (SELECT 1 FROM "library"."PlaylistEditor" e WHERE e."playlistId" = p."id" AND e."userId" = $1::uuid)
  UNION ALL
  SELECT 'RELEASE', 'SAVED', c."id", s."savedAt", lower(c."title"), lower(coalesce(a."name", ''))
  FROM "library"."SavedCollection" s JOIN "library"."CatalogCollection" c ON c."id" = s."collectionId" AND c."listed"
  LEFT JOIN "library"."CatalogArtist" a ON a."id" = c."artistId"
  WHERE s."userId" = $1::uuid
  UNION ALL
  SELECT 'ARTIST', 'FOLLOWED', a."id", f."followedAt", lower(a."name"), lower(a."name")
  FROM "library"."FollowedArtist" f JOIN "library"."CatalogArtist" a ON a."id" = f."artistId" AND a."listed"
  WHERE f."userId" = $1::uuid`;

/** Per sort: ORDER BY, the keyset condition after a cursor (params from $3), and the cursor's parts. */
const SORTS: Record<
  LibrarySort,
  { order: string; after: string; key: (r: Row) => (string | number)[]; shape: ("string" | "time" | "uuid")[] }
> = {
  RECENTLY_ADDED: {
    order: `"addedAt" DESC, id DESC`,
    after: `("addedAt", id) < ($3::timestamp, $4::uuid)`,
    key: (r) => [new Date(r.addedAt).getTime(), r.id],
    shape: ["time", "uuid"],
  },
  ALPHABETICAL: {
    order: `name COLLATE "C", id`,
    after: `(name COLLATE "C", id) > ($3 COLLATE "C", $4::uuid)`,
    key: (r) => [r.name, r.id],
    shape: ["string", "uuid"],
  },
  CREATOR: {
    order: `creator COLLATE "C", name COLLATE "C", id`,
    after: `(creator COLLATE "C", name COLLATE "C", id) > ($3 COLLATE "C", $4 COLLATE "C", $5::uuid)`,
    key: (r) => [r.creator, r.name, r.id],
    shape: ["string", "string", "uuid"],
  },
};

export const resolvers: Resolvers = {
  Query: {
    async yourLibrary(_parent, args, ctx: Context) {
      const viewer = requireViewer(ctx.viewer);
      const limit = pageSize(args);
      const sort = SORTS[args.sort ?? "RECENTLY_ADDED"];
      const kinds = args.kinds?.length ? [...new Set(args.kinds)] : KINDS;
      let after: (string | number)[] | null = null;
      if (args.after) {
        after = decodeCursor(args.after, sort.shape);
        if (sort.shape[0] === "time") after[0] = new Date(after[0] as number).toISOString();
      }
      const filtered = `SELECT * FROM (${ITEMS}) items WHERE kind = ANY($2::text[])`;
      const [rows, [total]] = await Promise.all([
        ctx.db.$queryRawUnsafe<Row[]>(
          `${filtered} ${after ? `AND ${sort.after}` : ""} ORDER BY ${sort.order} LIMIT ${limit + 1}`,
          viewer.id,
          kinds,
          ...(after ?? []),
        ),
        ctx.db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM (${filtered}) f`, viewer.id, kinds),
      ]);
      const cursorOf = (row: Row) => encodeCursor(sort.key(row));
      const page = toConnection(
        rows,
        limit,
        cursorOf,
        (row): LibraryEdgeModel => ({
          cursor: cursorOf(row),
          id: row.id,
          kind: row.kind,
          reason: row.reason,
          addedAt: new Date(row.addedAt),
        }),
        after !== null,
      );
      return { ...page, edges: page.edges.map((e) => e.node), totalCount: total?.n ?? 0 };
    },
  },

  LibraryEdge: {
    async node(edge, _args, ctx) {
      if (edge.kind === "PLAYLIST") {
        const playlist = await ctx.loaders.playlist.load(edge.id);
        return playlist && { __typename: "Playlist" as const, ...playlist };
      }
      return { __typename: edge.kind === "RELEASE" ? ("Collection" as const) : ("Artist" as const), id: edge.id };
    },
  },

  LibraryItem: {
    // LibraryEdge.node tags each item with its type.
    __resolveType: (item) => (item as unknown as { __typename: "Playlist" | "Collection" | "Artist" }).__typename,
  },
};
