// Audio transcoding on BullMQ (ARCHITECTURE.md §7): one job per attached audio makes the three MP3
// renditions (64, 128 and 320 kbps) with ffmpeg, checks each with ffprobe, and only then
// publishes the audio on its song in one transaction, so a song never plays half-made audio.
// A failing job is retried with exponential backoff; after its last attempt the audio is FAILED
// and the song keeps the audio it had. Jobs are idempotent (one job id per audio, and an audio
// that is no longer PROCESSING is skipped), so any number of workers may run, in the catalog
// process (the default) or elsewhere.
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { parseFile } from "music-metadata";
import { withTimeout, type Jobs, type Logger } from "@melodi/kit";
import type { Db } from "../db.ts";
import type { MediaStorage } from "./storage.ts";

export const RENDITIONS = [
  { quality: "low", kbps: 64 },
  { quality: "medium", kbps: 128 },
  { quality: "high", kbps: 320 },
] as const;
export type Kbps = (typeof RENDITIONS)[number]["kbps"];

export const renditionKey = (audioId: string, kbps: Kbps) => `audio/${audioId}/${kbps}.mp3`;

const QUEUE = "catalog-media";

export interface TranscodeOptions {
  db: Db;
  storage: MediaStorage;
  log: Logger;
  /** The service's job set (its queues share one connection and the deployment's prefix). */
  jobs: Jobs;
  ffmpegPath: string;
  ffprobePath: string;
  /** Scratch folder for renditions being written. */
  workDir: string;
  /** Run a worker in this process. */
  worker: boolean;
  concurrency?: number;
  attempts?: number;
  backoffMs?: number;
}

export interface Transcoder {
  /** Queues the transcoding of an audio (idempotent). */
  enqueue(audioId: string): Promise<void>;
}

interface JobData {
  audioId: string;
}

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const detail = String(stderr || err.message)
          .trim()
          .split("\n")
          .slice(-3)
          .join(" | ");
        reject(new Error(`${path.basename(file)} failed: ${detail}`.slice(0, 400)));
      } else resolve(stdout);
    });
  });
}

/**
 * A file's duration in ms, from ffprobe; from music-metadata when ffprobe cannot run (pnpm
 * installs @ffprobe-installer's binary without its execute bit, and its chmod script is skipped).
 */
async function probeDuration(ffprobePath: string | null, file: string): Promise<number> {
  let seconds: number | undefined;
  if (ffprobePath) {
    const out = await run(
      ffprobePath,
      ["-v", "error", "-print_format", "json", "-show_entries", "format=duration", file],
      60_000,
    );
    seconds = Number((JSON.parse(out) as { format?: { duration?: string } }).format?.duration);
  } else {
    seconds = (await parseFile(file, { duration: true })).format.duration;
  }
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) throw new Error("rendition has no duration");
  return seconds * 1000;
}

async function executable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

