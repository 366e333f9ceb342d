// Search results cached in Redis (most searches repeat: the same artist or title typed by many
// listeners). An entry holds only ids, kinds and scores, under the catalog's search version:
// every change to what search can find (a name or title, a publish or visibility switch) bumps
// the version, so no entry outlives a change. Nodes are loaded and checked again on every hit
// (searchable()), so even a missed bump cannot show a hidden item.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

const VERSION_KEY = "catalog:search:version";

export interface SearchCache {
  get<T>(parts: unknown[]): Promise<T | null>;
  set(parts: unknown[], value: unknown): Promise<void>;
  /** Call after any write that changes what search finds. */
  changed(): Promise<void>;
}

export function createSearchCache(redis: Redis, ttlSeconds: number): SearchCache {
  const keyOf = async (parts: unknown[]) => {
    const version = (await redis.get(VERSION_KEY)) ?? "0";
    return `catalog:search:${version}:${createHash("sha1").update(JSON.stringify(parts)).digest("base64url")}`;
  };
  return {
    async get<T>(parts: unknown[]) {
      if (ttlSeconds <= 0) return null;
      const hit = await redis.get(await keyOf(parts));
      return hit ? (JSON.parse(hit) as T) : null;
    },
    async set(parts, value) {
      if (ttlSeconds <= 0) return;
      await redis.set(await keyOf(parts), JSON.stringify(value), "EX", ttlSeconds);
    },
    async changed() {
      await redis.incr(VERSION_KEY);
    },
  };
}
