// Upload locks in Redis (media/uploadLocks.ts): what lets any catalog replica take any request
// of a resumable upload. Two lockers on separate connections stand for two replicas.
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPubSub, createRedis, type PubSub, type Redis } from "@melodi/kit";
import { createUploadLocker, type UploadLocker } from "../../subgraphs/catalog/src/media/uploadLocks.ts";
import { startCatalog } from "../../subgraphs/catalog/src/service.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { accountWithRole } from "../support/catalog.ts";
import { createAudioUpload, patchUpload, tone, tusAuth } from "../support/tus.ts";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `test:locks:${randomUUID()}:`;
const connections: Redis[] = [];
const lockers: UploadLocker[] = [];
const channels: PubSub[] = [];
function replica(opts: Parameters<typeof createUploadLocker>[2] = {}) {
  const redis = createRedis(redisUrl, prefix);
  connections.push(redis);
  const pubsub = createPubSub(redis);
  channels.push(pubsub);
  const locker = createUploadLocker(redis, pubsub, opts);
  lockers.push(locker);
  return { redis, locker };
}
afterAll(async () => {
  await Promise.all(lockers.map((l) => l.close()));
  await Promise.all(channels.map((c) => c.close()));
  for (const redis of connections) redis.disconnect();
});

const never = () => new AbortController().signal;
/** What tus answers a request that could not get its lock with. */
const LOCK_TIMEOUT = { status_code: 500, body: "failed to acquire lock before timeout" };
const elapsed = async (work: Promise<unknown>) => {
  const started = Date.now();
  await work;
  return Date.now() - started;
};

describe("upload locks across replicas", () => {
  it("asks the holder on another replica to let go, and takes the lock once it has", async () => {
    const a = replica();
    const b = replica();
    const id = randomUUID();
    const held = a.locker.newLock(id);
    let asked = 0;
    await held.lock(never(), async () => {
      asked++;
      await held.unlock();
    });
    const waiting = b.locker.newLock(id);
    await waiting.lock(never(), () => {});
    expect(asked).toBe(1);
    // B holds it now: A cannot take it back without asking B (which here ignores the ask).
    await expect(a.locker.newLock(id).lock(AbortSignal.timeout(300), () => {})).rejects.toEqual(LOCK_TIMEOUT);
    await waiting.unlock();
    await a.locker.newLock(id).lock(never(), () => {});
  });

  it("gives up after its timeout when the holder does not let go, and when its request is aborted", async () => {
    const a = replica();
    const b = replica({ acquireTimeoutMs: 300 });
    const id = randomUUID();
    await a.locker.newLock(id).lock(never(), () => {});
    const timedOut = b.locker.newLock(id).lock(never(), () => {});
    await expect(timedOut).rejects.toEqual(LOCK_TIMEOUT);
    const controller = new AbortController();
    const aborted = replica()
      .locker.newLock(id)
      .lock(controller.signal, () => {});
    setTimeout(() => controller.abort(), 100);
    expect(await elapsed(expect(aborted).rejects.toEqual(LOCK_TIMEOUT))).toBeLessThan(1000);
  });

  it("keeps a lock while its request runs, and frees it within the expiry when its replica dies", async () => {
    const a = replica({ ttlMs: 300 });
    const id = randomUUID();
    await a.locker.newLock(id).lock(never(), () => {});
    await new Promise((resolve) => setTimeout(resolve, 900)); // three expiries, renewed
    await expect(
      replica({ acquireTimeoutMs: 200 })
        .locker.newLock(id)
        .lock(never(), () => {}),
    ).rejects.toEqual(LOCK_TIMEOUT);
    a.redis.disconnect(); // the replica is gone: nobody renews, nobody answers asks
    const took = await elapsed(
      replica({ acquireTimeoutMs: 5000 })
        .locker.newLock(id)
        .lock(never(), () => {}),
    );
    expect(took).toBeLessThan(2000);
  });
});

