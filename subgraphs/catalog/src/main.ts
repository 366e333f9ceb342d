// Entry point of the catalog subgraph: settings from the environment (see README).
import { commonConfig } from "@melodi/kit";
import { startCatalog } from "./service.ts";
import type { MediaConfig } from "./media/config.ts";

const env = process.env;

const positive = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer.`);
  return n;
};

if (env.NODE_ENV === "production" && !env.MEDIA_URL_SECRET) throw new Error("MEDIA_URL_SECRET is not set (the key streaming URLs are signed with).");
// Unset (or empty) settings take media/config.ts's defaults.
const media: Partial<MediaConfig> = Object.fromEntries(
  Object.entries({
    dir: env.MEDIA_DIR || undefined,
    publicUrl: env.MEDIA_PUBLIC_URL || undefined,
    urlSecret: env.MEDIA_URL_SECRET || undefined,
    urlTtlSeconds: positive("MEDIA_URL_TTL_SECONDS", env.MEDIA_URL_TTL_SECONDS),
    maxAudioBytes: positive("MEDIA_MAX_AUDIO_BYTES", env.MEDIA_MAX_AUDIO_BYTES),
    maxImageBytes: positive("MEDIA_MAX_IMAGE_BYTES", env.MEDIA_MAX_IMAGE_BYTES),
    ffmpegPath: env.FFMPEG_PATH || undefined,
    ffprobePath: env.FFPROBE_PATH || undefined,
    worker: env.MEDIA_WORKER ? env.MEDIA_WORKER !== "false" : undefined,
    workerConcurrency: positive("MEDIA_WORKER_CONCURRENCY", env.MEDIA_WORKER_CONCURRENCY),
  }).filter(([, value]) => value !== undefined),
);

const service = await startCatalog({
  ...commonConfig(env),
  port: Number(env.PORT ?? 4002),
  host: env.HOST ?? "127.0.0.1",
  media,
  searchCacheTtlSeconds: env.SEARCH_CACHE_TTL_SECONDS === undefined ? undefined : Number(env.SEARCH_CACHE_TTL_SECONDS),
});
console.log(`catalog subgraph ready at ${service.url}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void service.stop().then(() => process.exit(0)));
}
