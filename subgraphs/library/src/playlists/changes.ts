// What a playlist change tells others (ARCHITECTURE.md §14): on a collaborative playlist, a
// `playlist.changed` event in library's outbox, written in the change's transaction, so the
// people who edit it hear of it (notifications); the relay is nudged once the change commits.
import type { Context } from "../context.ts";
import type { PlaylistChangeKind } from "../events.ts";
import type { Editing } from "./edit.ts";

export async function recordChange(
  ctx: Context,
  editing: Editing,
  kind: PlaylistChangeKind,
  songIds: string[] = [],
): Promise<void> {
  const { tx, playlist, viewer, editorIds } = editing;
  if (!playlist.isCollaborative) return;
  await ctx.outbox.record(tx, "playlist.changed", {
    playlistId: playlist.id,
    ownerId: playlist.ownerId,
    editorIds,
    actorId: viewer.id,
    kind,
    songIds,
    at: new Date().toISOString(),
  });
}

/** After the commit of a change that may have recorded events. */
export function changed(ctx: Context): void {
  ctx.outbox.nudge();
}
