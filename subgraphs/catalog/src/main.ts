// Entry point of the catalog subgraph. configFromEnv reads the settings (README "Configuration");
// the dev stack and tests call configFromEnv and start the same way (scripts/stack.ts).
import { commonConfig, positiveIntEnv, stopOnSignals } from "@melodi/kit";
import { startCatalog, type CatalogConfig } from "./service.ts";
import type { MediaConfig } from "./media/config.ts";

export function configFromEnv(env: NodeJS.ProcessEnv): CatalogConfig {
  if (env.NODE_ENV === "production" && !env.MEDIA_URL_SECRET)
    throw new Error("MEDIA_URL_SECRET is not set (the key streaming URLs are signed with).");
  // Unset (or empty) settings take media/config.ts's defaults.
  const media: Partial<MediaConfig> = Object.fromEntries(
    Object.entries({
      dir: env.MEDIA_DIR || undefined,
      publicUrl: env.MEDIA_PUBLIC_URL || undefined,
      urlSecret: env.MEDIA_URL_SECRET || undefined,
      urlTtlSeconds: positiveIntEnv(env, "MEDIA_URL_TTL_SECONDS"),
      maxAudioBytes: positiveIntEnv(env, "MEDIA_MAX_AUDIO_BYTES"),
      maxImageBytes: positiveIntEnv(env, "MEDIA_MAX_IMAGE_BYTES"),
      ffmpegPath: env.FFMPEG_PATH || undefined,
      ffprobePath: env.FFPROBE_PATH || undefined,
      worker: env.MEDIA_WORKER ? env.MEDIA_WORKER !== "false" : undefined,
      workerConcurrency: positiveIntEnv(env, "MEDIA_WORKER_CONCURRENCY"),
    }).filter(([, value]) => value !== undefined),
  );
  return {
    ...commonConfig(env, "catalog"),
    media,
    searchCacheTtlSeconds:
      env.SEARCH_CACHE_TTL_SECONDS === undefined ? undefined : Number(env.SEARCH_CACHE_TTL_SECONDS),
  };
}

export const start = startCatalog;

if (import.meta.main) {
  const service = await start(configFromEnv(process.env));
  console.log(`catalog subgraph ready at ${service.url}`);
  stopOnSignals(service);
}
