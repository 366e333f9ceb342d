// Playback and images under /media/. Audio URLs are signed and expire: the path and the expiry
// are signed with HMAC-SHA256 under MEDIA_URL_SECRET, so only a URL the API handed out (to a
// viewer who may see the song, media/resolvers.ts) plays, and only until it expires; anything
// else is 403. Files are served with `send` (HTTP Range: 206, Content-Range, If-Range, ETag) and
// a body written from reused buffers (fileBody.ts).
// Images are public and immutable (a new upload is a new URL).
//
//   /media/audio/<audioId>/<64|128|320>.mp3?expires=<unix seconds>&signature=<base64url>
//   /media/images/<uploadId>.<jpg|png|webp>
import type http from "node:http";
import { createHmac, timingSafeEqual } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import send from "send";
import { REQUEST_ID_HEADER, sendJson } from "@melodi/kit";
import type { MediaStorage } from "./storage.ts";
import { writeFileRange } from "./fileBody.ts";
import type { Kbps } from "./transcode.ts";

export const MEDIA_PATH = "/media";

export interface UrlSigner {
  audioUrl(audioId: string, kbps: Kbps, now?: number): string;
  imageUrl(key: string): string;
  /** Whether `signature` signs `pathname` until `expires` (unix seconds) and it has not passed. */
  verify(pathname: string, expires: string | null, signature: string | null, now?: number): boolean;
}

export interface SignerOptions {
  secret: string;
  ttlSeconds: number;
  /** Base URL clients reach this service's /media/ routes at (no trailing slash). */
  publicUrl: () => string;
}

