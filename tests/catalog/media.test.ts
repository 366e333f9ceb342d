// Media: resumable uploads (a real tus client), the checks on finished uploads, attaching them,
// transcoding on BullMQ with the real ffmpeg (and a failing one), and signed, ranged playback.
// Files are tiny (a 2.5 s tone, a 16×16 PNG) and the stack's limits small (tests/support/stack.ts).
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tus from "tus-js-client";
import { startStack, type Stack } from "../support/stack.ts";
import { codes, gql, register, type TestAccount } from "../support/graphql.ts";
import { accountWithRole, publishedAlbum } from "../support/catalog.ts";
import { mediaConfig } from "../../subgraphs/catalog/src/media/config.ts";
import { createUrlSigner } from "../../subgraphs/catalog/src/media/streaming.ts";
import { writeFileRange } from "../../subgraphs/catalog/src/media/fileBody.ts";
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

const realFfmpeg = mediaConfig().ffmpegPath;
let stack: Stack;
let url: string;
let base: string;
let owner: TestAccount;
let otherArtist: TestAccount;
let admin: TestAccount;
let listener: TestAccount;
let work: string;
let tone: Buffer;
let png: Buffer;
/** While this file exists, the catalog's "ffmpeg" fails (a stub in front of the real one). */
let failMarker: string;
/** One line per failed stub run. */
let failedCalls: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), "melodi-media-test-"));
  failMarker = path.join(work, "fail-ffmpeg");
  const stub = path.join(work, "ffmpeg");
  failedCalls = path.join(work, "failed-calls");
  writeFileSync(
    stub,
    `#!/bin/sh\nif [ -e "${failMarker}" ]; then echo x >> "${failedCalls}"; echo "stub ffmpeg: failing on purpose" >&2; exit 1; fi\nexec "${realFfmpeg}" "$@"\n`,
  );
  chmodSync(stub, 0o755);
  const ffmpeg = (...args: string[]) => execFileSync(realFfmpeg, ["-hide_banner", "-loglevel", "error", "-y", ...args]);
  ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=2.5", "-b:a", "128k", path.join(work, "tone.mp3"));
  ffmpeg("-f", "lavfi", "-i", "color=c=red:s=16x16", "-frames:v", "1", path.join(work, "red.png"));
  tone = readFileSync(path.join(work, "tone.mp3"));
  png = readFileSync(path.join(work, "red.png"));

  stack = await startStack({ router: true, media: { ffmpegPath: stub } });
  url = stack.router!.url;
  base = stack.catalog!.url.replace(/\/graphql$/, "");
  [owner, otherArtist, admin, listener] = await Promise.all([
    accountWithRole(stack, url, "ARTIST"),
    accountWithRole(stack, url, "ARTIST"),
    accountWithRole(stack, url, "ADMIN"),
    register(url),
  ]);
});
afterAll(async () => {
  await stack?.stop();
  rmSync(work, { recursive: true, force: true });
});

const db = () => stack.catalog!.services.db;
const b64 = (s: string) => Buffer.from(s).toString("base64");

interface UploadResult {
  url: string | null;
  id: string | null;
  error?: { status?: number; body?: string };
}

/** Uploads with tus-js-client; resolves with the upload URL, or the server's refusal. */
function upload(
  bytes: Buffer,
  kind: string,
  token: string,
  opts: { chunkSize?: number; uploadUrl?: string; abortAfterFirstChunk?: boolean } = {},
): Promise<UploadResult> {
  return new Promise((resolve) => {
    const done = (error?: UploadResult["error"]) =>
      resolve({ url: u.url, id: u.url?.split("/").pop() ?? null, ...(error ? { error } : {}) });
    const u: tus.Upload = new tus.Upload(bytes, {
      endpoint: `${base}/uploads/`,
      metadata: { kind, filename: "file" },
      headers: { authorization: `Bearer ${token}` },
      // Options left undefined would override tus-js-client's defaults.
      ...(opts.uploadUrl ? { uploadUrl: opts.uploadUrl } : {}),
      ...(opts.chunkSize ? { chunkSize: opts.chunkSize } : {}),
      retryDelays: [],
      onChunkComplete: () => {
        if (opts.abortAfterFirstChunk) void u.abort().then(() => done());
      },
      onSuccess: () => done(),
      onError: (err) => {
        const res = (err as tus.DetailedError).originalResponse;
        done({ status: res?.getStatus(), body: res?.getBody() });
      },
    });
    u.start();
  });
}

