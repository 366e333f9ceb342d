// Finding and ranking search hits in Postgres, in steps:
//  1. each word of the query is looked up in the dictionary of catalog words (SearchWord, kept
//     by a trigger) by trigram similarity, so "corazn" finds "corazon", and by prefix, so a
//     half-typed word finds its ends: a small table, whatever the catalog's size;
//  2. texts are matched on their full-text vectors (every query word that has alternatives must
//     match one of them) and ranked: texts with every word exactly as typed first, then
//     the rest; within each, shorter texts first (closer to the query), then id. The order is a
//     total one and each step asks for the best `offset + first + 1`, so pages neither skip nor
//     repeat. The score is made from the same two keys (scoreOf), so it never rises down the
//     results, across pages too, and a client can read the order from it.
//
// Why the ranking walks an index: a common word ("love", "night") matches thousands of texts,
// and sorting all of them to keep twenty cost 15–35 ms a query on a 100k-song catalog. The
// (listed, searchLength, id, searchVector) index lists texts in rank order and holds each one's
// vector, so walking it and testing each vector finds the best matches among the first few
// thousand entries without reading the table (about 0.4 µs an entry). A rare word would make
// that walk cover the whole table (Postgres' estimate for a word it has no statistics on is far
// too high, so left to itself it walks), so the walk is bounded to the first `window` listed
// texts: if they hold enough matches, those are the best ones; if not, the word is usually rare
// enough that sorting all its matches (found through the GIN index) is cheap, and that is done
// instead, for the kinds that need it. Both give the same order (tests/catalog/search.test.ts).
//
// Text is compared accent-free (text.ts). Only what listeners may see is ever a candidate,
// whoever asks.
import type { SearchType } from "../generated/graphql.ts";
import { type Db, Prisma } from "../db.ts";

/** Words of a query that count; the rest are ignored. */
export const MAX_WORDS = 8;
/** Dictionary words tried for each query word: the closest by trigrams, and by prefix. */
const SIMILAR_WORDS = 4;
const PREFIX_WORDS = 4;
/** Listed texts, shortest first, that the walk tests before sorting all matches instead. */
export const WALK_WINDOW = 5000;

export interface Hit {
  id: string;
  kind: SearchType;
  /** scoreOf: above 0.5 for every word as typed, at most 0.5 for corrected or completed words. */
  score: number;
}

/**
 * The score of a match, from its rank keys: texts with every query word as typed score in
 * (0.5, 1], the others in (0, 0.5]; within each, by how much of the text the query covers
 * (1 when the text is the query), so a shorter text scores at least as high as a longer one,
 * as it ranks. Texts of equal length tie, and rank by id.
 */
export function scoreOf(exact: boolean, queryLength: number, textLength: number): number {
  const coverage = Math.min(1, queryLength / Math.max(1, textLength));
  return (exact ? 0.5 : 0) + 0.5 * coverage;
}

interface RankedRow {
  id: string;
  kind: SearchType;
  len: number;
}

export interface FindHitsInput {
  /** The query as searchable() gives it: lower-case, accent-free words separated by spaces. */
  q: string;
  kinds: SearchType[];
  limit: number;
  offset: number;
  /** Texts the walk may test (default: WALK_WINDOW for one word, 0 for more); 0 sorts every match. */
  window?: number;
}

/** The best `limit + 1` hits from `offset` on, in rank order. */
export async function findHits(db: Db, input: FindHitsInput): Promise<Hit[]> {
  const words = [...new Set(input.q.split(" "))].slice(0, MAX_WORDS);
  const [dictionary] = await db.$queryRaw<{ tsq: string | null; matched: number; known: boolean | null }[]>(
    textQuerySql(words),
  );
  if (!dictionary?.tsq) return [];
  const want = input.offset + input.limit + 1;
  // Texts that hold two or more given words (each, or one of its alternatives) are few, even for
  // common words, so sorting them all costs less than a walk that mostly finds none.
  const window = input.window ?? (dictionary.matched > 1 ? 0 : WALK_WINDOW);
  const plain = Prisma.sql`plainto_tsquery('simple', ${input.q})`;
  const alternatives = Prisma.sql`to_tsquery('simple', ${dictionary.tsq})`;

  // Every word as typed: only possible when every word is a catalog word.
  const exact =
    dictionary.known && dictionary.matched === words.length
      ? await rankedMatches(db, Prisma.sql`n."searchVector" @@ ${plain}`, input.kinds, want, window)
      : [];
  const close =
    exact.length < want
      ? await rankedMatches(
          db,
          Prisma.sql`n."searchVector" @@ ${alternatives} AND NOT (n."searchVector" @@ ${plain})`,
          input.kinds,
          want - exact.length,
          window,
        )
      : [];
  const scored = (exactly: boolean) => (row: RankedRow) => ({
    id: row.id,
    kind: row.kind,
    score: scoreOf(exactly, input.q.length, row.len),
  });
  return [...exact.map(scored(true)), ...close.map(scored(false))].slice(input.offset);
}

