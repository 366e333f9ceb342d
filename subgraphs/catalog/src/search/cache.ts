// Search results cached in Redis (most searches repeat: the same artist or title typed by many
// listeners). An entry holds only ids, kinds and scores, under the catalog's search version:
// every change to what search can find (a name or title, a publish or visibility switch) bumps
// the version, so no entry outlives a change. Nodes are loaded and checked again on every hit
// (searchable()), so even a missed bump cannot show a hidden item.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

const VERSION_KEY = "catalog:search:version";

export interface CachedSearch<T> {
  hit: T | null;
  /** Caches a freshly computed value under the same key (and version) the lookup used. */
  store(value: T): Promise<void>;
}

export interface SearchCache {
  lookup<T>(parts: unknown[]): Promise<CachedSearch<T>>;
  /** Call after any write that changes what search finds. */
  changed(): Promise<void>;
}

export function createSearchCache(redis: Redis, ttlSeconds: number): SearchCache {
  return {
    async lookup<T>(parts: unknown[]): Promise<CachedSearch<T>> {
      if (ttlSeconds <= 0) return { hit: null, store: async () => {} };
      const version = (await redis.get(VERSION_KEY)) ?? "0";
      const key = `catalog:search:${version}:${createHash("sha1").update(JSON.stringify(parts)).digest("base64url")}`;
      const hit = await redis.get(key);
      return {
        hit: hit ? (JSON.parse(hit) as T) : null,
        store: async (value) => {
          await redis.set(key, JSON.stringify(value), "EX", ttlSeconds);
        },
      };
    },
    async changed() {
      await redis.incr(VERSION_KEY);
    },
  };
}