async function uploaded(bytes: Buffer, kind: string, token = owner.accessToken): Promise<string> {
  const result = await upload(bytes, kind, token);
  expect(result.error).toBeUndefined();
  return result.id!;
}

function tusPost(headers: Record<string, string>) {
  return fetch(`${base}/uploads/`, { method: "POST", headers: { "tus-resumable": "1.0.0", ...headers } });
}

const ATTACH_AUDIO = `mutation($input: AttachSongAudioInput!) { attachSongAudio(input: $input) { song { id audioStatus } userErrors { field code message } } }`;
const SONG = `query($id: ID!) { song(id: $id) { id durationMs audioStatus streamingUrls { low medium high } } }`;
const SONG_URLS = `query($id: ID!) { song(id: $id) { id streamingUrls { low medium high } } }`;

async function waitForStatus(songId: string, status: string, timeoutMs = 20_000) {
  const started = Date.now();
  for (;;) {
    const res = await gql(url, SONG, { id: songId }, { token: owner.accessToken });
    expect(res.errors).toBeUndefined();
    if (res.data.song.audioStatus === status) return res.data.song;
    if (Date.now() - started > timeoutMs) throw new Error(`song ${songId} still ${res.data.song.audioStatus}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("tus uploads", () => {
  it("refuses an unauthenticated POST (401) and a USER account (403), on every request", async () => {
    const headers = { "upload-length": "100", "upload-metadata": `kind ${b64("audio")}` };
    expect((await tusPost(headers)).status).toBe(401);
    expect((await tusPost({ ...headers, authorization: "Bearer not-a-token" })).status).toBe(401);
    expect((await tusPost({ ...headers, authorization: `Bearer ${listener.accessToken}` })).status).toBe(403);
    // An existing upload answers neither anonymous callers nor other accounts.
    const created = await tusPost({ ...headers, authorization: `Bearer ${owner.accessToken}` });
    expect(created.status).toBe(201);
    const location = new URL(created.headers.get("location")!, `${base}/uploads/`).toString();
    expect((await fetch(location, { method: "HEAD", headers: { "tus-resumable": "1.0.0" } })).status).toBe(401);
    expect(
      (
        await fetch(location, {
          method: "HEAD",
          headers: { "tus-resumable": "1.0.0", authorization: `Bearer ${otherArtist.accessToken}` },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await fetch(location, {
          method: "HEAD",
          headers: { "tus-resumable": "1.0.0", authorization: `Bearer ${owner.accessToken}` },
        })
      ).headers.get("upload-offset"),
    ).toBe("0");
  });

  it("requires the kind in the metadata", async () => {
    const res = await tusPost({
      "upload-length": "100",
      "upload-metadata": `kind ${b64("video")}`,
      authorization: `Bearer ${owner.accessToken}`,
    });
    expect(res.status).toBe(400);
  });

  it("refuses an upload over its kind's limit (413) before any byte is sent", async () => {
    const auth = { authorization: `Bearer ${owner.accessToken}` };
    expect(
      (
        await tusPost({
          ...auth,
          "upload-length": String(2 * 1024 * 1024 + 1),
          "upload-metadata": `kind ${b64("audio")}`,
        })
      ).status,
    ).toBe(413);
    expect(
      (await tusPost({ ...auth, "upload-length": String(512 * 1024 + 1), "upload-metadata": `kind ${b64("image")}` }))
        .status,
    ).toBe(413);
  });

  it("rejects a 0-byte upload with a clear error and keeps nothing", async () => {
    const res = await tusPost({
      authorization: `Bearer ${owner.accessToken}`,
      "upload-length": "0",
      "upload-metadata": `kind ${b64("audio")}`,
    });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/empty/);
    const row = await db().mediaUpload.findFirst({ where: { uploaderId: owner.id, size: 0 } });
    expect(row?.rejectedReason).toMatch(/empty/);
    expect(existsSync(path.join(stack.mediaDir, "uploads", row!.id))).toBe(false);
  });

  it("rejects a text file renamed .mp3 (415), removes it, and a later attach gets UPLOAD_REJECTED", async () => {
    const result = await upload(
      Buffer.from("this is not music at all, just some text in a file named song.mp3\n".repeat(20)),
      "audio",
      owner.accessToken,
    );
    expect(result.error?.status).toBe(415);
    expect(result.error?.body).toMatch(/not MP3, WAV, FLAC/);
    expect(existsSync(path.join(stack.mediaDir, "uploads", result.id!))).toBe(false);
    const { songIds } = await publishedAlbum(url, owner.accessToken, 1);
    const res = await gql(
      url,
      ATTACH_AUDIO,
      { input: { songId: songIds[0], uploadId: result.id } },
      { token: owner.accessToken },
    );
    expect(res.data.attachSongAudio).toMatchObject({
      song: null,
      userErrors: [{ code: "UPLOAD_REJECTED", field: ["input", "uploadId"] }],
    });
  });

  it("resumes an interrupted upload from the middle, byte-identical", async () => {
    const first = await upload(tone, "audio", owner.accessToken, { chunkSize: 16 * 1024, abortAfterFirstChunk: true });
    expect(first.url).toBeTruthy();
    const head = await fetch(first.url!, {
      method: "HEAD",
      headers: { "tus-resumable": "1.0.0", authorization: `Bearer ${owner.accessToken}` },
    });
    const offset = Number(head.headers.get("upload-offset"));
    expect(offset).toBe(16 * 1024);
    expect(offset).toBeLessThan(tone.length);
    const resumed = await upload(tone, "audio", owner.accessToken, { chunkSize: 16 * 1024, uploadUrl: first.url! });
    expect(resumed.error).toBeUndefined();
    expect(resumed.id).toBe(first.id);
    expect(readFileSync(path.join(stack.mediaDir, "uploads", first.id!)).equals(tone)).toBe(true);
    expect(await db().mediaUpload.findUnique({ where: { id: first.id! } })).toMatchObject({
      kind: "AUDIO",
      contentType: "audio/mpeg",
      rejectedReason: null,
    });
  });
});

describe("audio: attach, transcode, stream", () => {
  let songId: string;
  let firstUrls: { low: string; medium: string; high: string };

  it("attaching needs a manager (FORBIDDEN) and the caller's own upload (UPLOAD_NOT_FOUND)", async () => {
    const uploadId = await uploaded(tone, "audio");
    const mine = await publishedAlbum(url, owner.accessToken, 1);
    const theirs = await publishedAlbum(url, otherArtist.accessToken, 1);
    // Another artist on the owner's song.
    expect(
      codes(
        await gql(
          url,
          ATTACH_AUDIO,
          { input: { songId: mine.songIds[0], uploadId } },
          { token: otherArtist.accessToken },
        ),
      ),
    ).toEqual(["FORBIDDEN"]);
    expect(
      codes(
        await gql(url, ATTACH_AUDIO, { input: { songId: mine.songIds[0], uploadId } }, { token: listener.accessToken }),
      ),
    ).toEqual(["FORBIDDEN"]);
    expect(codes(await gql(url, ATTACH_AUDIO, { input: { songId: mine.songIds[0], uploadId } }))).toEqual([
      "UNAUTHENTICATED",
    ]);
    // Another artist with the owner's upload, on their own song.
    const res = await gql(
      url,
      ATTACH_AUDIO,
      { input: { songId: theirs.songIds[0], uploadId } },
      { token: otherArtist.accessToken },
    );
    expect(res.data.attachSongAudio.userErrors).toEqual([
      expect.objectContaining({ code: "UPLOAD_NOT_FOUND", field: ["input", "uploadId"] }),
    ]);
    // Bad ids and the wrong kind.
    const bad = await gql(
      url,
      ATTACH_AUDIO,
      { input: { songId: mine.songIds[0], uploadId: "nope" } },
      { token: owner.accessToken },
    );
    expect(bad.data.attachSongAudio.userErrors[0].code).toBe("UPLOAD_NOT_FOUND");
    const noSong = await gql(
      url,
      ATTACH_AUDIO,
      { input: { songId: "00000000-0000-0000-0000-000000000000", uploadId } },
      { token: owner.accessToken },
    );
    expect(noSong.data.attachSongAudio.userErrors[0].code).toBe("SONG_NOT_FOUND");
    const image = await uploaded(png, "image");
    const wrongKind = await gql(
      url,
      ATTACH_AUDIO,
      { input: { songId: mine.songIds[0], uploadId: image } },
      { token: owner.accessToken },
    );
    expect(wrongKind.data.attachSongAudio.userErrors[0].code).toBe("UPLOAD_WRONG_KIND");
    expect(await db().songAudio.count({ where: { songId: { in: [mine.songIds[0]!, theirs.songIds[0]!] } } })).toBe(0);
  });

  it("transcodes an attached upload to 64/128/320 kbps and only then plays it, with the audio's duration", async () => {
    const uploadId = await uploaded(tone, "audio");
    songId = (await publishedAlbum(url, owner.accessToken, 1)).songIds[0]!;
    const res = await gql(url, ATTACH_AUDIO, { input: { songId, uploadId } }, { token: owner.accessToken });
    expect(res.data.attachSongAudio).toMatchObject({ userErrors: [], song: { id: songId } });
    expect(["PROCESSING", "READY"]).toContain(res.data.attachSongAudio.song.audioStatus);
    // Used once only.
    const again = await gql(url, ATTACH_AUDIO, { input: { songId, uploadId } }, { token: owner.accessToken });
    expect(again.data.attachSongAudio.userErrors[0].code).toBe("UPLOAD_ALREADY_USED");

    const song = await waitForStatus(songId, "READY");
    expect(song.durationMs).toBeGreaterThan(2300);
    expect(song.durationMs).toBeLessThan(2800);
    firstUrls = song.streamingUrls;
    expect(firstUrls.low).toMatch(/\/media\/audio\/[0-9a-f-]{36}\/64\.mp3\?expires=\d+&signature=/);
    expect(firstUrls.medium).toMatch(/\/128\.mp3\?/);
    expect(firstUrls.high).toMatch(/\/320\.mp3\?/);
    // Listeners get them too, through the router.
    const asListener = await gql(url, SONG_URLS, { id: songId }, { token: listener.accessToken });
    expect(asListener.data.song.streamingUrls.medium).toMatch(/\/128\.mp3\?/);
    // The renditions have the bitrates asked for (64k is about 8 kB per second).
    const sizes = await Promise.all(
      [firstUrls.low, firstUrls.high].map(async (u) => (await (await fetch(u)).arrayBuffer()).byteLength),
    );
    expect(sizes[0]).toBeLessThan(sizes[1]!);
  });

  it("serves a ranged read through the signed URL (206, Content-Range)", async () => {
    const full = await fetch(firstUrls.medium);
    expect(full.status).toBe(200);
    expect(full.headers.get("content-type")).toBe("audio/mpeg");
    expect(full.headers.get("accept-ranges")).toBe("bytes");
    const bytes = Buffer.from(await full.arrayBuffer());
    const ranged = await fetch(firstUrls.medium, { headers: { range: "bytes=100-1099" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe(`bytes 100-1099/${bytes.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(100, 1100))).toBe(true);
    const tail = await fetch(firstUrls.medium, { headers: { range: "bytes=-500" } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get("content-range")).toBe(`bytes ${bytes.length - 500}-${bytes.length - 1}/${bytes.length}`);
    expect((await fetch(firstUrls.medium, { headers: { range: `bytes=${bytes.length + 10}-` } })).status).toBe(416);
  });

  it("answers 403 to a tampered or expired URL", async () => {
    const u = new URL(firstUrls.medium);
    const sig = u.searchParams.get("signature")!;
    const tampered = new URL(u);
    tampered.searchParams.set("signature", (sig[0] === "A" ? "B" : "A") + sig.slice(1));
    expect((await fetch(tampered)).status).toBe(403);
    const longer = new URL(u);
    longer.searchParams.set("expires", String(Number(u.searchParams.get("expires")) + 3600));
    expect((await fetch(longer)).status).toBe(403);
    const otherRendition = new URL(u.toString().replace("/128.mp3", "/320.mp3"));
    expect((await fetch(otherRendition)).status).toBe(403);
    const unsigned = new URL(u);
    unsigned.search = "";
    expect((await fetch(unsigned)).status).toBe(403);
    // Correctly signed (same secret as the stack) but already expired.
    const signer = createUrlSigner({ secret: "test-media-secret", ttlSeconds: 60, publicUrl: () => base });
    const audioId = u.pathname.split("/")[3]!;
    const expired = signer.audioUrl(audioId, 128, Date.now() - 3 * 3600_000);
    expect((await fetch(expired)).status).toBe(403);
    expect((await fetch(signer.audioUrl(audioId, 128))).status).toBe(200);
  });

  it("gives no URLs of a hidden song to listeners, and the audio status to managers only", async () => {
    for (const caller of [listener, otherArtist]) {
      const res = await gql(
        url,
        `query($id: ID!) { song(id: $id) { audioStatus } }`,
        { id: songId },
        { token: caller.accessToken },
      );
      expect(codes(res)).toEqual(["FORBIDDEN"]);
    }
    expect((await gql(url, SONG, { id: songId }, { token: admin.accessToken })).data.song.audioStatus).toBe("READY");
    await gql(
      url,
      `mutation($id: ID!) { setSongPublic(input: { songId: $id, isPublic: false }) { userErrors { code } } }`,
      { id: songId },
      { token: owner.accessToken },
    );
    const hidden = await gql(url, SONG_URLS, { id: songId }, { token: listener.accessToken });
    expect(hidden.errors).toBeUndefined();
    expect(hidden.data.song).toBeNull();
    const anonymous = await gql(url, SONG_URLS, { id: songId });
    expect(anonymous.data.song).toBeNull();
    // Its manager still gets them.
    expect(
      (await gql(url, SONG_URLS, { id: songId }, { token: owner.accessToken })).data.song.streamingUrls,
    ).not.toBeNull();
    await gql(
      url,
      `mutation($id: ID!) { setSongPublic(input: { songId: $id, isPublic: true }) { userErrors { code } } }`,
      { id: songId },
      { token: owner.accessToken },
    );
  });

  it("a job that keeps failing ends FAILED and leaves the previous audio playing", async () => {
    const uploadId = await uploaded(tone, "audio");
    writeFileSync(failMarker, "");
    try {
      const res = await gql(url, ATTACH_AUDIO, { input: { songId, uploadId } }, { token: owner.accessToken });
      expect(res.data.attachSongAudio.userErrors).toEqual([]);
      const song = await waitForStatus(songId, "FAILED");
      // Still the previous audio: same files, still playing.
      expect(new URL(song.streamingUrls.medium).pathname).toBe(new URL(firstUrls.medium).pathname);
      expect((await fetch(song.streamingUrls.medium)).status).toBe(200);
      const failed = await db().songAudio.findFirstOrThrow({ where: { songId, uploadId } });
      expect(failed.status).toBe("FAILED");
      expect(failed.error).toMatch(/failing on purpose/);
      // Retried: three attempts (the stack's backoff is 50 ms), each stopped at its first rendition.
      expect(readFileSync(failedCalls, "utf8").trim().split("\n")).toHaveLength(3);
      for (const kbps of [64, 128, 320])
        expect(existsSync(path.join(stack.mediaDir, "store", "audio", failed.id, `${kbps}.mp3`))).toBe(false);
    } finally {
      rmSync(failMarker, { force: true });
    }
  });

  it("a first audio that fails exposes no URLs at all", async () => {
    const uploadId = await uploaded(tone, "audio");
    const { songIds } = await publishedAlbum(url, owner.accessToken, 1);
    writeFileSync(failMarker, "");
    try {
      await gql(url, ATTACH_AUDIO, { input: { songId: songIds[0], uploadId } }, { token: owner.accessToken });
      const song = await waitForStatus(songIds[0]!, "FAILED");
      expect(song.streamingUrls).toBeNull();
      expect(
        (await gql(url, SONG_URLS, { id: songIds[0] }, { token: listener.accessToken })).data.song.streamingUrls,
      ).toBeNull();
    } finally {
      rmSync(failMarker, { force: true });
    }
  });
});

