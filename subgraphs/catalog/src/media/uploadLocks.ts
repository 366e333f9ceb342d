// Locks on uploads in progress, in Redis, so any catalog replica can take any tus request (tus
// locks an upload for each request that changes it; @tus/server's own locker lives in one
// process's memory, which tied every upload to one replica). With MEDIA_DIR on a volume all
// replicas share, uploads then scale like the rest of the service.
//
// A lock is a key set with NX and an expiry, renewed while its request runs, so a replica that
// dies frees its locks within the expiry (30 s); a request whose lock lapses is stopped. tus asks the current holder to let go when
// another request wants the upload (a client resuming after a dropped connection): that ask
// crosses replicas on a pub/sub channel, and the holder's request ends, unlocks, and the waiting
// one takes the lock.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { ERRORS, type Lock, type Locker, type RequestRelease } from "@tus/server";
import { redisCall, type Logger, type PubSub } from "@melodi/kit";

export interface UploadLockerOptions {
  /**
   * How long a lock outlives a replica that stopped renewing it (30 s). Much longer than tus's
   * 3 s drain before it ends a request asked to let go, so a lock never lapses during the drain.
   */
  ttlMs?: number;
  /** How long a request waits for a lock before tus answers it with an error (30 s, as tus). */
  acquireTimeoutMs?: number;
  /** Between attempts while waiting (100 ms). */
  retryMs?: number;
  log?: Logger;
}

export interface UploadLocker extends Locker {
  close(): Promise<void>;
}

const keyOf = (id: string) => `tus:lock:${id}`;

/**
 * What tus answers a request that cannot lock its upload because Redis is gone or hung: 503, so
 * the client retries (tus clients retry 5xx) instead of seeing an unknown error (README "When
 * Redis is gone"). No upload changes without its lock, so nothing is written unlocked.
 */
export const LOCKS_UNAVAILABLE = {
  status_code: 503,
  body: "Uploads cannot be locked right now (Redis is unavailable). Retry in a moment.\n",
};

/** `work`, or LOCKS_UNAVAILABLE when it fails for want of Redis. */
async function orUnavailable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err === ERRORS.ERR_LOCK_TIMEOUT) throw err;
    throw LOCKS_UNAVAILABLE;
  }
}
/** Where a request asks the holder of an upload's lock, on any replica, to let go. */
const RELEASE_CHANNEL = "tus:lock-release";
/** Deletes or renews the key only while it still holds this lock's token. */
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
const RENEW =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";

export function createUploadLocker(redis: Redis, pubsub: PubSub, opts: UploadLockerOptions = {}): UploadLocker {
  const ttlMs = opts.ttlMs ?? 30_000;
  const acquireTimeoutMs = opts.acquireTimeoutMs ?? 30_000;
  const retryMs = opts.retryMs ?? 100;
  /** Locks this process holds: upload id → the lock's token and how to ask its request to let go. */
  const held = new Map<string, { token: string; release: RequestRelease }>();
  const onAsk = (id: string) => {
    const holder = held.get(id);
    if (holder)
      void Promise.resolve(holder.release()).catch((err: unknown) =>
        opts.log?.warn({ err, uploadId: id }, "releasing an upload lock failed"),
      );
  };
  // Subscribed before the first lock is taken; tried again by the next lock if it failed.
  let subscribed: Promise<() => Promise<void>> | null = null;
  const listening = () => {
    subscribed ??= pubsub.subscribe(RELEASE_CHANNEL, onAsk).catch((err: unknown) => {
      subscribed = null;
      throw err;
    });
    return subscribed;
  };
  void listening().catch((err: unknown) =>
    opts.log?.warn({ err }, "upload lock channel: not subscribed yet; the next lock tries again"),
  );

  function newLock(id: string): Lock {
    const token = randomUUID();
    let renewal: NodeJS.Timeout | undefined;
    return {
      async lock(signal: AbortSignal, requestRelease: RequestRelease) {
        await orUnavailable(listening);
        const deadline = Date.now() + acquireTimeoutMs;
        let asked = 0;
        for (;;) {
          if (await orUnavailable(() => redisCall(redis, () => redis.set(keyOf(id), token, "PX", ttlMs, "NX")))) break;
          if (signal.aborted || Date.now() >= deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
          // Ask whoever holds it to let go, again every second in case the ask was missed.
          if (Date.now() - asked >= 1000) {
            asked = Date.now();
            await orUnavailable(() => pubsub.publish(RELEASE_CHANNEL, id));
          }
          await new Promise((resolve) => setTimeout(resolve, retryMs));
        }
        held.set(id, { token, release: requestRelease });
        // Renewed every third of the expiry. A lock found lost (expired, Redis restarted empty)
        // or not renewed for half the expiry might be someone else's soon: the request is asked
        // to let go at once rather than keep writing beside another replica.
        let renewedAt = Date.now();
        const letGo = (reason: string, err?: unknown) => {
          clearInterval(renewal);
          opts.log?.warn({ err, uploadId: id }, `upload lock ${reason}: its request is asked to stop`);
          void Promise.resolve(requestRelease()).catch(() => {});
        };
        renewal = setInterval(
          () => {
            redis.eval(RENEW, 1, keyOf(id), token, String(ttlMs)).then(
              (renewed) => {
                if (renewed) renewedAt = Date.now();
                else letGo("lost");
              },
              (err: unknown) => {
                if (Date.now() - renewedAt > ttlMs / 2) letGo("not renewed in time", err);
              },
            );
          },
          Math.max(50, Math.floor(ttlMs / 3)),
        );
        renewal.unref();
      },
      async unlock() {
        clearInterval(renewal);
        if (held.get(id)?.token === token) held.delete(id);
        // A lock that cannot be released (Redis away) lapses by its expiry.
        await redis
          .eval(RELEASE, 1, keyOf(id), token)
          .catch((err: unknown) => opts.log?.warn({ err, uploadId: id }, "upload lock not released; it lapses"));
      },
    };
  }

  return {
    newLock,
    async close() {
      const unsubscribe = await subscribed?.catch(() => null);
      await unsubscribe?.();
    },
  };
}
