// One search over songs, artists and releases (DESIGN.md §3), in Postgres, in two steps:
//  1. each word of the query is looked up in the dictionary of catalog words (SearchWord,
//     kept by a trigger) by trigram similarity, so "corazn" finds "corazon", and by prefix, so a
//     half-typed word finds its ends: a small table, whatever the catalog's size;
//  2. those words are matched against the GIN full-text index of each kind (every query word
//     must match one of its alternatives) and ordered: texts with every word exactly as typed
//     first, then shorter texts (closer to the query), then trigram similarity of the whole
//     query to the whole text. The order is a total one (id last) and each kind gives its best
//     `offset + first + 1`, so pages neither skip nor repeat.
// Text is compared accent-free (text.ts). Only what listeners may see is ever a candidate,
// whoever asks.
import { badUserInput, decodeCursor, encodeCursor, pageSize } from "@melodi/kit";
import type { Resolvers, SearchType } from "../generated/graphql.ts";
import { Prisma } from "../db.ts";
import { searchable } from "../text.ts";

export const MAX_QUERY_LENGTH = 200;
/** Deeper than this, refine the query instead. */
const MAX_OFFSET = 500;
/** Words of a query that count; the rest are ignored. */
const MAX_WORDS = 8;
/** Dictionary words tried for each query word: the closest by trigrams, and by prefix. */
const SIMILAR_WORDS = 4;
const PREFIX_WORDS = 4;
const ALL: SearchType[] = ["SONG", "ARTIST", "COLLECTION"];

interface Hit {
  id: string;
  kind: SearchType;
  score: number;
}

/**
 * Listener-visible matches of one kind. `listed` is kept by triggers from every switch a release
 * or song depends on (its own, its release's, its artists'), so no joins are needed.
 */
function matches(kind: SearchType, tsq: string): Prisma.Sql {
  const query = Prisma.sql`to_tsquery('simple', ${tsq})`;
  if (kind === "ARTIST") {
    return Prisma.sql`SELECT n.id, 'ARTIST'::text AS kind, n."searchText", n."searchVector" FROM "catalog"."Artist" n
      WHERE n."searchVector" @@ ${query} AND n."isPublic" AND n."isVisible"`;
  }
  const table = kind === "COLLECTION" ? Prisma.sql`"catalog"."Collection"` : Prisma.sql`"catalog"."Song"`;
  return Prisma.sql`SELECT n.id, ${kind}::text AS kind, n."searchText", n."searchVector" FROM ${table} n
    WHERE n."searchVector" @@ ${query} AND n."listed"`;
}

/**
 * Step 1: the full-text query for the words, each OR-ed with its dictionary alternatives and
 * the words AND-ed; null when no word has any. Words are letters and digits only (searchable()),
 * so they are safe inside to_tsquery's syntax.
 */
export function textQuerySql(words: string[]): Prisma.Sql {
  return Prisma.sql`
    WITH words AS (SELECT w, ord FROM unnest(${words}::text[]) WITH ORDINALITY AS t(w, ord)),
    alternatives AS (
      SELECT words.ord, array_agg(DISTINCT alt.word) AS alts
      FROM words
      CROSS JOIN LATERAL (
        (SELECT word FROM "catalog"."SearchWord" WHERE similarity(word, words.w) >= 0.3 ORDER BY word <-> words.w LIMIT ${SIMILAR_WORDS})
        UNION ALL
        (SELECT word FROM "catalog"."SearchWord" WHERE word LIKE words.w || '%' ORDER BY length(word), word LIMIT ${PREFIX_WORDS})
      ) alt
      GROUP BY words.ord
    )
    SELECT string_agg('(' || array_to_string(alts, ' | ') || ')', ' & ') AS tsq FROM alternatives`;
}

/**
 * Step 2: matches of every kind, ranked. A separate statement so the planner sees the actual
 * text query (and its selectivity) rather than a value computed in the same statement.
 */
export function searchSql(q: string, tsq: string, kinds: SearchType[], limit: number, offset: number): Prisma.Sql {
  const perKind = Prisma.join(
    kinds.map(
      (kind) => Prisma.sql`(SELECT m.id, m.kind, m."searchText",
          (m."searchVector" @@ plainto_tsquery('simple', ${q})) AS exact, length(m."searchText") AS len
        FROM (${matches(kind, tsq)}) m
        ORDER BY exact DESC, len, m.id LIMIT ${offset + limit + 1})`,
    ),
    " UNION ALL ",
  );
  // Similarity is computed for these few candidates only: scoring every match of a common word
  // costs tens of milliseconds on a 100k-song catalog.
  return Prisma.sql`
    SELECT id, kind, (0.7 * word_similarity(${q}, "searchText") + 0.3 * similarity(${q}, "searchText"))::float8 AS score
    FROM (${perKind}) AS best
    ORDER BY exact DESC, len, id
    LIMIT ${limit + 1} OFFSET ${offset}`;
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

      const cached = await ctx.searchCache.lookup<Hit[]>([q, [...kinds].sort(), limit, offset]);
      let hits = cached.hit;
      if (!hits) {
        const words = [...new Set(q.split(" "))].slice(0, MAX_WORDS);
        const [{ tsq } = { tsq: null }] = await ctx.db.$queryRaw<{ tsq: string | null }[]>(textQuerySql(words));
        hits = tsq ? await ctx.db.$queryRaw<Hit[]>(searchSql(q, tsq, kinds, limit, offset)) : [];
        await cached.store(hits);
      }

      const page = hits.slice(0, limit);
      const rows = await Promise.all(
        page.map((hit) => (hit.kind === "SONG" ? ctx.loaders.song.load(hit.id) : hit.kind === "ARTIST" ? ctx.loaders.artist.load(hit.id) : ctx.loaders.collection.load(hit.id))),
      );
      const typename = { SONG: "Song", ARTIST: "Artist", COLLECTION: "Collection" } as const;
      const edges = page.flatMap((hit, i) => {
        const row = rows[i];
        // Checked again whatever the source: what listeners may see right now.
        if (!row || !("listed" in row ? row.listed : row.isPublic && row.isVisible)) return [];
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