describe("images", () => {
  it("sets an artist's image, a release's cover and adds a gallery image from image uploads", async () => {
    const { artist, collectionId } = await publishedAlbum(url, owner.accessToken, 0);
    const imageRes = await gql(
      url,
      `mutation($input: AttachArtistImageInput!) { attachArtistImage(input: $input) { artist { id imageUrl } userErrors { code } } }`,
      { input: { artistId: artist.id, uploadId: await uploaded(png, "image") } },
      { token: owner.accessToken },
    );
    expect(imageRes.data.attachArtistImage.userErrors).toEqual([]);
    const imageUrl = imageRes.data.attachArtistImage.artist.imageUrl as string;
    expect(imageUrl).toMatch(/\/media\/images\/[0-9a-f-]{36}\.png$/);
    const served = await fetch(imageUrl);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);

    const cover = await gql(
      url,
      `mutation($input: AttachCollectionCoverInput!) { attachCollectionCover(input: $input) { collection { id coverUrl } userErrors { code } } }`,
      { input: { collectionId, uploadId: await uploaded(png, "image") } },
      { token: owner.accessToken },
    );
    expect(cover.data.attachCollectionCover.collection.coverUrl).toMatch(/\.png$/);

    const ADD = `mutation($input: AddArtistAboutImageInput!) { addArtistAboutImage(input: $input) { artist { about { images { url caption } } } userErrors { field code } } }`;
    const added = await gql(
      url,
      ADD,
      { input: { artistId: artist.id, uploadId: await uploaded(png, "image"), caption: "On stage" } },
      { token: owner.accessToken },
    );
    expect(added.data.addArtistAboutImage.artist.about.images).toEqual([
      { url: expect.stringMatching(/\.png$/), caption: "On stage" },
    ]);
    const tooLong = await gql(
      url,
      ADD,
      { input: { artistId: artist.id, uploadId: await uploaded(png, "image"), caption: "x".repeat(201) } },
      { token: owner.accessToken },
    );
    expect(tooLong.data.addArtistAboutImage.userErrors).toEqual([{ field: ["input", "caption"], code: "TOO_LONG" }]);
    // Wrong caller, wrong kind.
    expect(
      codes(
        await gql(
          url,
          ADD,
          { input: { artistId: artist.id, uploadId: await uploaded(png, "image", otherArtist.accessToken) } },
          { token: otherArtist.accessToken },
        ),
      ),
    ).toEqual(["FORBIDDEN"]);
    const wrongKind = await gql(
      url,
      ADD,
      { input: { artistId: artist.id, uploadId: await uploaded(tone, "audio") } },
      { token: owner.accessToken },
    );
    expect(wrongKind.data.addArtistAboutImage.userErrors[0].code).toBe("UPLOAD_WRONG_KIND");
  });

  it("rejects audio uploaded as an image", async () => {
    const result = await upload(tone, "image", owner.accessToken);
    expect(result.error?.status).toBe(415);
  });
});

