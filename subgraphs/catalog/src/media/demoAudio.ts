// Playable audio for the demo catalog: a few short tones made once with ffmpeg (one per note,
// at each rendition's bitrate) and hard-linked as the renditions of demo songs, so Sandbox
// users get working streaming URLs without transcoding thousands of files at start-up.
import { execFile } from "node:child_process";
import { link, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Db } from "../db.ts";
import type { MediaStorage } from "./storage.ts";
import { renditionKey, RENDITIONS } from "./transcode.ts";

const run = promisify(execFile);
const NOTES_HZ = [262, 294, 330, 349, 392, 440];
const SECONDS = 8;

/**
 * Gives up to `limit` songs without audio (those of managed artists first) a READY audio;
 * returns how many. Songs keep their ids; their duration becomes the tone's.
 */
export async function seedDemoAudio(db: Db, storage: MediaStorage, ffmpegPath: string, limit = 200): Promise<number> {
  const songs = await db.$queryRaw<{ id: string }[]>`
    SELECT s.id FROM "catalog"."Song" s
    LEFT JOIN "catalog"."ArtistManager" m ON m."artistId" = s."primaryArtistId"
    WHERE s."audioId" IS NULL
    ORDER BY (m."userId" IS NULL), s."primaryArtistId", s."collectionId", s."trackNumber"
    LIMIT ${limit}`;
  if (songs.length === 0) return 0;

  const work = await mkdtemp(path.join(os.tmpdir(), "melodi-demo-audio-"));
  try {
    const tones: string[][] = [];
    for (const [n, hz] of NOTES_HZ.entries()) {
      tones.push([]);
      for (const { kbps } of RENDITIONS) {
        const file = path.join(work, `${n}-${kbps}.mp3`);
        await run(ffmpegPath, [
          "-v",
          "error",
          "-f",
          "lavfi",
          "-i",
          `sine=frequency=${hz}:duration=${SECONDS}`,
          "-ac",
          "2",
          "-b:a",
          `${kbps}k`,
          file,
        ]);
        tones[n]!.push(file);
      }
    }
    const audios = songs.map((song, i) => ({ id: crypto.randomUUID(), songId: song.id, tone: i % NOTES_HZ.length }));
    for (const audio of audios) {
      for (const [r, { kbps }] of RENDITIONS.entries()) {
        const target = storage.path(renditionKey(audio.id, kbps));
        await mkdir(path.dirname(target), { recursive: true });
        await link(tones[audio.tone]![r]!, target);
      }
    }
    await db.$transaction([
      db.songAudio.createMany({
        data: audios.map((a) => ({
          id: a.id,
          songId: a.songId,
          uploadId: crypto.randomUUID(),
          status: "READY" as const,
          durationMs: SECONDS * 1000,
          originalKey: renditionKey(a.id, 320),
        })),
      }),
      db.$executeRaw`UPDATE "catalog"."Song" AS s SET "audioId" = v.audio, "audioStatus" = 'READY', "durationMs" = ${SECONDS * 1000}
        FROM unnest(${audios.map((a) => a.songId)}::uuid[], ${audios.map((a) => a.id)}::uuid[]) AS v(song, audio) WHERE s.id = v.song`,
    ]);
    return audios.length;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