export function createTranscoder(opts: TranscodeOptions): Transcoder {
  const queue = opts.jobs.queue<JobData>(QUEUE, {
    attempts: Math.max(1, opts.attempts ?? 3),
    backoff: { type: "exponential", delay: opts.backoffMs ?? 5000 },
    // A failed transcode is on its audio row (FAILED, with the error): its job is kept a week.
    removeOnFail: { age: 7 * 24 * 3600 },
  });

  const ffprobe = (async () => {
    if (await executable(opts.ffprobePath)) return opts.ffprobePath;
    opts.log.warn(
      { ffprobePath: opts.ffprobePath },
      "ffprobe is not executable: renditions are checked with music-metadata",
    );
    return null;
  })();

  async function transcode(audioId: string): Promise<void> {
    const audio = await opts.db.songAudio.findUnique({ where: { id: audioId } });
    if (audio?.status !== "PROCESSING") return;
    const input = opts.storage.path(audio.originalKey);
    await mkdir(opts.workDir, { recursive: true });
    const scratch = await mkdtemp(path.join(opts.workDir, `${audioId}-`));
    try {
      for (const { kbps } of RENDITIONS) {
        const out = path.join(scratch, `${kbps}.mp3`);
        await run(
          opts.ffmpegPath,
          [
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-y",
            "-i",
            input,
            "-vn",
            "-map_metadata",
            "-1",
            "-ac",
            "2",
            "-ar",
            "44100",
            "-codec:a",
            "libmp3lame",
            "-b:a",
            `${kbps}k`,
            "-f",
            "mp3",
            out,
          ],
          15 * 60_000,
        );
        const ms = await probeDuration(await ffprobe, out);
        if (Math.abs(ms - audio.durationMs) > Math.max(2000, audio.durationMs * 0.05))
          throw new Error(`the ${kbps} kbps rendition lasts ${Math.round(ms)} ms, the original ${audio.durationMs} ms`);
      }
      for (const { kbps } of RENDITIONS)
        await opts.storage.put(renditionKey(audioId, kbps), path.join(scratch, `${kbps}.mp3`));
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    await publish(audioId);
  }

  /** All three renditions exist: the audio becomes the song's, unless a newer one was attached. */
  async function publish(audioId: string): Promise<void> {
    const replaced = await opts.db.$transaction(async (tx) => {
      const audio = await tx.songAudio.update({ where: { id: audioId }, data: { status: "READY", error: null } });
      const latest = await tx.songAudio.findFirst({
        where: { songId: audio.songId },
        orderBy: { createdAt: "desc" },
        select: { id: true },
      });
      if (latest?.id !== audioId) return audioId; // superseded: never played
      const song = await tx.song.findUnique({ where: { id: audio.songId }, select: { audioId: true } });
      await tx.song.update({
        where: { id: audio.songId },
        data: { audioId, audioStatus: "READY", durationMs: audio.durationMs },
      });
      return song?.audioId ?? null;
    });
    if (replaced) await removeAudio(replaced);
    opts.log.info({ audioId }, "audio ready");
  }

  async function removeAudio(audioId: string) {
    await Promise.all(RENDITIONS.map(({ kbps }) => opts.storage.remove(renditionKey(audioId, kbps)))).catch(() => {});
  }

  async function fail(audioId: string, error: string): Promise<void> {
    await opts.db.$transaction(async (tx) => {
      const audio = await tx.songAudio.update({
        where: { id: audioId },
        data: { status: "FAILED", error: error.slice(0, 500) },
      });
      const latest = await tx.songAudio.findFirst({
        where: { songId: audio.songId },
        orderBy: { createdAt: "desc" },
        select: { id: true },
      });
      if (latest?.id === audioId)
        await tx.song.update({ where: { id: audio.songId }, data: { audioStatus: "FAILED" } });
    });
    await removeAudio(audioId);
  }

  if (opts.worker) {
    // The jobs helper logs each failed attempt; the last one also marks the audio FAILED.
    opts.jobs.worker<JobData>(QUEUE, (job) => transcode(job.data.audioId), {
      concurrency: opts.concurrency ?? 1,
      describe: (job) => ({ audioId: job.data.audioId }),
      onLastFailure: (job, err) => fail(job.data.audioId, err instanceof Error ? err.message : String(err)),
    });
    // Audio left PROCESSING for a while (its job lost, e.g. Redis was down when it was attached)
    // is queued again: the job id makes this a no-op for jobs that still exist.
    void opts.db.songAudio
      .findMany({
        where: { status: "PROCESSING", createdAt: { lt: new Date(Date.now() - 10 * 60_000) } },
        select: { id: true },
        take: 1000,
      })
      .then((rows) => Promise.all(rows.map((row) => enqueue(row.id))))
      .catch((err: unknown) => opts.log.error({ err }, "could not re-queue pending audio"));
  }

  async function enqueue(audioId: string): Promise<void> {
    // Bounded: a request waits at most a second for a Redis that is away (the song stays
    // PROCESSING, and a worker starting later queues it again, above).
    await withTimeout(
      queue.add("transcode", { audioId }, { jobId: `audio-${audioId}` }),
      1000,
      "Redis did not take the job",
    );
  }

  return { enqueue };
}
