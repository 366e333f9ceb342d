// Media settings (README "Configuration"): main.ts reads them from the environment, tests pass
// their own; everything has a default but the URL secret in production.
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";

export interface MediaConfig {
  /** Root folder of media storage and of uploads in progress (MEDIA_DIR). */
  dir: string;
  /** Base URL clients reach this service's /media/ routes at (MEDIA_PUBLIC_URL); default: its own address. */
  publicUrl?: string;
  /** HMAC secret of streaming URLs (MEDIA_URL_SECRET). */
  urlSecret: string;
  /** How long a streaming URL stays valid (MEDIA_URL_TTL_SECONDS). */
  urlTtlSeconds: number;
  maxAudioBytes: number;
  maxImageBytes: number;
  ffmpegPath: string;
  ffprobePath: string;
  /** Run a transcoding worker in this process (MEDIA_WORKER). */
  worker: boolean;
  workerConcurrency: number;
  jobAttempts: number;
  jobBackoffMs: number;
}

const require = createRequire(import.meta.url);

/** The ffmpeg and ffprobe binaries inside the registry packages (@ffmpeg-installer, @ffprobe-installer). */
function packagedBinary(name: "@ffmpeg-installer/ffmpeg" | "@ffprobe-installer/ffprobe"): string {
  try {
    return (require(name) as { path: string }).path;
  } catch {
    return name.includes("ffmpeg/") ? "ffmpeg" : "ffprobe";
  }
}

export function mediaConfig(given: Partial<MediaConfig> = {}): MediaConfig {
  return {
    dir: path.resolve(given.dir ?? ".data/media"),
    publicUrl: given.publicUrl?.replace(/\/+$/, ""),
    // A random secret per process is only good for one local instance (links die on restart).
    urlSecret: given.urlSecret ?? randomBytes(32).toString("hex"),
    urlTtlSeconds: given.urlTtlSeconds ?? 3600,
    maxAudioBytes: given.maxAudioBytes ?? 200 * 1024 * 1024,
    maxImageBytes: given.maxImageBytes ?? 10 * 1024 * 1024,
    ffmpegPath: given.ffmpegPath ?? packagedBinary("@ffmpeg-installer/ffmpeg"),
    ffprobePath: given.ffprobePath ?? packagedBinary("@ffprobe-installer/ffprobe"),
    worker: given.worker ?? true,
    workerConcurrency: given.workerConcurrency ?? 1,
    jobAttempts: given.jobAttempts ?? 3,
    jobBackoffMs: given.jobBackoffMs ?? 5000,
  };
}
