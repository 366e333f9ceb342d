// The listening rules (the streaming reference): a play counts once the listener reached 3 s, is
// completed at 80 % of the song, and is skipped when it ended before 50 %. Positions stand for
// time listened (a seek forward counts as listening: what the app reports is all we know).
// Pure: a playback's state and its new events in, the new state and what the rollups must add
// out. Events may arrive in any order, twice (filtered before), or from two devices.

export const COUNT_AFTER_MS = 3000;
export const COMPLETE_SHARE = 0.8;
export const SKIP_BEFORE_SHARE = 0.5;

export interface PlaybackEvent {
  kind: "STARTED" | "PROGRESS" | "ENDED";
  positionMs: number;
  at: Date;
}

export interface PlayState {
  startedAt: Date;
  lastAt: Date;
  maxPositionMs: number;
  countedAt: Date | null;
  completed: boolean;
  ended: boolean;
  skipped: boolean;
}

/** What the rollups gain from this step (each 0 or 1). */
export interface Delta {
  plays: number;
  completions: number;
  skips: number;
}

export function advance(
  before: PlayState | null,
  events: PlaybackEvent[],
  durationMs: number,
  now: Date,
): { state: PlayState; delta: Delta } {
  const times = events.map((e) => e.at.getTime());
  const maxPositionMs = Math.max(before?.maxPositionMs ?? 0, ...events.map((e) => e.positionMs));
  const ended = (before?.ended ?? false) || events.some((e) => e.kind === "ENDED");
  const counted = maxPositionMs >= COUNT_AFTER_MS;
  const completed = durationMs > 0 && maxPositionMs >= COMPLETE_SHARE * durationMs;
  // Skipped: it ended short of half the song. A later report reaching 80 % (another device
  // catching up) makes it completed instead, and the skip is taken back.
  // (A playback stopped before 3 s is not a play, so not a skip either.)
  const skipped = counted && ended && !completed && durationMs > 0 && maxPositionMs < SKIP_BEFORE_SHARE * durationMs;
  const state: PlayState = {
    startedAt: new Date(Math.min(before?.startedAt.getTime() ?? Infinity, ...times)),
    lastAt: new Date(Math.max(before?.lastAt.getTime() ?? -Infinity, ...times)),
    maxPositionMs,
    countedAt: before?.countedAt ?? (counted ? now : null),
    completed: (before?.completed ?? false) || completed,
    ended,
    skipped: skipped && !(before?.completed ?? false),
  };
  // Counts only for plays: a playback stopped before 3 s is neither completed nor skipped.
  const was = {
    plays: before?.countedAt ? 1 : 0,
    completions: before?.completed && before.countedAt ? 1 : 0,
    skips: before?.skipped && before.countedAt ? 1 : 0,
  };
  const is = {
    plays: state.countedAt ? 1 : 0,
    completions: state.completed && state.countedAt ? 1 : 0,
    skips: state.skipped && state.countedAt ? 1 : 0,
  };
  return {
    state,
    delta: { plays: is.plays - was.plays, completions: is.completions - was.completions, skips: is.skips - was.skips },
  };
}
