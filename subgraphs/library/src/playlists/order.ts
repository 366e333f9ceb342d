// The order of a playlist's items (ARCHITECTURE.md §14): each item has an integer `position`,
// spaced GAP apart when written; items sort by (position, id). A new or moved item takes a
// position between its neighbours, so adding, moving or removing one item writes that one row
// and never renumbers the playlist. When neighbours have no integer left between them (after
// about 16 insertions at the same place), a local window around the spot is spread out again:
// the window doubles until its outer neighbours leave enough room, so a rebalance touches a
// few rows, rarely. Every edit of a playlist holds a lock on the playlist's row (edit.ts), so two
// editors' moves run one after the other on the order the first left: nothing is lost or
// duplicated, and both clients see the same final order.
import type { Prisma } from "../db.ts";

export const GAP = 1n << 16n;
/** The spacing a rebalance leaves, at least: room for ~10 more insertions at the same place. */
const MIN_REBALANCED_STEP = 1024n;
const FIRST_WINDOW = 8;

export interface Slot {
  id: string;
  position: bigint;
}

type Tx = Prisma.TransactionClient;

/**
 * `count` positions strictly between `lo` and `hi` (null: open on that side), evenly spread;
 * null when the integers between them are too few (each step at least `minStep`).
 */
export function spread(lo: bigint | null, hi: bigint | null, count: number, minStep = 1n): bigint[] | null {
  const n = BigInt(count);
  if (lo === null && hi === null) return Array.from({ length: count }, (_, i) => GAP * BigInt(i));
  if (hi === null) return Array.from({ length: count }, (_, i) => lo! + GAP * BigInt(i + 1));
  if (lo === null) return Array.from({ length: count }, (_, i) => hi - GAP * (n - BigInt(i)));
  const step = (hi - lo) / (n + 1n);
  if (step < minStep) return null;
  return Array.from({ length: count }, (_, i) => lo + step * BigInt(i + 1));
}

/** The item at each side of index `index` (0-based, over every item), to insert there. */
export async function neighboursAt(tx: Tx, playlistId: string, index: number): Promise<[Slot | null, Slot | null]> {
  if (index <= 0) {
    const [first] = await tx.$queryRaw<Slot[]>`
      SELECT "id"::text, "position" FROM "library"."PlaylistItem" WHERE "playlistId" = ${playlistId}::uuid
      ORDER BY "position", "id" LIMIT 1`;
    return [null, first ?? null];
  }
  const rows = await tx.$queryRaw<Slot[]>`
    SELECT "id"::text, "position" FROM "library"."PlaylistItem" WHERE "playlistId" = ${playlistId}::uuid
    ORDER BY "position", "id" OFFSET ${index - 1} LIMIT 2`;
  return [rows[0] ?? null, rows[1] ?? null];
}

/** The item after `slot` (null: the first item), leaving out `except` (the item being moved). */
export async function nextAfter(tx: Tx, playlistId: string, slot: Slot | null, except: string): Promise<Slot | null> {
  const rows = slot
    ? await tx.$queryRaw<Slot[]>`
        SELECT "id"::text, "position" FROM "library"."PlaylistItem"
        WHERE "playlistId" = ${playlistId}::uuid AND "id" <> ${except}::uuid
          AND ("position", "id") > (${slot.position}, ${slot.id}::uuid)
        ORDER BY "position", "id" LIMIT 1`
    : await tx.$queryRaw<Slot[]>`
        SELECT "id"::text, "position" FROM "library"."PlaylistItem"
        WHERE "playlistId" = ${playlistId}::uuid AND "id" <> ${except}::uuid
        ORDER BY "position", "id" LIMIT 1`;
  return rows[0] ?? null;
}

/**
 * Positions for `count` new items between `before` and `after` (adjacent items, null at an end),
 * spreading a local window out first when they sit too close. `except`: an item left out of
 * windows (the one being moved, which gets one of the returned positions).
 */
export async function makeRoom(
  tx: Tx,
  playlistId: string,
  before: Slot | null,
  after: Slot | null,
  count: number,
  except: string | null = null,
): Promise<bigint[]> {
  const direct = spread(before?.position ?? null, after?.position ?? null, count);
  if (direct) return direct;
  const skip = except ?? "00000000-0000-0000-0000-000000000000";
  for (let size = FIRST_WINDOW; ; size *= 2) {
    // The window: up to `size` items on each side of the spot, and one more each side as bounds.
    const left = before
      ? await tx.$queryRaw<Slot[]>`
          SELECT "id"::text, "position" FROM "library"."PlaylistItem"
          WHERE "playlistId" = ${playlistId}::uuid AND "id" <> ${skip}::uuid
            AND ("position", "id") <= (${before.position}, ${before.id}::uuid)
          ORDER BY "position" DESC, "id" DESC LIMIT ${size + 1}`
      : [];
    const right = after
      ? await tx.$queryRaw<Slot[]>`
          SELECT "id"::text, "position" FROM "library"."PlaylistItem"
          WHERE "playlistId" = ${playlistId}::uuid AND "id" <> ${skip}::uuid
            AND ("position", "id") >= (${after.position}, ${after.id}::uuid)
          ORDER BY "position", "id" LIMIT ${size + 1}`
      : [];
    const lo = left.length > size ? left.pop()!.position : null;
    const hi = right.length > size ? right.pop()!.position : null;
    const window = [...left.reverse(), ...right];
    const positions = spread(lo, hi, window.length + count, lo !== null && hi !== null ? MIN_REBALANCED_STEP : 1n);
    if (!positions) continue;
    const cut = left.length;
    const moved = window.map((slot, i) => ({ id: slot.id, position: positions[i < cut ? i : i + count]! }));
    await tx.$executeRaw`
      UPDATE "library"."PlaylistItem" AS item SET "position" = w."position"
      FROM unnest(${moved.map((m) => m.id)}::uuid[], ${moved.map((m) => m.position.toString())}::bigint[]) AS w("id", "position")
      WHERE item."id" = w."id"`;
    return positions.slice(cut, cut + count);
  }
}
