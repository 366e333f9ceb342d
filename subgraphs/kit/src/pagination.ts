// Relay connections (ARCHITECTURE.md §9): `first`/`after`, page size capped at 100, opaque cursors.
import { badUserInput } from "./errors.ts";
import { isUuid } from "./ids.ts";

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
}

export function pageSize(args: PageArgs): number {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be between 0 and ${MAX_PAGE_SIZE}.`, "first");
  }
  return first;
}

export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString("base64url");
}

/**
 * What each part of a cursor must be: any string or number, a uuid (an entity id), or a time
 * (milliseconds from the year 1 to the end of 9999: what both a Date and a Postgres timestamp
 * hold; a Date goes further, Postgres not; release dates go back before 1970). A forged cursor must be refused here, as bad input, and
 * never reach the database.
 */
export type CursorPart = "string" | "number" | "uuid" | "time";

const MIN_TIME_MS = Date.parse("0001-01-01T00:00:00.000Z");
const MAX_TIME_MS = Date.parse("9999-12-31T23:59:59.999Z");

function partIs(value: unknown, kind: CursorPart): boolean {
  if (kind === "uuid") return isUuid(value);
  if (kind === "time")
    return typeof value === "number" && Number.isSafeInteger(value) && value >= MIN_TIME_MS && value <= MAX_TIME_MS;
  return typeof value === kind;
}

/** Decodes a cursor made by encodeCursor with the given shape, or throws BAD_USER_INPUT. */
export function decodeCursor(cursor: string, shape: CursorPart[]): (string | number)[] {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(parts) && parts.length === shape.length && parts.every((p, i) => partIs(p, shape[i]!))) {
      return parts as (string | number)[];
    }
  } catch {
    // fall through
  }
  throw badUserInput("after is not a valid cursor.", "after");
}

/**
 * Builds a connection from `rows` fetched with `limit + 1`: the extra row only tells that a
 * next page exists.
 */
export function toConnection<R, T>(
  rows: R[],
  limit: number,
  cursorOf: (row: R) => string,
  nodeOf: (row: R) => T,
  hasPrevious: boolean,
): Connection<T> {
  const page = rows.slice(0, limit);
  const edges = page.map((row) => ({ cursor: cursorOf(row), node: nodeOf(row) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > limit,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/**
 * The cursor of a newest-first list ordered by (a time, an id), `encodeCursor([ms, id])`, decoded
 * (BAD_USER_INPUT if forged), or null without one.
 */
export function afterTime(after: string | null | undefined): { at: Date; id: string } | null {
  if (!after) return null;
  const [time, id] = decodeCursor(after, ["time", "uuid"]) as [number, string];
  return { at: new Date(time), id };
}