describe("a lock that lapses", () => {
  it("asks its request to stop at once when the lock is found gone (Redis restarted empty)", async () => {
    const a = replica({ ttlMs: 300 });
    const id = randomUUID();
    let asked = 0;
    await a.locker.newLock(id).lock(never(), () => void asked++);
    await a.redis.del(`tus:lock:${id}`);
    await new Promise((resolve) => setTimeout(resolve, 400)); // past the next renewal
    expect(asked).toBe(1);
  });
});

describe("one upload through two catalog replicas", () => {
  let stack: Stack;
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), "melodi-locks-test-"));
    stack = await startStack({ router: true, media: {} });
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("a client resuming on the other replica takes the upload from a request still hanging on the first", async () => {
    const second = await startCatalog({ ...stack.catalogConfig, port: 0 });
    try {
      const artist = await accountWithRole(stack, stack.router!.url, "ARTIST");
      const audio = tone(path.join(work, "hang.mp3"), 550, 3);
      const one = new URL(stack.catalog!.url);
      const two = second.url.replace(/\/graphql$/, "");
      const auth = tusAuth(artist.accessToken);
      const created = await createAudioUpload(one.origin, auth, audio.length);
      const location = created.headers.get("location")!;

      // Replica one: a PATCH that sends a third of the file, then hangs (a dropped mobile link).
      const third = Math.floor(audio.length / 3);
      let hungEnded = false;
      const hung = http.request({
        host: one.hostname,
        port: one.port,
        path: location,
        method: "PATCH",
        headers: {
          ...auth,
          "upload-offset": "0",
          "content-type": "application/offset+octet-stream",
          "content-length": String(audio.length),
        },
      });
      hung.on("response", (res) => res.resume().on("end", () => (hungEnded = true)));
      hung.on("error", () => (hungEnded = true));
      hung.on("close", () => (hungEnded = true));
      hung.write(audio.subarray(0, third));
      await new Promise((resolve) => setTimeout(resolve, 300));

      // Replica two: the client resumes. Its HEAD needs the lock replica one holds.
      // (tus lets the old request drain for up to 3 s, its lockDrainTimeout, before it ends it.)
      const head = await fetch(`${two}${location}`, { method: "HEAD", headers: auth });
      expect(head.status).toBe(200);
      const offset = Number(head.headers.get("upload-offset"));
      expect(offset).toBe(third);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(hungEnded, "the hanging request on replica one was ended").toBe(true);
      const rest = await patchUpload(`${two}${location}`, auth, offset, audio.subarray(offset));
      expect(rest.status).toBe(204);
      const id = location.split("/").pop()!;
      expect(readFileSync(stack.catalog!.services.media.uploads.filePath(id)).equals(audio)).toBe(true);
      hung.destroy();
    } finally {
      await second.stop();
    }
  });

  it("starts on one replica, resumes on the other, and is accepted whole", async () => {
    const second = await startCatalog({ ...stack.catalogConfig, port: 0 });
    try {
      const artist = await accountWithRole(stack, stack.router!.url, "ARTIST");
      const audio = tone(path.join(work, "tone.mp3"), 330, 2);
      const one = stack.catalog!.url.replace(/\/graphql$/, "");
      const two = second.url.replace(/\/graphql$/, "");
      const auth = tusAuth(artist.accessToken);
      const created = await createAudioUpload(one, auth, audio.length);
      expect(created.status).toBe(201);
      const location = created.headers.get("location")!;
      const half = Math.floor(audio.length / 2);
      expect((await patchUpload(`${one}${location}`, auth, 0, audio.subarray(0, half))).status).toBe(204);
      const head = await fetch(`${two}${location}`, { method: "HEAD", headers: auth });
      expect(head.headers.get("upload-offset")).toBe(String(half));
      expect((await patchUpload(`${two}${location}`, auth, half, audio.subarray(half))).status).toBe(204);
      const id = location.split("/").pop()!;
      const row = await stack.catalog!.services.db.mediaUpload.findUnique({ where: { id } });
      expect(row).toMatchObject({ kind: "AUDIO", size: audio.length, rejectedReason: null });
      expect(readFileSync(stack.catalog!.services.media.uploads.filePath(id)).equals(audio)).toBe(true);
    } finally {
      await second.stop();
    }
  });
});
