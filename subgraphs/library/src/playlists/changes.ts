// What a playlist change tells others (ARCHITECTURE.md §14):
// - live, to everyone watching it (Subscription.playlistChanged): published on the playlist's
//   pub/sub channel once the change commits, with what a client needs to apply it to its copy
//   (the items added or moved and the item they now follow, the items removed), and who may see
//   the change (read under the playlist's lock), so each subscriber's filter needs no query;
// - durably, on a collaborative playlist: a `playlist.changed` event in library's outbox, in the
//   change's transaction, for the people who edit it (notifications).
import { publishEvent } from "@melodi/kit";
import type { Context } from "../context.ts";
import type { PlaylistChangeKind } from "../events.ts";
import type { Editing } from "./edit.ts";

export interface ChangeDetails {
  kind: PlaylistChangeKind;
  /** The songs added or removed (ITEMS_ADDED, ITEMS_REMOVED). */
  songIds?: string[];
  /** The items added or moved, in their new order. */
  itemIds?: string[];
  /** The item the first of itemIds now follows (null: the start). */
  afterItemId?: string | null;
  removedItemIds?: string[];
  /** The editors after the change, when it changed them. */
  editorIds?: string[];
}

/** What goes through pub/sub to playlistChanged subscribers. */
export interface PlaylistChangeEvent {
  playlistId: string;
  kind: PlaylistChangeKind;
  actorId: string;
  at: string;
  itemIds: string[];
  afterItemId: string | null;
  removedItemIds: string[];
  /** Who may see this change: everyone (public), else its owner and editors before and after it. */
  isPublic: boolean;
  audience: string[];
}

export const playlistChannel = (playlistId: string) => `library:playlist:${playlistId}`;

/** Notes the change, inside its transaction (editPlaylist publishes it after the commit). */
export async function recordChange(ctx: Context, editing: Editing, details: ChangeDetails): Promise<void> {
  const { tx, playlist, viewer } = editing;
  editing.change = details;
  if (!playlist.isCollaborative) return;
  await ctx.outbox.record(tx, "playlist.changed", {
    playlistId: playlist.id,
    ownerId: playlist.ownerId,
    editorIds: details.editorIds ?? editing.editorIds,
    actorId: viewer.id,
    kind: details.kind,
    songIds: details.songIds ?? [],
    at: new Date().toISOString(),
  });
}

/** After the commit: relay the recorded events, and tell the playlist's watchers. */
export async function announce(ctx: Context, editing: Editing, isPublic: boolean): Promise<void> {
  ctx.outbox.nudge();
  const change = editing.change;
  if (!change) return;
  const event: PlaylistChangeEvent = {
    playlistId: editing.playlist.id,
    kind: change.kind,
    actorId: editing.viewer.id,
    at: new Date().toISOString(),
    itemIds: change.itemIds ?? [],
    afterItemId: change.afterItemId ?? null,
    removedItemIds: change.removedItemIds ?? [],
    isPublic,
    audience: [...new Set([editing.playlist.ownerId, ...editing.editorIds, ...(change.editorIds ?? [])])],
  };
  // Best effort, after the commit: a live notice lost to a Redis fault must not fail the change,
  // which every reader sees anyway.
  await publishEvent(ctx.pubsub, playlistChannel(event.playlistId), event).catch((err: unknown) =>
    ctx.log.warn({ err }, "playlistChanged not published"),
  );
}