describe("attaching moves the file once the write commits", () => {
  it("keeps the stored copy and drops the upload's own file", async () => {
    const { artist } = await publishedAlbum(url, owner.accessToken, 0);
    const id = await uploaded(png, "image");
    const source = stack.catalog!.services.media.uploads.filePath(id);
    expect(existsSync(source)).toBe(true);
    const res = await gql(
      url,
      `mutation($input: AttachArtistImageInput!) { attachArtistImage(input: $input) { artist { imageUrl } userErrors { code } } }`,
      { input: { artistId: artist.id, uploadId: id } },
      { token: owner.accessToken },
    );
    expect(res.data.attachArtistImage.userErrors).toEqual([]);
    expect(existsSync(source)).toBe(false);
    const served = await fetch(res.data.attachArtistImage.artist.imageUrl);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
  });
});

describe("upload clean-up (hourly BullMQ job)", () => {
  const DAY = 24 * 3_600_000;
  const cleanup = () => stack.catalog!.services.media.cleanup;
  const uploadsDir = () =>
    path.dirname(stack.catalog!.services.media.uploads.filePath("00000000-0000-0000-0000-000000000000"));
  const ATTACH_IMAGE = `mutation($input: AttachArtistImageInput!) { attachArtistImage(input: $input) { artist { id } userErrors { code } } }`;

  it("is scheduled once an hour", async () => {
    expect(await cleanup().schedule()).toMatchObject({ every: 3_600_000 });
  });

  it("removes accepted uploads never attached within a day, and old rejections, and keeps fresh ones", async () => {
    const { artist } = await publishedAlbum(url, owner.accessToken, 0);
    const stale = await uploaded(png, "image");
    const fresh = await uploaded(png, "image");
    const rejected = await upload(Buffer.from("not an image at all"), "image", owner.accessToken);
    expect(rejected.error?.status).toBe(415);
    await db().mediaUpload.updateMany({
      where: { id: { in: [stale, rejected.id!] } },
      data: { createdAt: new Date(Date.now() - 8 * DAY) },
    });

    const result = await cleanup().runOnce();
    expect(result.unattachedRemoved).toBeGreaterThanOrEqual(1);
    expect(result.rejectedForgotten).toBeGreaterThanOrEqual(1);
    expect(await db().mediaUpload.findUnique({ where: { id: stale } })).toBeNull();
    expect(await db().mediaUpload.findUnique({ where: { id: rejected.id! } })).toBeNull();
    expect(existsSync(stack.catalog!.services.media.uploads.filePath(stale))).toBe(false);

    const late = await gql(
      url,
      ATTACH_IMAGE,
      { input: { artistId: artist.id, uploadId: stale } },
      { token: owner.accessToken },
    );
    expect(late.data.attachArtistImage.userErrors).toEqual([{ code: "UPLOAD_NOT_FOUND" }]);
    const inTime = await gql(
      url,
      ATTACH_IMAGE,
      { input: { artistId: artist.id, uploadId: fresh } },
      { token: owner.accessToken },
    );
    expect(inTime.data.attachArtistImage.userErrors).toEqual([]);
  });

  it("removes unfinished uploads past their expiry", async () => {
    const res = await tusPost({
      authorization: `Bearer ${owner.accessToken}`,
      "upload-length": "1000",
      "upload-metadata": `kind ${b64("image")}`,
    });
    expect(res.status).toBe(201);
    const id = res.headers.get("location")!.split("/").pop()!;
    const record = path.join(uploadsDir(), `${id}.json`);
    const info = JSON.parse(readFileSync(record, "utf8")) as { creation_date: string };
    writeFileSync(record, JSON.stringify({ ...info, creation_date: new Date(Date.now() - 2 * DAY).toISOString() }));

    expect((await cleanup().runOnce()).expiredUnfinished).toBeGreaterThanOrEqual(1);
    expect(existsSync(record)).toBe(false);
    expect(existsSync(path.join(uploadsDir(), id))).toBe(false);
  });
});

