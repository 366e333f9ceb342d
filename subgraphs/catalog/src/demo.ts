// The catalog part of `pnpm start`'s demo data: on an empty catalog, a deterministic demo catalog
// (the demo artist account manages ten artists) and short tones as playable audio, stored under
// the same MEDIA_DIR the catalog service serves from.
import path from "node:path";
import type { DemoSeed } from "@melodi/kit";
import { createDb } from "./db.ts";
import { seedCatalog } from "./seed.ts";
import { seedDemoAudio } from "./media/demoAudio.ts";
import { createLocalStorage } from "./media/storage.ts";
import { configFromEnv } from "./main.ts";
import { mediaConfig } from "./media/config.ts";

export async function seedDemo({ databaseUrl, env, log, shared }: DemoSeed): Promise<void> {
  const db = createDb({ databaseUrl, poolSize: 2 });
  try {
    const started = performance.now();
    const catalog = await seedCatalog(db, { size: "demo", managerUserId: shared.demoArtistUserId });
    // Songs listeners may hear, for later seeds (library fills demo playlists with them).
    const listed = await db.song.findMany({
      where: { listed: true },
      select: { id: true, collectionId: true, primaryArtistId: true },
      orderBy: { id: "asc" },
      take: 400,
    });
    shared.demoListedSongs = JSON.stringify(
      listed.map((song) => ({ songId: song.id, collectionId: song.collectionId, artistId: song.primaryArtistId })),
    );
    if (!catalog) return;
    log(
      `seeded the demo catalog: ${catalog.artists} artists, ${catalog.collections} releases, ${catalog.songs} songs (${Math.round(performance.now() - started)} ms)`,
    );
    // The service's own reading of MEDIA_DIR and the rest, so the seed writes where it serves.
    const media = mediaConfig(configFromEnv(env).media);
    const playable = await seedDemoAudio(db, createLocalStorage(path.join(media.dir, "store")), media.ffmpegPath);
    log(`gave ${playable} demo songs playable audio (short tones)`);
  } finally {
    await db.$disconnect();
  }
}
