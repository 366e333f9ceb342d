// What a finished upload must be before it is accepted: its real type read from its bytes (never
// the client's file name or Content-Type), within the size limit of its kind, and for audio a
// stream that parses with a duration a song may have (1 s to 2 h).
import { fileTypeFromFile } from "file-type";
import { parseFile } from "music-metadata";

export type MediaKindName = "audio" | "image";

export interface MediaLimits {
  /** Largest audio upload, in bytes. */
  maxAudioBytes: number;
  /** Largest image upload, in bytes. */
  maxImageBytes: number;
}

export type CheckResult =
  | { ok: true; contentType: string; extension: string; durationMs: number | null }
  | { ok: false; reason: string /** HTTP status for the uploading client. */; status: 413 | 415 | 422 };

/** Detected extension → the extension files are stored and served under. */
const AUDIO: Record<string, string> = {
  mp3: "mp3",
  wav: "wav",
  flac: "flac",
  m4a: "m4a",
  aac: "aac",
  ogg: "ogg",
  opus: "ogg",
};
const IMAGE: Record<string, string> = { jpg: "jpg", png: "png", webp: "webp" };

export const MIN_DURATION_MS = 1000;
export const MAX_DURATION_MS = 7_200_000;

export function limitFor(kind: MediaKindName, limits: MediaLimits): number {
  return kind === "audio" ? limits.maxAudioBytes : limits.maxImageBytes;
}

export async function checkUpload(
  file: string,
  kind: MediaKindName,
  size: number,
  limits: MediaLimits,
): Promise<CheckResult> {
  if (size <= 0) return { ok: false, reason: "The file is empty.", status: 422 };
  const limit = limitFor(kind, limits);
  if (size > limit)
    return { ok: false, reason: `The file is larger than the ${kind} limit of ${limit} bytes.`, status: 413 };
  const type = await fileTypeFromFile(file).catch(() => undefined);
  const allowed = kind === "audio" ? AUDIO : IMAGE;
  const extension = type ? allowed[type.ext] : undefined;
  if (!type || !extension) {
    const expected = kind === "audio" ? "MP3, WAV, FLAC, M4A/AAC or Ogg audio" : "a JPEG, PNG or WebP image";
    return { ok: false, reason: `The file is not ${expected}${type ? ` (it is ${type.mime})` : ""}.`, status: 415 };
  }
  if (kind === "image") return { ok: true, contentType: type.mime, extension, durationMs: null };

  let seconds: number | undefined;
  try {
    seconds = (await parseFile(file, { duration: true, skipCovers: true })).format.duration;
  } catch {
    seconds = undefined;
  }
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0)
    return { ok: false, reason: "The audio could not be decoded: no duration found.", status: 422 };
  const durationMs = Math.round(seconds * 1000);
  if (durationMs < MIN_DURATION_MS) return { ok: false, reason: "The audio is shorter than 1 second.", status: 422 };
  if (durationMs > MAX_DURATION_MS) return { ok: false, reason: "The audio is longer than 2 hours.", status: 422 };
  return { ok: true, contentType: type.mime, extension, durationMs };
}
