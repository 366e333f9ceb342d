// trackPlayback: the app's listening reports, kept once each (by client id and time), turned
// into plays by the rules (rules.ts) in the same transaction, with what the rollups must add.
// A batch is validated whole first: one bad report refuses the batch, and nothing is written.
import { isUuid, requireViewer, type UserError } from "@melodi/kit";
import { z } from "zod";
import type { Context } from "../context.ts";
import type { Resolvers, UserErrorCode } from "../generated/graphql.ts";
import { fail } from "../errors.ts";
import { codeOf, parseInput } from "../validation.ts";
import { advance, type PlayState } from "./rules.ts";
import { announceActivity, keepActivity } from "../friends/activity.ts";
import type { ActivityModel } from "../models.ts";

export const MAX_BATCH = 100;
/** Reports older than this are refused: a phone that was offline longer lost them. */
export const ACCEPT_DAYS = 7;
/** A device clock this far ahead is still taken as now. */
const FUTURE_SLACK_MS = 60_000;
/** A position this far past the song's length is rounding (the app's timer against the file's). */
const POSITION_SLACK_MS = 2000;

const reportInput = z.object({
  clientEventId: z.string().min(1, { error: "Give the report an id." }).max(100, { error: "At most 100 characters." }),
  playbackId: z.string().min(1, { error: "Give the playback an id." }).max(100, { error: "At most 100 characters." }),
  // Lower case: a uuid in upper case names the same song.
  songId: z
    .string()
    .refine(isUuid, { error: "Not a valid id." })
    .transform((id) => id.toLowerCase()),
  kind: z.enum(["STARTED", "PROGRESS", "ENDED"]),
  positionMs: z.number().int().min(0, { error: "Position must be 0 or more." }),
  at: z
    .date()
    .refine((d) => d.getTime() <= Date.now() + FUTURE_SLACK_MS, { error: "The time is in the future." })
    .refine((d) => d.getTime() >= Date.now() - ACCEPT_DAYS * 86400_000, {
      error: `Reports older than ${ACCEPT_DAYS} days are not taken.`,
    }),
  device: z.string().max(100, { error: "At most 100 characters." }).nullish(),
});

const batchInput = z.object({
  events: z
    .array(z.unknown())
    .min(1, { error: "Give at least one report." })
    .max(MAX_BATCH, { error: `At most ${MAX_BATCH} reports at once.` }),
});

type Report = z.output<typeof reportInput>;

interface PlayRowState extends PlayState {
  id: string;
  playbackId: string;
  songId: string;
  durationMs: number;
}