/**
 * Step 1: the full-text query for the words, each OR-ed with its dictionary alternatives and
 * the words AND-ed (a word with no alternative is left out; null when none has any), how many
 * words it holds, and whether each of those is itself in the dictionary. Words are letters and
 * digits only (searchable()), so they are safe inside to_tsquery's syntax.
 */
function textQuerySql(words: string[]): Prisma.Sql {
  return Prisma.sql`
    WITH words AS (SELECT w, ord FROM unnest(${words}::text[]) WITH ORDINALITY AS t(w, ord)),
    alternatives AS (
      SELECT words.ord, array_agg(DISTINCT alt.word) AS alts, bool_or(alt.word = words.w) AS known
      FROM words
      CROSS JOIN LATERAL (
        (SELECT word FROM "catalog"."SearchWord" WHERE similarity(word, words.w) >= 0.3 ORDER BY word <-> words.w LIMIT ${SIMILAR_WORDS})
        UNION ALL
        (SELECT word FROM "catalog"."SearchWord" WHERE word LIKE words.w || '%' ORDER BY length(word), word LIMIT ${PREFIX_WORDS})
      ) alt
      GROUP BY words.ord
    )
    SELECT string_agg('(' || array_to_string(alts, ' | ') || ')', ' & ') AS tsq, count(*)::int AS matched, bool_and(known) AS known
    FROM alternatives`;
}

/** Listed texts of one kind: its table and what listeners may see. */
function listed(kind: SearchType): { table: Prisma.Sql; visible: Prisma.Sql } {
  if (kind === "ARTIST")
    return { table: Prisma.sql`"catalog"."Artist"`, visible: Prisma.sql`"isPublic" AND "isVisible"` };
  return {
    table: kind === "SONG" ? Prisma.sql`"catalog"."Song"` : Prisma.sql`"catalog"."Collection"`,
    visible: Prisma.sql`listed`,
  };
}

/**
 * One statement: for each kind, the first `want` rows (in rank order) of the candidates
 * `candidates` selects from its table (id and searchLength, aliased n).
 */
function bestOfEachKind(
  db: Db,
  kinds: SearchType[],
  want: number,
  candidates: (table: Prisma.Sql, visible: Prisma.Sql) => Prisma.Sql,
): Promise<RankedRow[]> {
  const perKind = kinds.map((kind) => {
    const { table, visible } = listed(kind);
    return Prisma.sql`(SELECT r.id::text AS id, ${kind}::text AS kind, r."searchLength" AS len
      FROM (${candidates(table, visible)} ORDER BY n."searchLength", n.id LIMIT ${want}) r)`;
  });
  return db.$queryRaw<RankedRow[]>(Prisma.join(perKind, " UNION ALL "));
}

/** The best `want` texts matching `match`, over every kind, in rank order. */
async function rankedMatches(
  db: Db,
  match: Prisma.Sql,
  kinds: SearchType[],
  want: number,
  window: number,
): Promise<RankedRow[]> {
  const byKind = new Map<SearchType, RankedRow[]>();
  if (window > 0) {
    // The shortest `window` listed texts, in rank order, tested one by one: an index-only scan
    // (the index holds the text's vector), and the LIMIT keeps the planner from trading it for
    // the GIN index.
    const walked = await bestOfEachKind(db, kinds, want, (table, visible) => {
      const shortest = Prisma.sql`SELECT id, "searchVector", "searchLength" FROM ${table} WHERE ${visible} ORDER BY "searchLength", id LIMIT ${window}`;
      return Prisma.sql`SELECT n.* FROM (${shortest}) n WHERE ${match}`;
    });
    for (const kind of kinds) {
      const rows = walked.filter((row) => row.kind === kind);
      if (rows.length === want) byKind.set(kind, rows);
    }
  }
  const rest = kinds.filter((kind) => !byKind.has(kind));
  if (rest.length > 0) {
    // Every match of the kind, then sorted ("OFFSET 0" keeps the planner from walking the
    // rank index instead of using the GIN one).
    const sorted = await bestOfEachKind(db, rest, want, (table, visible) => {
      const all = Prisma.sql`SELECT n.id, n."searchLength" FROM ${table} n WHERE ${match} AND ${visible} OFFSET 0`;
      return Prisma.sql`SELECT n.* FROM (${all}) n`;
    });
    for (const kind of rest)
      byKind.set(
        kind,
        sorted.filter((row) => row.kind === kind),
      );
  }
  return [...byKind.values()]
    .flat()
    .sort((a, b) => a.len - b.len || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, want);
}
