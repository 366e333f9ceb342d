// One search over songs, artists and releases (DESIGN.md §3), in Postgres: trigram word
// similarity (pg_trgm, GIN-indexed) finds candidates despite typos; a full-text match of the
// whole words ranks them up. Text is compared accent-free (text.ts). Only what listeners may
// see is ever a candidate, whoever asks.
import { badUserInput, decodeCursor, encodeCursor, pageSize } from "@melodi/kit";
import type { Resolvers, SearchType } from "../generated/graphql.ts";
import { Prisma } from "../db.ts";
import { searchable } from "../text.ts";

export const MAX_QUERY_LENGTH = 200;
/** Deeper than this, refine the query instead: ranked offsets get costly. */
const MAX_OFFSET = 500;
/** How loosely a query must match a word of the text to be a candidate (0..1). */
const WORD_SIMILARITY_THRESHOLD = 0.45;
const ALL: SearchType[] = ["SONG", "ARTIST", "COLLECTION"];

interface Hit {
  id: string;
  kind: SearchType;
  score: number;
}

const score = (column: Prisma.Sql, q: string) =>
  Prisma.sql`LEAST(1, word_similarity(${q}, ${column}) * 0.75 + CASE WHEN to_tsvector('simple', ${column}) @@ plainto_tsquery('simple', ${q}) THEN 0.25 ELSE 0 END)`;

function candidates(kind: SearchType, q: string): Prisma.Sql {
  if (kind === "ARTIST") {
    return Prisma.sql`SELECT a.id, 'ARTIST' AS kind, ${score(Prisma.sql`a."searchText"`, q)} AS score
      FROM "catalog"."Artist" a
      WHERE ${q} <% a."searchText" AND a."isPublic" AND a."isVisible"`;
  }
  if (kind === "COLLECTION") {
    return Prisma.sql`SELECT c.id, 'COLLECTION' AS kind, ${score(Prisma.sql`c."searchText"`, q)} AS score
      FROM "catalog"."Collection" c JOIN "catalog"."Artist" a ON a.id = c."primaryArtistId"
      WHERE ${q} <% c."searchText" AND c."isPublic" AND c."isVisible" AND a."isPublic" AND a."isVisible"`;
  }
  return Prisma.sql`SELECT s.id, 'SONG' AS kind, ${score(Prisma.sql`s."searchText"`, q)} AS score
    FROM "catalog"."Song" s
    JOIN "catalog"."Artist" a ON a.id = s."primaryArtistId"
    JOIN "catalog"."Collection" c ON c.id = s."collectionId"
    JOIN "catalog"."Artist" ca ON ca.id = c."primaryArtistId"
    WHERE ${q} <% s."searchText" AND s."isPublic" AND s."isVisible" AND a."isPublic" AND a."isVisible"
      AND c."isPublic" AND c."isVisible" AND ca."isPublic" AND ca."isVisible"`;
}

export const resolvers: Resolvers = {
  Query: {
    async search(_parent, args, ctx) {
      if (args.query.length > MAX_QUERY_LENGTH) throw badUserInput(`query must be at most ${MAX_QUERY_LENGTH} characters.`, "query");
      const limit = pageSize(args);
      const offset = args.after ? Number(decodeCursor(args.after, ["number"])[0]) : 0;
      if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) throw badUserInput("after is not a valid cursor.", "after");
      const q = searchable(args.query);
      const kinds = args.types?.length ? [...new Set(args.types)] : ALL;
      // Nothing searchable (empty, only punctuation): no results rather than an error, so a
      // search box can send every keystroke.
      if (!q || limit === 0) return { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: offset > 0, startCursor: null, endCursor: null } };

      const union = Prisma.join(kinds.map((kind) => candidates(kind, q)), " UNION ALL ");
      const [, hits] = await ctx.db.$transaction([
        ctx.db.$queryRaw`SELECT set_config('pg_trgm.word_similarity_threshold', ${String(WORD_SIMILARITY_THRESHOLD)}, true)`,
        ctx.db.$queryRaw<Hit[]>`SELECT id, kind, score::float8 AS score FROM (${union}) AS hits ORDER BY score DESC, id LIMIT ${limit + 1} OFFSET ${offset}`,
      ]);

      const page = hits.slice(0, limit);
      const rows = await Promise.all(
        page.map((hit) => (hit.kind === "SONG" ? ctx.loaders.song.load(hit.id) : hit.kind === "ARTIST" ? ctx.loaders.artist.load(hit.id) : ctx.loaders.collection.load(hit.id))),
      );
      const typename = { SONG: "Song", ARTIST: "Artist", COLLECTION: "Collection" } as const;
      const edges = page.flatMap((hit, i) => {
        const row = rows[i];
        if (!row) return [];
        return [{ cursor: encodeCursor([offset + i + 1]), score: Math.round(hit.score * 1000) / 1000, node: { __typename: typename[hit.kind], ...row } as never }];
      });
      return {
        edges,
        pageInfo: { hasNextPage: hits.length > limit, hasPreviousPage: offset > 0, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  },

  SearchResult: {
    // Nodes carry their type name from the search above.
    __resolveType: (node) => (node as unknown as { __typename: "Song" | "Artist" | "Collection" }).__typename,
  },
};