export const resolvers: Resolvers<Context> = {
  Mutation: {
    async trackPlayback(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const batch = parseInput(batchInput, input);
      if (!batch.ok) return { accepted: null, duplicates: null, userErrors: batch.userErrors };
      // Each report on its own, so one answer names every report at fault (its shape and time
      // here, its song and position below).
      const shapeErrors: UserError<UserErrorCode>[] = [];
      const reports: (Report | null)[] = batch.value.events.map((item, i) => {
        const one = reportInput.safeParse(item);
        if (one.success) return one.data;
        for (const issue of one.error.issues)
          shapeErrors.push(
            fail(codeOf(issue), issue.message, ["input", "events", String(i), ...issue.path.map(String)]),
          );
        return null;
      });

      // What each report is about must exist, be listed, and fit it; the playbacks already made,
      // and whether the listener is in a private session: one statement.
      const known = await readContext(ctx, viewer.id, valid(reports));
      const songs = new Map(known.songs.map((song) => [song.id, song]));
      const existing = new Map(known.plays.map((p) => [p.playbackId, p.songId]));
      const songOfPlayback = new Map(existing);
      const errors = reports.flatMap((r, i) => {
        if (!r) return [];
        const at = (field: string) => ["input", "events", String(i), field];
        const song = songs.get(r.songId);
        // A hidden song answers as an unknown one: nothing is counted for it.
        if (!song?.listed || song.durationMs <= 0)
          return [fail("SONG_NOT_FOUND", "No song with this id.", at("songId"))];
        if (r.positionMs > song.durationMs + POSITION_SLACK_MS)
          return [fail("INVALID_POSITION", "The position is past the song's end.", at("positionMs"))];
        const made = songOfPlayback.get(r.playbackId);
        if (made && made !== r.songId)
          return [fail("PLAYBACK_MISMATCH", "This playback is of another song.", at("playbackId"))];
        songOfPlayback.set(r.playbackId, r.songId);
        return [];
      });
      if (shapeErrors.length || errors.length) {
        // In the order of the reports.
        const all = [...shapeErrors, ...errors].sort((a, b) => Number(a.field?.[2]) - Number(b.field?.[2]));
        return { accepted: null, duplicates: null, userErrors: all };
      }
      const good = valid(reports);

      // The same report twice in one batch is one report.
      const unique = [...new Map(good.map((r) => [`${r.clientEventId}|${r.at.getTime()}`, r])).values()];
      const hidden = known.privateSession;
      let activity: ActivityModel | undefined;
      // Rows are written in one order whatever the batch's (by client id and time, playbacks by
      // id), so two batches of one listener lock them alike and never deadlock.
      const ordered = [...unique].sort((a, b) =>
        a.clientEventId === b.clientEventId
          ? a.at.getTime() - b.at.getTime()
          : a.clientEventId < b.clientEventId
            ? -1
            : 1,
      );
      let accepted: number;
      try {
        accepted = await ctx.db.$transaction(async (tx) => {
          const kept = await tx.$queryRawUnsafe<{ clientEventId: string; at: Date }[]>(
            `INSERT INTO "metrics"."ListeningEvent" ("id", "at", "userId", "clientEventId", "playbackId", "songId", "kind", "positionMs", "device", "receivedAt")
           SELECT gen_random_uuid(), e.at, $1::uuid, e.cid, e.pid, e.sid, e.kind::"metrics"."PlaybackKind", e.pos, e.dev, now() AT TIME ZONE 'UTC'
           FROM unnest($2::timestamp[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::int[], $8::text[])
             AS e(at, cid, pid, sid, kind, pos, dev)
           ON CONFLICT ("userId", "clientEventId", "at") DO NOTHING
           RETURNING "clientEventId", "at"`,
            viewer.id,
            ordered.map((r) => r.at.toISOString()),
            ordered.map((r) => r.clientEventId),
            ordered.map((r) => r.playbackId),
            ordered.map((r) => r.songId),
            ordered.map((r) => r.kind),
            ordered.map((r) => r.positionMs),
            ordered.map((r) => r.device ?? null),
          );
          const keptKeys = new Set(kept.map((k) => `${k.clientEventId}|${new Date(k.at).getTime()}`));
          const fresh = unique.filter((r) => keptKeys.has(`${r.clientEventId}|${r.at.getTime()}`));
          if (fresh.length) await applyToPlays(tx, viewer.id, fresh, songs, hidden);
          // What the listener's friends see: the latest report, the later in the batch on a tie
          // (none from a private session).
          const latest = fresh.reduce<Report | undefined>((a, r) => (!a || r.at >= a.at ? r : a), undefined);
          if (latest && !hidden) {
            activity = { userId: viewer.id, songId: latest.songId, at: latest.at, playing: latest.kind !== "ENDED" };
            await keepActivity(tx, activity);
          }
          return fresh.length;
        });
      } catch (err) {
        // Another request made this playback for another song meanwhile (checked above against
        // what was committed; here against the locked row): nothing of this batch is kept.
        if (!(err instanceof PlaybackMismatch)) throw err;
        const i = good.findIndex((r) => r.playbackId === err.playbackId);
        return {
          accepted: null,
          duplicates: null,
          userErrors: [
            fail("PLAYBACK_MISMATCH", "This playback is of another song.", [
              "input",
              "events",
              String(i),
              "playbackId",
            ]),
          ],
        };
      }
      if (activity)
        await announceActivity(ctx.pubsub, activity).catch((err: unknown) =>
          ctx.log.warn({ err }, "friend activity not published"),
        );
      return { accepted, duplicates: good.length - accepted, userErrors: [] };
    },
  },
};

const valid = (reports: (Report | null)[]) => reports.filter((r): r is Report => r !== null);

type Tx = Parameters<Parameters<Context["db"]["$transaction"]>[0]>[0];

interface KnownSong {
  id: string;
  durationMs: number;
  listed: boolean;
  artistIds: string[];
  genreIds: string[];
}

/** The reports' songs, the listener's playbacks among them already made, the private switch. */
async function readContext(ctx: Context, userId: string, reports: Report[]) {
  const [row] = await ctx.db.$queryRawUnsafe<
    { songs: KnownSong[]; plays: { playbackId: string; songId: string }[]; privateSession: boolean }[]
  >(
    `SELECT
       coalesce((SELECT json_agg(json_build_object('id', s."id", 'durationMs', s."durationMs", 'listed', s."listed",
         'artistIds', s."artistIds", 'genreIds', s."genreIds")) FROM "metrics"."SongRecord" s WHERE s."id" = ANY($1::uuid[])), '[]') AS songs,
       coalesce((SELECT json_agg(json_build_object('playbackId', p."playbackId", 'songId', p."songId"))
         FROM "metrics"."Play" p WHERE p."userId" = $2::uuid AND p."playbackId" = ANY($3::text[])), '[]') AS plays,
       coalesce((SELECT "privateSession" FROM "metrics"."ListenerSettings" WHERE "userId" = $2::uuid), false) AS "privateSession"`,
    [...new Set(reports.map((r) => r.songId))],
    userId,
    [...new Set(reports.map((r) => r.playbackId))],
  );
  return row!;
}

class PlaybackMismatch extends Error {
  readonly playbackId: string;
  constructor(playbackId: string) {
    super(`playback ${playbackId} is of another song`);
    this.playbackId = playbackId;
  }
}

