// Friend activity: what a listener plays, for the people who follow them. Kept as each
// listener's last activity (in trackPlayback's transaction) and published after the commit on
// the listener's own channel; a subscriber listens on the channels of the people it follows, so
// one play is one publish however many follow its listener. Private sessions publish nothing.
import { publishEvent, type PubSub, type SqlRunner } from "@melodi/kit";
import type { ActivityModel } from "../models.ts";

export const activityChannel = (userId: string) => `metrics:activity:${userId}`;

/** Reports older than this are history (a phone catching up), not "now playing". */
export const LIVE_FOR_MS = 10 * 60_000;
/** Channels one subscription holds at most (the most recent follows). */
export const MAX_FOLLOWED = 1000;

export interface ActivityMessage {
  userId: string;
  songId: string;
  at: string;
  playing: boolean;
}

export const toActivity = (m: ActivityMessage): ActivityModel => ({ ...m, at: new Date(m.at) });

/** Records a listener's latest activity (a later one already kept wins). */
export async function keepActivity(tx: SqlRunner, activity: ActivityModel): Promise<void> {
  await tx.$executeRawUnsafe(
    `INSERT INTO "metrics"."LastActivity" AS cur ("userId", "songId", "at", "playing") VALUES ($1::uuid, $2::uuid, $3::timestamp, $4)
     ON CONFLICT ("userId") DO UPDATE SET "songId" = EXCLUDED."songId", "at" = EXCLUDED."at", "playing" = EXCLUDED."playing"
     WHERE cur."at" <= EXCLUDED."at"`,
    activity.userId,
    activity.songId,
    activity.at.toISOString(),
    activity.playing,
  );
}

/** After the commit: tells the listener's followers' live subscriptions (best effort). */
export async function announceActivity(pubsub: PubSub, activity: ActivityModel): Promise<void> {
  if (Date.now() - activity.at.getTime() > LIVE_FOR_MS) return;
  const message: ActivityMessage = { ...activity, at: activity.at.toISOString() };
  await publishEvent(pubsub, activityChannel(activity.userId), message);
}
