// Raw tus 1.0.0 requests for tests that need to place each one (which replica, through which
// proxy, stopping mid-body), and a short real MP3 to upload.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mediaConfig } from "../../subgraphs/catalog/src/media/config.ts";

export const TUS = { "tus-resumable": "1.0.0" } as const;
export const AUDIO_METADATA = `kind ${Buffer.from("audio").toString("base64")}`;

/** A sine tone encoded as 128 kbps MP3 by the real ffmpeg, written to `file`; its bytes. */
export function tone(file: string, frequency: number, seconds: number): Buffer {
  execFileSync(mediaConfig().ffmpegPath, [
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `sine=frequency=${frequency}:duration=${seconds}`,
    "-b:a",
    "128k",
    file,
  ]);
  return readFileSync(file);
}

/** The headers of a signed-in tus request. */
export const tusAuth = (accessToken: string) => ({ ...TUS, authorization: `Bearer ${accessToken}` });

/** POST: creates an audio upload of `length` bytes at `base`/uploads/. */
export const createAudioUpload = (base: string, headers: Record<string, string>, length: number) =>
  fetch(`${base}/uploads/`, {
    method: "POST",
    headers: { ...headers, "upload-length": String(length), "upload-metadata": AUDIO_METADATA },
  });

/** PATCH: sends `body` at `offset` to the upload at `url`. */
export const patchUpload = (url: string, headers: Record<string, string>, offset: number, body: Buffer) =>
  fetch(url, {
    method: "PATCH",
    headers: { ...headers, "upload-offset": String(offset), "content-type": "application/offset+octet-stream" },
    body,
  });