export function createUrlSigner(opts: SignerOptions): UrlSigner {
  const sign = (pathname: string, expires: string) =>
    createHmac("sha256", opts.secret).update(`${pathname}\n${expires}`).digest("base64url");
  return {
    audioUrl(audioId, kbps, now = Date.now()) {
      const pathname = `${MEDIA_PATH}/audio/${audioId}/${kbps}.mp3`;
      // Rounded up to the minute, so URLs made in the same minute are the same (cacheable).
      const expires = String(Math.ceil((now / 1000 + opts.ttlSeconds) / 60) * 60);
      return `${opts.publicUrl()}${pathname}?expires=${expires}&signature=${sign(pathname, expires)}`;
    },
    imageUrl: (key) => `${opts.publicUrl()}${MEDIA_PATH}/${key}`,
    verify(pathname, expires, signature, now = Date.now()) {
      if (!expires || !signature || !/^\d{1,12}$/.test(expires) || Number(expires) * 1000 <= now) return false;
      const expected = Buffer.from(sign(pathname, expires));
      const given = Buffer.from(signature);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

const AUDIO_PATH = /^\/media\/audio\/([0-9a-f-]{36})\/(64|128|320)\.mp3$/;
const IMAGE_PATH = /^\/media\/images\/([0-9a-f-]{36}\.(?:jpg|png|webp))$/;

/** What `send` hands its `stream` step: the byte range it has answered for. */
interface SendStreamInternals {
  stream(path: string, options: { start: number; end: number }): void;
  onStatError(err: Error): void;
  emit(event: string): boolean;
}

/**
 * RFC 9110 §14.1.2: a suffix range (`bytes=-N`) longer than the file selects the whole file.
 * `send`'s range parser counts it as unsatisfiable (416), so such a spec is rewritten to `0-`
 * before send reads it; the file is looked at only when the header holds a suffix range.
 */
async function clampSuffixRanges(req: http.IncomingMessage, file: string): Promise<void> {
  const range = req.headers.range;
  if (typeof range !== "string" || !/[=,]\s*-\d/.test(range)) return;
  const size = await stat(file).then(
    (s) => s.size,
    () => null,
  );
  // An empty file has no byte a suffix could select: left to send's 416.
  if (!size) return;
  req.headers.range = range.replace(/([=,]\s*)-(\d+)/g, (spec, before: string, digits: string) =>
    Number(digits) >= size ? `${before}0-` : spec,
  );
}

async function serve(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  file: string,
  cacheControl: string,
): Promise<void> {
  await clampSuffixRanges(req, file);
  return new Promise((resolve) => {
    const stream = send(req, path.basename(file), {
      root: path.dirname(file),
      cacheControl: false,
      dotfiles: "deny",
      index: false,
    });
    stream.on("headers", (response: http.ServerResponse) => response.setHeader("cache-control", cacheControl));
    // send decides status, headers, Range and conditional requests; the body is ours, written
    // from reused buffers (fileBody.ts) instead of send's fs.ReadStream.
    const internals = stream as unknown as SendStreamInternals;
    internals.stream = (filePath, range) => {
      writeFileRange(res, filePath, range.start, Number(res.getHeader("content-length"))).then(
        () => internals.emit("end"),
        (err: Error) => internals.onStatError(err),
      );
    };
    stream.on("error", (err: { status?: number; statusCode?: number }) => {
      const status = err.status ?? err.statusCode ?? 500;
      if (res.headersSent) {
        res.destroy();
        return resolve();
      }
      // send may have set the file's headers already (Content-Range, ETag, a year of caching for
      // images): an error must not carry them.
      for (const name of res.getHeaderNames()) if (name !== REQUEST_ID_HEADER) res.removeHeader(name);
      sendJson(res, status, { error: status === 404 ? "not found" : "cannot serve this file" });
      resolve();
    });
    stream.on("end", () => resolve());
    res.on("close", () => resolve());
    stream.pipe(res);
  });
}

/**
 * The audio file a signed /media/ link names and how long it may be cached, or null if it is not
 * a valid, live link. It reads the path exactly as sent, never a normalised form: a proxy in
 * front (deploy/edge/) picks the file from its own normalisation ("%2F" decoded, ".." resolved),
 * so only a path that is already canonical (the pattern allows no "%", "." segment or "\\") may
 * pass, or a link signed for one file could be bent to name another.
 */
function signedAudio(rawUrl: string, signer: UrlSigner): { key: string; cacheControl: string } | null {
  const query = rawUrl.indexOf("?");
  const pathname = query < 0 ? rawUrl : rawUrl.slice(0, query);
  const params = new URLSearchParams(query < 0 ? "" : rawUrl.slice(query + 1));
  const audio = AUDIO_PATH.exec(pathname);
  if (!audio || !signer.verify(pathname, params.get("expires"), params.get("signature"))) return null;
  const remaining = Math.max(0, Number(params.get("expires")) - Math.floor(Date.now() / 1000));
  return { key: `audio/${audio[1]}/${audio[2]}.mp3`, cacheControl: `private, max-age=${remaining}` };
}

export function createMediaRoute(opts: { storage: MediaStorage; signer: UrlSigner }) {
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (req.method !== "GET" && req.method !== "HEAD")
      return sendJson(res, 405, { error: "method not allowed" }, { allow: "GET, HEAD" });
    const url = new URL(req.url ?? "/", "http://localhost");
    if (AUDIO_PATH.test(url.pathname)) {
      const audio = signedAudio(req.url ?? "", opts.signer);
      if (!audio) return sendJson(res, 403, { error: "This link is invalid or has expired." });
      return serve(req, res, opts.storage.path(audio.key), audio.cacheControl);
    }
    const image = IMAGE_PATH.exec(url.pathname);
    if (image) return serve(req, res, opts.storage.path(`images/${image[1]}`), "public, max-age=31536000, immutable");
    return sendJson(res, 404, { error: "not found" });
  };
}

export const MEDIA_AUTH_PATH = "/media-auth";

/**
 * For a proxy that serves /media/ files itself (deploy/edge/): nginx's auth_request asks here
 * whether the URL it got (X-Original-URI) is a valid, live audio link before sending the file.
 * 204 with the Cache-Control to answer with, or 403. Images need no check.
 */
export function createMediaAuthRoute(opts: { signer: UrlSigner }) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const original = req.headers["x-original-uri"];
    const audio = typeof original === "string" ? signedAudio(original, opts.signer) : null;
    if (!audio) {
      sendJson(res, 403, { error: "This link is invalid or has expired." });
      return;
    }
    res.writeHead(204, { "cache-control": audio.cacheControl });
    res.end();
  };
}