describe("playback of files larger than one read", () => {
  // Renditions of a few MB, written straight into storage: bodies span many reused buffers.
  const renditions: { url: string; bytes: Buffer }[] = [];
  beforeAll(async () => {
    const { storage, urls } = stack.catalog!.services.media;
    for (const size of [3 * 1024 * 1024 + 123, 1024 * 1024 + 7]) {
      const audioId = randomUUID();
      const bytes = randomBytes(size);
      const source = path.join(work, `${audioId}.mp3`);
      writeFileSync(source, bytes);
      await storage.put(`audio/${audioId}/320.mp3`, source);
      renditions.push({ url: urls.audioUrl(audioId, 320), bytes });
    }
  });
  /** Status, and whether the body is exactly `expected` (a deep toEqual of MBs takes seconds). */
  const read = async (u: string, expected: Buffer, range?: string) => {
    const res = await fetch(u, range ? { headers: { range } } : {});
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, length: body.length, same: body.equals(expected) };
  };
  const answer = (status: number, expected: Buffer) => ({ status, length: expected.length, same: true });

  it("serves whole files and ranges across read boundaries byte for byte", async () => {
    const [{ url: u, bytes }] = renditions as [(typeof renditions)[0]];
    expect(await read(u, bytes)).toEqual(answer(200, bytes));
    for (const [start, end] of [
      [0, 0],
      [262_143, 262_144],
      [100_000, 2_000_000],
      [bytes.length - 1, bytes.length - 1],
    ] as const) {
      const part = bytes.subarray(start, end + 1);
      expect(await read(u, part, `bytes=${start}-${end}`), `${start}-${end}`).toEqual(answer(206, part));
    }
    const head = await fetch(u, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe(String(bytes.length));
    expect(Buffer.from(await head.arrayBuffer())).toHaveLength(0);
  });

  it("serves a suffix range longer than the file as the whole file (RFC 9110), a shorter one as its tail", async () => {
    const [{ url: u, bytes }] = renditions as [(typeof renditions)[0]];
    for (const range of ["bytes=-99999999999", `bytes=-${bytes.length}`, `bytes=-${bytes.length + 1}`]) {
      const res = await fetch(u, { headers: { range } });
      const body = Buffer.from(await res.arrayBuffer());
      expect({ status: res.status, same: body.equals(bytes) }, range).toEqual({ status: 206, same: true });
      expect(res.headers.get("content-range"), range).toBe(`bytes 0-${bytes.length - 1}/${bytes.length}`);
    }
    const tail = bytes.subarray(bytes.length - 10);
    expect(await read(u, tail, "bytes=-10")).toEqual(answer(206, tail));
    expect((await fetch(u, { headers: { range: "bytes=-0" } })).status).toBe(416);
  });

  it("gives every one of many concurrent readers, some abandoning mid-body, its own bytes", async () => {
    const abandon = (u: string) =>
      new Promise<void>((resolve) => {
        const req = http.get(u, (res) =>
          res.once("data", () => {
            req.destroy();
            resolve();
          }),
        );
        req.on("error", () => resolve());
      });
    const reads = Array.from({ length: 12 }, async (_, i) => {
      const { url: u, bytes } = renditions[i % 2]!;
      if (i % 4 === 3) return abandon(u);
      const start = 1 + ((i * 99_991) % Math.floor(bytes.length / 2));
      const part = bytes.subarray(start);
      expect(await read(u, part, `bytes=${start}-`)).toEqual(answer(206, part));
    });
    await Promise.all(reads);
    // And afterwards, with buffers returned by abandoned responses back in the pool.
    for (const { url: u, bytes } of renditions) expect(await read(u, bytes)).toEqual(answer(200, bytes));
  });

  it("cuts the connection, rather than sending a short body, when the file is shorter than promised", async () => {
    const file = path.join(work, "short.bin");
    writeFileSync(file, randomBytes(1000));
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { "content-length": 5000 });
      void writeFileRange(res, file, 0, 5000);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await expect(read(`http://127.0.0.1:${port}/`, Buffer.alloc(0))).rejects.toThrow();
    } finally {
      server.close();
    }
  });
});

