// Who may see and change a playlist (ARCHITECTURE.md §14). A private playlist is seen by its
// owner and its editors only; to everyone else it answers exactly as one that does not exist.
// Its items are changed by the owner and, while it is collaborative, by its editors; its
// details, editors and deletion are the owner's alone.
import type { Viewer } from "@melodi/kit";
import type { Context } from "../context.ts";
import type { PlaylistRow } from "../db.ts";

export const isOwner = (viewer: Viewer | null, playlist: PlaylistRow) => viewer?.id === playlist.ownerId;

export async function canSeePlaylist(ctx: Context, playlist: PlaylistRow): Promise<boolean> {
  if (playlist.isPublic || isOwner(ctx.viewer, playlist)) return true;
  return ctx.viewer ? ctx.loaders.viewerEdits.load(playlist.id) : false;
}

export async function canEditItems(ctx: Context, playlist: PlaylistRow): Promise<boolean> {
  if (isOwner(ctx.viewer, playlist)) return true;
  return playlist.isCollaborative && ctx.viewer ? ctx.loaders.viewerEdits.load(playlist.id) : false;
}

/** The playlist of this id if the viewer may see it, else null (unknown and private look alike). */
export async function visiblePlaylist(ctx: Context, id: string): Promise<PlaylistRow | null> {
  const row = await ctx.loaders.playlist.load(id);
  return row && (await canSeePlaylist(ctx, row)) ? row : null;
}
