// Per-request DataLoaders, in the three shapes every subgraph needs: entities by id, rows grouped
// per key (children, counts), and the viewer's own set (follows, likes, what they manage). Each
// batches every load of a tick into one statement, so a page of N items costs one statement per
// kind rather than N. Each subgraph's loaders.ts builds its loaders from these.
import DataLoader from "dataloader";
import type { Viewer } from "./auth.ts";
import { isUuid } from "./ids.ts";

/**
 * One row or null per id. Ids that are not uuids can name no row: they answer null without
 * reaching the database (Postgres would reject them as uuids), and a batch of only those sends
 * no statement at all.
 */
export function byIds<T extends { id: string }>(load: (ids: string[]) => Promise<T[]>): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(async (ids) => {
    // A uuid in upper case names the same row: Postgres answers in lower case.
    const valid = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
    const rows = valid.length ? await load(valid) : [];
    const map = new Map(rows.map((row) => [row.id.toLowerCase(), row]));
    return ids.map((id) => map.get(id.toLowerCase()) ?? null);
  });
}

/**
 * The rows of each key, in the order `load` returns them (put the ORDER BY there), `[]` for a
 * key with none. With `fold`, each key's rows become one value instead, e.g. a count from a
 * groupBy row (`fold` also gets `[]` for a key with no row, so it gives the empty value).
 */
export function grouped<K extends string, R>(
  keyOf: (row: R) => K,
  load: (keys: K[]) => Promise<R[]>,
): DataLoader<K, R[]>;
export function grouped<K extends string, R, V>(
  keyOf: (row: R) => K,
  load: (keys: K[]) => Promise<R[]>,
  fold: (rows: R[]) => V,
): DataLoader<K, V>;
export function grouped<K extends string, R, V>(
  keyOf: (row: R) => K,
  load: (keys: K[]) => Promise<R[]>,
  fold?: (rows: R[]) => V,
): DataLoader<K, V | R[]> {
  return new DataLoader<K, V | R[]>(async (keys) => {
    const rows = await load([...keys]);
    const map = new Map<string, R[]>();
    for (const row of rows) {
      const key = keyOf(row);
      const list = map.get(key);
      if (list) list.push(row);
      else map.set(key, [row]);
    }
    return keys.map((key) => (fold ? fold(map.get(key) ?? []) : (map.get(key) ?? [])));
  });
}

/**
 * Whether each id is in the viewer's own set (users they follow, songs they like). Without a
 * viewer every answer is false and no statement is sent; `load` gets the viewer's id and the
 * ids asked about, and returns those in the set.
 */
export function viewerSet(
  viewer: Viewer | null,
  load: (viewerId: string, ids: string[]) => Promise<Iterable<string>>,
): DataLoader<string, boolean> {
  return new DataLoader<string, boolean>(async (ids) => {
    if (!viewer) return ids.map(() => false);
    const found = new Set(await load(viewer.id, [...ids]));
    return ids.map((id) => found.has(id));
  });
}