describe("/media-auth (what the media edge asks before serving audio)", () => {
  const ask = (original?: string) =>
    fetch(`${base}/media-auth`, { headers: original === undefined ? {} : { "x-original-uri": original } });

  it("approves a valid, live audio link with its Cache-Control, and refuses everything else", async () => {
    const { urls } = stack.catalog!.services.media;
    const link = new URL(urls.audioUrl(randomUUID(), 64));
    const ok = await ask(link.pathname + link.search);
    expect(ok.status).toBe(204);
    expect(ok.headers.get("cache-control")).toMatch(/^private, max-age=\d+$/);

    const tampered =
      link.pathname +
      link.search.replace(/signature=./, (s) => (s.endsWith("A") ? `${s.slice(0, -1)}B` : `${s.slice(0, -1)}A`));
    const expired = new URL(urls.audioUrl(randomUUID(), 64, Date.now() - 3 * 3600_000));
    // The signed path written another way: a proxy would normalise it to another file.
    const [, , , id] = link.pathname.split("/");
    const bent = `/media/audio/${id}/..%2F${randomUUID()}%2Fx/../64.mp3${link.search}`;
    for (const bad of [
      undefined,
      "",
      link.pathname,
      tampered,
      expired.pathname + expired.search,
      "/media/images/x.png",
      `http://evil${link.pathname}${link.search}`,
      bent,
    ]) {
      expect((await ask(bad)).status, String(bad)).toBe(403);
    }
  });
});

describe("a listener that stops reading", () => {
  it("loses the connection after the stall timeout, freeing the file and the buffers", async () => {
    const file = path.join(work, "large.bin");
    writeFileSync(file, randomBytes(48 * 1024 * 1024)); // more than loopback's socket buffers hold
    let finished: Promise<void> | undefined;
    let response: http.ServerResponse | undefined;
    const server = http.createServer((_req, res) => {
      response = res;
      res.writeHead(200, { "content-length": 48 * 1024 * 1024 });
      finished = writeFileRange(res, file, 0, 48 * 1024 * 1024, { stallTimeoutMs: 300 });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    // A client that sends its request and then never reads.
    const socket = (await import("node:net")).connect(port, "127.0.0.1");
    socket.pause();
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    try {
      const started = Date.now();
      while (!finished && Date.now() - started < 5000) await new Promise((resolve) => setTimeout(resolve, 20));
      const outcome = await Promise.race([
        finished!.then(() => "ended"),
        new Promise((resolve) => setTimeout(() => resolve("still writing"), 5000)),
      ]);
      expect(outcome).toBe("ended");
      expect(response!.destroyed).toBe(true);
      expect(response!.writableFinished).toBe(false);
    } finally {
      socket.destroy();
      server.close();
    }
  });
});
