// One search over songs, artists and releases (ARCHITECTURE.md §3): what to find and how it ranks is
// in ranking.ts; this resolver checks the input, caches hits and loads what listeners may see.
import { badUserInput, decodeCursor, encodeCursor, pageSize } from "@melodi/kit";
import type { Resolvers, SearchType } from "../generated/graphql.ts";
import { searchable } from "../text.ts";
import { findHits, type Hit } from "./ranking.ts";

export const MAX_QUERY_LENGTH = 200;
/** Deeper than this, refine the query instead. */
const MAX_OFFSET = 500;
const ALL: SearchType[] = ["SONG", "ARTIST", "COLLECTION"];

export const resolvers: Resolvers = {
  Query: {
    async search(_parent, args, ctx) {
      if (args.query.length > MAX_QUERY_LENGTH)
        throw badUserInput(`query must be at most ${MAX_QUERY_LENGTH} characters.`, "query");
      const limit = pageSize(args);
      const offset = args.after ? Number(decodeCursor(args.after, ["number"])[0]) : 0;
      if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET)
        throw badUserInput("after is not a valid cursor.", "after");
      const q = searchable(args.query);
      const kinds = args.types?.length ? [...new Set(args.types)] : ALL;
      // Nothing searchable (empty, only punctuation): no results rather than an error, so a
      // search box can send every keystroke.
      if (!q || limit === 0)
        return {
          edges: [],
          pageInfo: { hasNextPage: false, hasPreviousPage: offset > 0, startCursor: null, endCursor: null },
        };

      // "score:2": entries cached before scores followed the rank are not read back.
      const cached = await ctx.searchCache.lookup<Hit[]>(["score:2", q, [...kinds].sort(), limit, offset]);
      let hits = cached.hit;
      if (!hits) {
        hits = await findHits(ctx.db, { q, kinds, limit, offset });
        await cached.store(hits);
      }

      const page = hits.slice(0, limit);
      const rows = await Promise.all(
        page.map((hit) =>
          hit.kind === "SONG"
            ? ctx.loaders.song.load(hit.id)
            : hit.kind === "ARTIST"
              ? ctx.loaders.artist.load(hit.id)
              : ctx.loaders.collection.load(hit.id),
        ),
      );
      const typename = { SONG: "Song", ARTIST: "Artist", COLLECTION: "Collection" } as const;
      const edges = page.flatMap((hit, i) => {
        const row = rows[i];
        // Checked again whatever the source: what listeners may see right now.
        if (!row || !("listed" in row ? row.listed : row.isPublic && row.isVisible)) return [];
        return [
          {
            cursor: encodeCursor([offset + i + 1]),
            score: Math.round(hit.score * 1000) / 1000,
            node: { __typename: typename[hit.kind], ...row } as never,
          },
        ];
      });
      return {
        edges,
        pageInfo: {
          hasNextPage: hits.length > limit,
          hasPreviousPage: offset > 0,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  },

  SearchResult: {
    // Nodes carry their type name from the search above.
    __resolveType: (node) => (node as unknown as { __typename: "Song" | "Artist" | "Collection" }).__typename,
  },
};