/**
 * The new reports' playbacks, locked (made first if new, so two requests about one new playback
 * meet on one row), advanced by the rules, written back with what the rollups must add.
 */
async function applyToPlays(
  tx: Tx,
  userId: string,
  fresh: Report[],
  songs: Map<string, { durationMs: number; artistIds: string[]; genreIds: string[] }>,
  /** In a private session: kept out of others' recommendations. */
  privateSession: boolean,
) {
  const byPlayback = new Map<string, Report[]>();
  for (const r of fresh) byPlayback.set(r.playbackId, [...(byPlayback.get(r.playbackId) ?? []), r]);
  const ids = [...byPlayback.keys()].sort();
  const first = ids.map((id) => byPlayback.get(id)![0]!);
  // Made if new, locked either way, and read back, in one statement (the no-op update is what
  // locks an existing row and lets RETURNING give it).
  const plays = await tx.$queryRawUnsafe<PlayRowState[]>(
    `INSERT INTO "metrics"."Play" AS p ("id", "userId", "playbackId", "songId", "durationMs", "startedAt", "lastAt", "maxPositionMs")
     SELECT gen_random_uuid(), $1::uuid, n.pid, n.sid, n.duration, n.at, n.at, 0
     FROM unnest($2::text[], $3::uuid[], $4::int[], $5::timestamp[]) AS n(pid, sid, duration, at)
     ON CONFLICT ("userId", "playbackId") DO UPDATE SET "playbackId" = EXCLUDED."playbackId"
     RETURNING p."id"::text AS id, p."playbackId", p."songId"::text AS "songId", p."durationMs", p."startedAt", p."lastAt",
       p."maxPositionMs", p."countedAt", p."completed", p."ended", p."skipped"`,
    userId,
    ids,
    first.map((r) => r.songId),
    first.map((r) => songs.get(r.songId)!.durationMs),
    first.map((r) => r.at.toISOString()),
  );
  const now = new Date();
  const updates: (PlayState & { id: string })[] = [];
  const deltas: { songId: string; day: string; plays: number; completions: number; skips: number }[] = [];
  for (const play of plays)
    if (byPlayback.get(play.playbackId)!.some((r) => r.songId !== play.songId))
      throw new PlaybackMismatch(play.playbackId);
  for (const play of plays) {
    // A row just made is a playback with nothing heard yet: the same as none.
    const { state, delta } = advance(play, byPlayback.get(play.playbackId)!, play.durationMs, now);
    updates.push({ id: play.id, ...state });
    if (delta.plays || delta.completions || delta.skips)
      // The day it was heard (UTC), not the day it reached us: a phone that was offline catches
      // up on the days its plays happened.
      deltas.push({ songId: play.songId, day: state.startedAt.toISOString().slice(0, 10), ...delta });
  }
  // The plays and what the rollups must add, in one statement (no delta: the INSERT adds nothing).
  // A song's artists and genres travel as comma-joined lists (unnest cannot take ragged arrays).
  await tx.$executeRawUnsafe(
    `WITH u AS (
       UPDATE "metrics"."Play" p SET "startedAt" = u.started, "lastAt" = u.last, "maxPositionMs" = u.pos, "countedAt" = u.counted,
         "completed" = u.completed, "ended" = u.ended, "skipped" = u.skipped
       FROM unnest($1::uuid[], $2::timestamp[], $3::timestamp[], $4::int[], $5::timestamp[], $6::bool[], $7::bool[], $8::bool[])
         AS u(id, started, last, pos, counted, completed, ended, skipped)
       WHERE p."id" = u.id)
     INSERT INTO "metrics"."PlayDelta" ("songId", "userId", "artistIds", "genreIds", "day", "plays", "completions", "skips", "private")
     SELECT d.song, $9::uuid, coalesce(string_to_array(nullif(d.artists, ''), ',')::uuid[], '{}'),
       coalesce(string_to_array(nullif(d.genres, ''), ',')::uuid[], '{}'), d.day, d.plays, d.completions, d.skips, $17
     FROM unnest($10::uuid[], $11::text[], $12::text[], $13::date[], $14::int[], $15::int[], $16::int[])
       AS d(song, artists, genres, day, plays, completions, skips)`,
    updates.map((u) => u.id),
    updates.map((u) => u.startedAt.toISOString()),
    updates.map((u) => u.lastAt.toISOString()),
    updates.map((u) => u.maxPositionMs),
    updates.map((u) => u.countedAt?.toISOString() ?? null),
    updates.map((u) => u.completed),
    updates.map((u) => u.ended),
    updates.map((u) => u.skipped),
    userId,
    deltas.map((d) => d.songId),
    deltas.map((d) => songs.get(d.songId)?.artistIds.join(",") ?? ""),
    deltas.map((d) => songs.get(d.songId)?.genreIds.join(",") ?? ""),
    deltas.map((d) => d.day),
    deltas.map((d) => d.plays),
    deltas.map((d) => d.completions),
    deltas.map((d) => d.skips),
    privateSession,
  );
}
