// One change to a playlist, as one transaction holding the playlist's row lock (ARCHITECTURE.md
// §14): access is checked on the locked row, so a change racing the owner's (made private,
// editor removed) sees its result; item positions are read and written under the same lock, so
// concurrent edits of one playlist apply one after the other. Edits of different playlists never
// wait for each other.
import { forbidden, isUuid, requireViewer, UserErrorsAbort, type Viewer } from "@melodi/kit";
import type { Context } from "../context.ts";
import type { Prisma, PlaylistRow } from "../db.ts";
import { fail, type LibraryUserError } from "../errors.ts";
import { announce, type ChangeDetails } from "./changes.ts";

export type Tx = Prisma.TransactionClient;

/** What the caller must be: the owner, or anyone who may change items (owner or editor while collaborative), or an editor. */
export type Need = "owner" | "items" | "editor";

export interface Editing {
  tx: Tx;
  playlist: PlaylistRow;
  viewer: Viewer;
  /** The playlist's editors, read under the lock (events name them). */
  editorIds: string[];
  /** What the change did, noted by recordChange: announced once it commits. */
  change?: ChangeDetails;
}

export type Edited<T> =
  | { ok: true; playlist: PlaylistRow; value: T }
  | { ok: false; playlist: null; userErrors: LibraryUserError[] };

export const playlistNotFound = (field: string[] = ["input", "playlistId"]) =>
  fail("PLAYLIST_NOT_FOUND", "No playlist with this id.", field);

export async function editPlaylist<T>(
  ctx: Context,
  playlistId: string,
  need: Need,
  change: (editing: Editing) => Promise<T>,
): Promise<Edited<T>> {
  const viewer = requireViewer(ctx.viewer);
  if (!isUuid(playlistId)) return { ok: false, playlist: null, userErrors: [playlistNotFound()] };
  let editing: Editing | undefined;
  try {
    const edited = await ctx.db.$transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<{ id: string }[]>`
        SELECT "id"::text FROM "library"."Playlist" WHERE "id" = ${playlistId}::uuid FOR UPDATE`;
      if (!locked) throw new UserErrorsAbort([playlistNotFound()]);
      const playlist = await tx.playlist.findUniqueOrThrow({ where: { id: playlistId } });
      const editorIds = (
        await tx.playlistEditor.findMany({
          where: { playlistId },
          select: { userId: true },
          orderBy: { addedAt: "asc" },
        })
      ).map((e) => e.userId);
      const own = playlist.ownerId === viewer.id;
      const editor = editorIds.includes(viewer.id);
      if (!playlist.isPublic && !own && !editor) throw new UserErrorsAbort([playlistNotFound()]);
      const allowed = need === "owner" ? own : need === "editor" ? editor : own || (editor && playlist.isCollaborative);
      if (!allowed && need === "editor")
        throw new UserErrorsAbort([fail("NOT_EDITOR", "You do not edit this playlist.", ["input", "playlistId"])]);
      if (!allowed)
        throw forbidden(
          need === "owner"
            ? "Only the playlist's owner may do this."
            : "Only the owner and, on a collaborative playlist, its editors may change its items.",
        );
      editing = { tx, playlist, viewer, editorIds };
      const value = await change(editing);
      // updatedAt says when anything of it changed, items included; nothing to touch once deleted.
      const [touched] = await tx.playlist.updateManyAndReturn({
        where: { id: playlistId },
        data: { updatedAt: new Date() },
      });
      return { ok: true as const, playlist: touched ?? playlist, value };
    });
    if (editing) await announce(ctx, editing, edited.playlist.isPublic);
    return edited;
  } catch (err) {
    if (err instanceof UserErrorsAbort) return { ok: false, playlist: null, userErrors: err.userErrors };
    throw err;
  }
}
