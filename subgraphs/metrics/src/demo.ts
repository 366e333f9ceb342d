// The metrics part of `pnpm start`'s demo data: on an empty metrics database, three weeks of
// listening by the demo listeners over the demo catalog's listed songs, folded by the same
// rollup, ranking and similarity jobs the service runs, so charts, statistics, "recently
// played", recommendations and friend activity have something to show at once. The ids come
// from the earlier seeds (users' demoUsers, catalog's demoListedSongs in `shared`); what metrics
// knows of those songs and artists is written as version 0, which catalog's events (the real
// durations, genres and listing) overwrite once the services run. The demo listeners follow each
// other (users' demo), so metrics' follow graph gets those pairs too.
import { randomUUID } from "node:crypto";
import type { DemoSeed } from "@melodi/kit";
import { createDb } from "./db.ts";
import { rollUp } from "./rollups/rollup.ts";
import { computeRankings } from "./rankings/compute.ts";
import { computeSimilar } from "./recommendations/compute.ts";

interface DemoUser {
  id: string;
}
interface DemoSong {
  songId: string;
  collectionId: string;
  artistId: string;
}

const DURATION_MS = 200_000;
const DAYS = 21;

/** A small deterministic generator, so every fresh demo is the same. */
function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export async function seedDemo({ databaseUrl, log, shared }: DemoSeed): Promise<void> {
  const users = JSON.parse(shared.demoUsers ?? "[]") as DemoUser[];
  const songs = (JSON.parse(shared.demoListedSongs ?? "[]") as DemoSong[]).slice(0, 120);
  if (users.length === 0 || songs.length === 0) {
    log("metrics: no demo accounts or songs to listen with; skipped");
    return;
  }
  const db = createDb({ databaseUrl, poolSize: 2 });
  try {
    if ((await db.play.count()) > 0) return;
    const started = performance.now();
    const random = prng(20261204);
    const artists = [...new Set(songs.map((s) => s.artistId))];
    await db.$executeRawUnsafe(
      `INSERT INTO "metrics"."ArtistRecord" ("id", "name", "listed", "version")
       SELECT a, 'Demo artist', true, 0 FROM unnest($1::uuid[]) a ON CONFLICT DO NOTHING`,
      artists,
    );
    await db.$executeRawUnsafe(
      `INSERT INTO "metrics"."SongRecord" ("id", "collectionId", "artistIds", "genreIds", "durationMs", "listed", "version")
       SELECT s, c, ARRAY[a], '{}', ${DURATION_MS}, true, 0 FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS t(s, c, a)
       ON CONFLICT DO NOTHING`,
      songs.map((s) => s.songId),
      songs.map((s) => s.collectionId),
      songs.map((s) => s.artistId),
    );
    // Each listener favours a slice of the songs (so similar songs and "for you" have pairs to
    // find), and plays a few a day; most plays complete, some are skipped at 40 s.
    const plays: { id: string; userId: string; songId: string; at: Date; position: number }[] = [];
    for (const [u, user] of users.entries()) {
      const favourites = songs.filter((_, i) => (i + u * 7) % 3 !== 0);
      for (let day = DAYS; day >= 0; day--) {
        const count = 2 + Math.floor(random() * 5);
        for (let n = 0; n < count; n++) {
          const song = favourites[Math.floor(random() ** 2 * favourites.length)]!;
          const at = new Date(Date.now() - day * 86400_000 - Math.floor(random() * 20 * 3600_000) - 3600_000);
          plays.push({
            id: randomUUID(),
            userId: user.id,
            songId: song.songId,
            at,
            position: random() < 0.2 ? 40_000 : 190_000,
          });
        }
      }
    }
    const artistOf = new Map(songs.map((s) => [s.songId, s.artistId]));
    await db.$transaction(async (tx) => {
      const column = <T>(f: (p: (typeof plays)[number]) => T) => plays.map(f);
      await tx.$executeRawUnsafe(
        `INSERT INTO "metrics"."ListeningEvent" ("id", "at", "userId", "clientEventId", "playbackId", "songId", "kind", "positionMs", "device")
         SELECT gen_random_uuid(), t.at, t.u, t.p::text, t.p::text, t.s, 'ENDED', t.pos, 'demo'
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamp[], $5::int[]) AS t(p, u, s, at, pos)`,
        column((p) => p.id),
        column((p) => p.userId),
        column((p) => p.songId),
        column((p) => p.at.toISOString()),
        column((p) => p.position),
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO "metrics"."Play" ("id", "userId", "playbackId", "songId", "durationMs", "startedAt", "lastAt", "maxPositionMs",
           "countedAt", "completed", "ended", "skipped")
         SELECT t.p, t.u, t.p::text, t.s, ${DURATION_MS}, t.at, t.at + t.pos * interval '1 millisecond', t.pos, t.at,
           t.pos >= ${DURATION_MS * 0.8}, true, t.pos < ${DURATION_MS * 0.5}
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamp[], $5::int[]) AS t(p, u, s, at, pos)`,
        column((p) => p.id),
        column((p) => p.userId),
        column((p) => p.songId),
        column((p) => p.at.toISOString()),
        column((p) => p.position),
      );
      // What the rollup job folds, as trackPlayback would have written it.
      await tx.$executeRawUnsafe(
        `INSERT INTO "metrics"."PlayDelta" ("songId", "userId", "artistIds", "genreIds", "day", "plays", "completions", "skips")
         SELECT t.s, t.u, ARRAY[t.a], '{}', t.at::date, 1, (t.pos >= ${DURATION_MS * 0.8})::int, (t.pos < ${DURATION_MS * 0.5})::int
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamp[], $5::int[]) AS t(s, u, a, at, pos)`,
        column((p) => p.songId),
        column((p) => p.userId),
        column((p) => artistOf.get(p.songId)!),
        column((p) => p.at.toISOString()),
        column((p) => p.position),
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO "metrics"."Follow" ("followerId", "followeeId", "following", "at")
         SELECT a, b, true, now() AT TIME ZONE 'UTC' - interval '30 days' FROM unnest($1::uuid[]) a, unnest($1::uuid[]) b WHERE a <> b
         ON CONFLICT DO NOTHING`,
        users.map((u) => u.id),
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO "metrics"."LastActivity" ("userId", "songId", "at", "playing")
         SELECT DISTINCT ON ("userId") "userId", "songId", "lastAt", false FROM "metrics"."Play" ORDER BY "userId", "lastAt" DESC
         ON CONFLICT DO NOTHING`,
      );
    });
    await rollUp(db);
    await computeRankings(db);
    await computeSimilar(db);
    log(
      `seeded the demo listening: ${plays.length} plays by ${users.length} listeners over ${DAYS + 1} days (${Math.round(performance.now() - started)} ms)`,
    );
  } finally {
    await db.$disconnect();
  }
}
