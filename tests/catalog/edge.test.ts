// The media edge (deploy/edge/media.conf.template): a real nginx serving /media/ files from the
// catalog's MEDIA_DIR after the catalog's /media-auth approves the link, and passing tus uploads
// through. Needs nginx (`.ci/run` installs Debian's nginx-light); without it the file is skipped
// and says so.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.ts";
import { accountWithRole } from "../support/catalog.ts";
import { createAudioUpload, patchUpload, tone, TUS, tusAuth } from "../support/tus.ts";
import type { TestAccount } from "../support/graphql.ts";
import { findNginx, startEdge, type Edge } from "../../scripts/edge.ts";
import { freePort } from "../../bench/procs.ts";
import { createUrlSigner, type UrlSigner } from "../../subgraphs/catalog/src/media/streaming.ts";

const nginx = findNginx();
if (!nginx) console.warn("edge.test.ts: no nginx on this machine, the media edge is not tested");

describe.skipIf(!nginx)("media edge (nginx in front of /media/ and /uploads/)", () => {
  let stack: Stack;
  let edge: Edge;
  let signer: UrlSigner;
  let artist: TestAccount;
  let work: string;
  const audioId = randomUUID();
  const bytes = randomBytes(700_000);
  /** Another song's audio, which links signed for `audioId` must never reach. */
  const otherId = randomUUID();
  const otherBytes = randomBytes(50_000);
  const image = `${randomUUID()}.png`;
  const png = randomBytes(2_000);

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), "melodi-edge-test-"));
    stack = await startStack({ router: true, media: {} });
    artist = await accountWithRole(stack, stack.router!.url, "ARTIST");
    const catalogUrl = stack.catalog!.url.replace(/\/graphql$/, "");
    edge = await startEdge(nginx!, { port: await freePort(), catalogUrl, mediaDir: stack.mediaDir });
    signer = createUrlSigner({ secret: "test-media-secret", ttlSeconds: 600, publicUrl: () => edge.url });
    const { storage } = stack.catalog!.services.media;
    for (const [key, content] of [
      [`audio/${audioId}/128.mp3`, bytes],
      [`audio/${otherId}/128.mp3`, otherBytes],
      [`images/${image}`, png],
    ] as const) {
      const source = path.join(work, path.basename(key));
      writeFileSync(source, content);
      await storage.put(key, source);
    }
  });
  afterAll(async () => {
    await edge?.stop();
    await stack?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** A GET with the path sent exactly as written (fetch would normalise it first). */
  const rawGet = (rawPath: string) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const { port } = new URL(edge.url);
      const req = http.request({ host: "127.0.0.1", port, path: rawPath, method: "GET", agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
      });
      req.on("error", reject);
      req.end();
    });

  it("serves a signed audio link whole and by range, with the catalog's Cache-Control", async () => {
    const link = signer.audioUrl(audioId, 128);
    const whole = await fetch(link);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("audio/mpeg");
    expect(whole.headers.get("cache-control")).toMatch(/^private, max-age=(\d+)$/);
    expect(Number(whole.headers.get("cache-control")!.split("=")[1])).toBeGreaterThan(500);
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);

    const ranged = await fetch(link, { headers: { range: "bytes=1000-299999" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe(`bytes 1000-299999/${bytes.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(1000, 300_000))).toBe(true);
    expect((await fetch(link, { headers: { range: `bytes=${bytes.length + 5}-` } })).status).toBe(416);
  });

  it("refuses tampered, expired, unsigned and other-rendition links, and anything but GET", async () => {
    const link = new URL(signer.audioUrl(audioId, 128));
    const tampered = new URL(link);
    const signature = link.searchParams.get("signature")!;
    tampered.searchParams.set("signature", (signature[0] === "A" ? "B" : "A") + signature.slice(1));
    const unsigned = new URL(link);
    unsigned.search = "";
    const expired = signer.audioUrl(audioId, 128, Date.now() - 3 * 3600_000);
    const otherRendition = link.toString().replace("/128.mp3", "/320.mp3");
    for (const bad of [tampered.toString(), unsigned.toString(), expired, otherRendition]) {
      const res = await fetch(bad);
      expect(res.status, bad).toBe(403);
      await res.arrayBuffer();
    }
    expect((await fetch(link, { method: "DELETE" })).status).toBe(403);
    // A valid link to a file that is not there.
    expect((await fetch(signer.audioUrl(randomUUID(), 128))).status).toBe(404);
  });

  it("serves images publicly and immutably, and nothing outside /media/ and /uploads/", async () => {
    const res = await fetch(signer.imageUrl(`images/${image}`));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
    expect((await fetch(`${edge.url}/health`)).status).toBe(200);
    for (const other of [
      "/graphql",
      "/media-auth",
      "/_media_auth",
      "/media/audio/x/128.mp3",
      "/media/images/%2e%2e/x.png",
      "/media/images/..%2F..%2Fstore/x.png",
    ]) {
      expect((await rawGet(other)).status, other).toBe(404);
    }
  });

  it("never lets a link signed for one file reach another, however its path is written", async () => {
    const link = new URL(signer.audioUrl(audioId, 128));
    const query = link.search;
    // Paths nginx normalises to the other file while a looser check would read the signed one.
    const bent = [
      `/media/audio/${audioId}/..%2F${otherId}%2Fx/../128.mp3`,
      `/media/audio/${otherId}/\\..\\..\\${audioId}\\x/../128.mp3`,
      `/media/audio/${audioId}/../${otherId}/128.mp3`,
      `/media/audio/${audioId}/%2e%2e/${otherId}/128.mp3`,
      `/media/audio/${otherId}/./128.mp3`,
      `/media/audio//${audioId}/128.mp3`,
    ];
    for (const rawPath of bent) {
      const res = await rawGet(rawPath + query);
      expect([403, 404], rawPath).toContain(res.status);
      expect(res.body.equals(otherBytes), rawPath).toBe(false);
    }
    // The canonical link still plays.
    expect((await rawGet(link.pathname + query)).status).toBe(200);
  });

  it("passes tus uploads through: authenticated, resumable, checked by the catalog", async () => {
    const audio = tone(path.join(work, "tone.mp3"), 440, 2);
    const anonymous = await createAudioUpload(edge.url, TUS, audio.length);
    expect(anonymous.status).toBe(401);

    const auth = tusAuth(artist.accessToken);
    const created = await createAudioUpload(edge.url, auth, audio.length);
    expect(created.status).toBe(201);
    const location = new URL(created.headers.get("location")!, edge.url).toString();
    expect(location.startsWith(`${edge.url}/uploads/`)).toBe(true);
    const half = Math.floor(audio.length / 2);
    expect((await patchUpload(location, auth, 0, audio.subarray(0, half))).status).toBe(204);
    const head = await fetch(location, { method: "HEAD", headers: auth });
    expect(head.headers.get("upload-offset")).toBe(String(half));
    expect((await patchUpload(location, auth, half, audio.subarray(half))).status).toBe(204);
    const done = await fetch(location, { method: "HEAD", headers: auth });
    expect(done.headers.get("upload-offset")).toBe(String(audio.length));
  });
});
