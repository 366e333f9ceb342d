// Search results cached in Redis (most searches repeat: the same artist or title typed by many
// listeners). An entry holds only ids, kinds and scores, under the catalog's search version:
// every change to what search can find (a name or title, a publish or visibility switch) bumps
// the version, so no entry outlives a change. Nodes are loaded and checked again on every hit
// (searchable()), so even a missed bump cannot show a hidden item.
//
// While Redis is gone or hung the cache is skipped (README "When Redis is gone"): searches run
// against the database, a bump that could not be written is remembered and written before the
// next lookup that reaches Redis, so entries from before the outage are never served after a
// change made during it.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { redisCall, redisUsable, type Logger } from "@melodi/kit";

const VERSION_KEY = "catalog:search:version";

export interface CachedSearch<T> {
  hit: T | null;
  /** Caches a freshly computed value under the same key (and version) the lookup used. */
  store(value: T): Promise<void>;
}

export interface SearchCache {
  lookup<T>(parts: unknown[]): Promise<CachedSearch<T>>;
  /** Call after any write that changes what search finds. Never throws: a missed bump is retried. */
  changed(): Promise<void>;
}

const MISS: CachedSearch<never> = { hit: null, store: async () => {} };

export function createSearchCache(redis: Redis, ttlSeconds: number, log?: Logger): SearchCache {
  /** A bump that could not reach Redis: written before the cache is used again. */
  let bumpOwed = false;
  const bump = async (): Promise<boolean> => {
    try {
      await redisCall(redis, () => redis.incr(VERSION_KEY));
      bumpOwed = false;
      return true;
    } catch (err) {
      if (!bumpOwed) log?.warn({ err }, "search cache: version not bumped; the cache is skipped until it is");
      bumpOwed = true;
      return false;
    }
  };
  return {
    async lookup<T>(parts: unknown[]): Promise<CachedSearch<T>> {
      if (ttlSeconds <= 0 || !redisUsable(redis)) return MISS;
      if (bumpOwed && !(await bump())) return MISS;
      try {
        const version = (await redisCall(redis, () => redis.get(VERSION_KEY))) ?? "0";
        const key = `catalog:search:${version}:${createHash("sha1").update(JSON.stringify(parts)).digest("base64url")}`;
        const hit = await redisCall(redis, () => redis.get(key));
        return {
          hit: hit ? (JSON.parse(hit) as T) : null,
          store: async (value) => {
            await redisCall(redis, () => redis.set(key, JSON.stringify(value), "EX", ttlSeconds)).catch(() => {});
          },
        };
      } catch {
        return MISS;
      }
    },
    async changed() {
      await bump();
    },
  };
}
