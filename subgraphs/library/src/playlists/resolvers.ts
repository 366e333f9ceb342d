import {
  decodeCursor,
  encodeCursor,
  isUuid,
  pageSize,
  requireViewer,
  toConnection,
  UserErrorsAbort,
  afterTime,
} from "@melodi/kit";
import { z } from "zod";
import type { Resolvers } from "../generated/graphql.ts";
import type { Context } from "../context.ts";
import type { PlaylistRow } from "../db.ts";
import type { PlaylistItemModel } from "../models.ts";
import { fail, type LibraryUserError } from "../errors.ts";
import { MAX_PLAYLIST_ITEMS, parseInput, rules } from "../validation.ts";
import { canEditItems, isOwner, visiblePlaylist } from "./access.ts";
import { editPlaylist, type Editing } from "./edit.ts";
import { recordChange } from "./changes.ts";
import { makeRoom, neighboursAt, nextAfter, type Slot } from "./order.ts";

const POSITION = /^-?\d{1,19}$/;

/** Items in order, keyed by (position, id): a page stays stable while others are added or moved. */
async function itemPage(playlist: PlaylistRow, args: { first?: number | null; after?: string | null }, ctx: Context) {
  const limit = pageSize(args);
  let after: { position: bigint; id: string } | null = null;
  if (args.after) {
    const [position, id] = decodeCursor(args.after, ["string", "uuid"]) as [string, string];
    if (!POSITION.test(position)) decodeCursor("", ["uuid"]);
    after = { position: BigInt(position), id };
  }
  const rows = await ctx.db.playlistItem.findMany({
    where: {
      playlistId: playlist.id,
      ...(after
        ? { OR: [{ position: { gt: after.position } }, { position: after.position, id: { gt: after.id } }] }
        : {}),
    },
    orderBy: [{ position: "asc" }, { id: "asc" }],
    take: limit + 1,
  });
  return toConnection(
    rows,
    limit,
    (row) => encodeCursor([row.position.toString(), row.id]),
    (row): PlaylistItemModel => row,
    after !== null,
  );
}

/** Each id in `songIds` that names a song listeners may play, or the user errors of those that do not. */
async function playableSongs(ctx: Context, songIds: string[], field: string[]): Promise<LibraryUserError[]> {
  const songs = await ctx.loaders.song.loadMany(songIds);
  return songIds.flatMap((_, i) => {
    const song = songs[i];
    return song && !(song instanceof Error) && song.listed
      ? []
      : [fail("SONG_NOT_FOUND", "No song with this id.", [...field, String(i)])];
  });
}

/** Inserts songs in order at index `position` (null: the end), under the playlist's lock. */
async function insertSongs(
  editing: Editing,
  songIds: string[],
  position: number | null,
): Promise<{ items: PlaylistItemModel[]; afterItemId: string | null }> {
  const { tx, playlist, viewer } = editing;
  const total = await tx.playlistItem.count({ where: { playlistId: playlist.id } });
  if (total + songIds.length > MAX_PLAYLIST_ITEMS)
    throw abort(fail("PLAYLIST_FULL", `A playlist holds at most ${MAX_PLAYLIST_ITEMS} items.`, ["input", "songIds"]));
  const index = position === null ? total : Math.min(position, total);
  const [before, after] = await neighboursAt(tx, playlist.id, index);
  const positions = await makeRoom(tx, playlist.id, before, after, songIds.length);
  const addedAt = new Date();
  const items = await tx.playlistItem.createManyAndReturn({
    data: songIds.map((songId, i) => ({
      playlistId: playlist.id,
      songId,
      position: positions[i]!,
      addedById: viewer.id,
      addedAt,
    })),
    select: { id: true, songId: true, addedById: true, addedAt: true, position: true },
  });
  items.sort((a, b) => (a.position < b.position ? -1 : 1));
  return { items, afterItemId: before?.id ?? null };
}

const abort = (...errors: LibraryUserError[]) => new UserErrorsAbort(errors);

const createInput = z.object({
  title: rules.title,
  description: rules.description.optional(),
  songIds: z.array(rules.id).max(100, { error: "At most 100 songs at once." }).optional(),
});
const updateInput = z.object({
  playlistId: z.string(),
  title: rules.title.optional(),
  description: rules.description.optional(),
});
const addInput = z.object({ playlistId: z.string(), songIds: rules.ids("song"), position: rules.position.optional() });
const removeInput = z.object({ playlistId: z.string(), itemIds: rules.ids("item") });

export const resolvers: Resolvers = {
  Query: {
    playlist: (_parent, { id }, ctx) => visiblePlaylist(ctx, id),
  },

  Playlist: {
    __resolveReference: (ref, ctx) => visiblePlaylist(ctx, ref.id),
    owner: (playlist) => ({ id: playlist.ownerId }),
    async items(playlist, args, ctx) {
      const page = await itemPage(playlist, args, ctx);
      return { ...page, totalCount: (await ctx.loaders.totals.load(playlist.id)).items };
    },
    itemCount: async (playlist, _args, ctx) => (await ctx.loaders.totals.load(playlist.id)).items,
    availableSongCount: async (playlist, _args, ctx) => (await ctx.loaders.totals.load(playlist.id)).available,
    durationSeconds: async (playlist, _args, ctx) => (await ctx.loaders.totals.load(playlist.id)).seconds,
    coverReleases: async (playlist, _args, ctx) =>
      (await ctx.loaders.coverReleases.load(playlist.id)).map((row) => ({ id: row.collectionId })),
    async editors(playlist, args, ctx) {
      const limit = pageSize(args);
      const key = afterTime(args.after);
      const after = key && { addedAt: key.at, userId: key.id };
      const rows = await ctx.db.playlistEditor.findMany({
        where: {
          playlistId: playlist.id,
          ...(after
            ? { OR: [{ addedAt: { lt: after.addedAt } }, { addedAt: after.addedAt, userId: { lt: after.userId } }] }
            : {}),
        },
        orderBy: [{ addedAt: "desc" }, { userId: "desc" }],
        take: limit + 1,
      });
      const cursorOf = (row: (typeof rows)[number]) => encodeCursor([row.addedAt.getTime(), row.userId]);
      const page = toConnection(
        rows,
        limit,
        cursorOf,
        (row) => ({ cursor: cursorOf(row), userId: row.userId, addedAt: row.addedAt }),
        after !== null,
      );
      return {
        ...page,
        edges: page.edges.map((e) => e.node),
        totalCount: await ctx.loaders.editorCount.load(playlist.id),
      };
    },
    viewerCanEdit: (playlist, _args, ctx) => canEditItems(ctx, playlist),
    viewerIsOwner: (playlist, _args, ctx) => isOwner(ctx.viewer, playlist),
  },

  PlaylistItem: {
    async song(item, _args, ctx) {
      const song = await ctx.loaders.song.load(item.songId);
      return song?.listed ? { id: song.id } : null;
    },
    isAvailable: async (item, _args, ctx) => (await ctx.loaders.song.load(item.songId))?.listed ?? false,
    addedBy: (item) => ({ id: item.addedById }),
  },

  PlaylistEditorEdge: {
    node: (edge) => ({ id: edge.userId }),
  },

  User: {
    async playlists(user, args, ctx) {
      const limit = pageSize(args);
      const self = ctx.viewer?.id === user.id;
      const key = afterTime(args.after);
      const after = key && { createdAt: key.at, id: key.id };
      const where = { ownerId: user.id, ...(self ? {} : { isPublic: true }) };
      const [rows, totalCount] = await Promise.all([
        ctx.db.playlist.findMany({
          where: {
            ...where,
            ...(after
              ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
              : {}),
          },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          take: limit + 1,
        }),
        ctx.db.playlist.count({ where }),
      ]);
      for (const row of rows) ctx.loaders.playlist.prime(row.id, row);
      return {
        ...toConnection(
          rows,
          limit,
          (row) => encodeCursor([row.createdAt.getTime(), row.id]),
          (row) => row,
          after !== null,
        ),
        totalCount,
      };
    },
  },

  Mutation: {
    async createPlaylist(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const parsed = parseInput(createInput, input);
      if (!parsed.ok) return { playlist: null, userErrors: parsed.userErrors };
      const songIds = parsed.value.songIds ?? [];
      const missing = await playableSongs(ctx, songIds, ["input", "songIds"]);
      if (missing.length) return { playlist: null, userErrors: missing };
      const playlist = await ctx.db.$transaction(async (tx) => {
        const created = await tx.playlist.create({
          data: {
            ownerId: viewer.id,
            title: parsed.value.title,
            description: parsed.value.description ?? "",
            isPublic: input.isPublic ?? false,
            isCollaborative: input.isCollaborative ?? false,
          },
        });
        if (songIds.length) await insertSongs({ tx, playlist: created, viewer, editorIds: [] }, songIds, null);
        return created;
      });
      ctx.loaders.playlist.prime(playlist.id, playlist);
      return { playlist, userErrors: [] };
    },

    async updatePlaylist(_parent, { input }, ctx) {
      requireViewer(ctx.viewer);
      const parsed = parseInput(updateInput, input);
      if (!parsed.ok) return { playlist: null, userErrors: parsed.userErrors };
      const edited = await editPlaylist(ctx, input.playlistId, "owner", async (editing) => {
        const data = {
          ...(parsed.value.title !== undefined ? { title: parsed.value.title } : {}),
          ...(parsed.value.description !== undefined ? { description: parsed.value.description } : {}),
          ...(input.isPublic != null ? { isPublic: input.isPublic } : {}),
          ...(input.isCollaborative != null ? { isCollaborative: input.isCollaborative } : {}),
        };
        editing.playlist = await editing.tx.playlist.update({ where: { id: editing.playlist.id }, data });
        await recordChange(ctx, editing, { kind: "DETAILS_UPDATED" });
      });
      if (!edited.ok) return edited;
      ctx.loaders.playlist.prime(edited.playlist.id, edited.playlist);
      return { playlist: edited.playlist, userErrors: [] };
    },

    async deletePlaylist(_parent, { input }, ctx) {
      // Items, editors and saves go with it (foreign keys with ON DELETE CASCADE).
      const edited = await editPlaylist(ctx, input.playlistId, "owner", async (editing) => {
        await recordChange(ctx, editing, { kind: "DELETED" });
        await editing.tx.playlist.delete({ where: { id: editing.playlist.id } });
        return editing.playlist.id;
      });
      if (!edited.ok) return { deletedPlaylistId: null, userErrors: edited.userErrors };
      return { deletedPlaylistId: edited.value, userErrors: [] };
    },

    async addSongsToPlaylist(_parent, { input }, ctx) {
      requireViewer(ctx.viewer);
      const parsed = parseInput(addInput, input);
      if (!parsed.ok) return { playlist: null, items: null, userErrors: parsed.userErrors };
      const missing = await playableSongs(ctx, parsed.value.songIds, ["input", "songIds"]);
      if (missing.length) return { playlist: null, items: null, userErrors: missing };
      const edited = await editPlaylist(ctx, input.playlistId, "items", async (editing) => {
        const { items, afterItemId } = await insertSongs(editing, parsed.value.songIds, parsed.value.position ?? null);
        await recordChange(ctx, editing, {
          kind: "ITEMS_ADDED",
          songIds: parsed.value.songIds,
          itemIds: items.map((i) => i.id),
          afterItemId,
        });
        return items;
      });
      if (!edited.ok) return { ...edited, items: null };
      return { playlist: edited.playlist, items: edited.value, userErrors: [] };
    },

    async removePlaylistItems(_parent, { input }, ctx) {
      requireViewer(ctx.viewer);
      const parsed = parseInput(removeInput, input);
      if (!parsed.ok) return { playlist: null, removedItemIds: null, userErrors: parsed.userErrors };
      const edited = await editPlaylist(ctx, input.playlistId, "items", async (editing) => {
        const removed = await editing.tx.playlistItem.findMany({
          where: { playlistId: editing.playlist.id, id: { in: parsed.value.itemIds } },
          select: { id: true, songId: true },
        });
        const found = new Set(removed.map((r) => r.id));
        const unknown = parsed.value.itemIds.flatMap((id, i) =>
          found.has(id)
            ? []
            : [fail("ITEM_NOT_FOUND", "No item with this id in this playlist.", ["input", "itemIds", String(i)])],
        );
        if (unknown.length) throw abort(...unknown);
        await editing.tx.playlistItem.deleteMany({ where: { id: { in: [...found] } } });
        await recordChange(ctx, editing, {
          kind: "ITEMS_REMOVED",
          songIds: removed.map((r) => r.songId),
          removedItemIds: [...found],
        });
        return [...found];
      });
      if (!edited.ok) return { ...edited, removedItemIds: null };
      return { playlist: edited.playlist, removedItemIds: edited.value, userErrors: [] };
    },

    async movePlaylistItem(_parent, { input }, ctx) {
      requireViewer(ctx.viewer);
      const itemField = ["input", "itemId"];
      if (!isUuid(input.itemId))
        return { playlist: null, item: null, userErrors: [fail("ITEM_NOT_FOUND", "No item with this id.", itemField)] };
      if (input.afterItemId != null && !isUuid(input.afterItemId))
        return {
          playlist: null,
          item: null,
          userErrors: [fail("ITEM_NOT_FOUND", "No item with this id.", ["input", "afterItemId"])],
        };
      if (input.afterItemId === input.itemId)
        return {
          playlist: null,
          item: null,
          userErrors: [fail("INVALID_POSITION", "An item cannot go after itself.", ["input", "afterItemId"])],
        };
      const edited = await editPlaylist(ctx, input.playlistId, "items", async (editing) => {
        const { tx, playlist } = editing;
        const item = await tx.playlistItem.findFirst({ where: { id: input.itemId, playlistId: playlist.id } });
        if (!item) throw abort(fail("ITEM_NOT_FOUND", "No item with this id in this playlist.", itemField));
        let before: Slot | null = null;
        if (input.afterItemId != null) {
          const anchor = await tx.playlistItem.findFirst({
            where: { id: input.afterItemId, playlistId: playlist.id },
            select: { id: true, position: true },
          });
          if (!anchor)
            throw abort(fail("ITEM_NOT_FOUND", "No item with this id in this playlist.", ["input", "afterItemId"]));
          before = anchor;
        }
        const after = await nextAfter(tx, playlist.id, before, item.id);
        const [position] = await makeRoom(tx, playlist.id, before, after, 1, item.id);
        const moved = await tx.playlistItem.update({ where: { id: item.id }, data: { position } });
        await recordChange(ctx, editing, {
          kind: "ITEM_MOVED",
          songIds: [item.songId],
          itemIds: [item.id],
          afterItemId: before?.id ?? null,
        });
        return moved;
      });
      if (!edited.ok) return { ...edited, item: null };
      return { playlist: edited.playlist, item: edited.value, userErrors: [] };
    },

    async addPlaylistEditor(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const userField = ["input", "userId"];
      if (!isUuid(input.userId))
        return { playlist: null, userErrors: [fail("USER_NOT_FOUND", "No user with this id.", userField)] };
      const edited = await editPlaylist(ctx, input.playlistId, "owner", async (editing) => {
        if (input.userId === viewer.id)
          throw abort(fail("CANNOT_TARGET_SELF", "You own this playlist already.", userField));
        // Library knows accounts from users' events: an unknown or deleted one cannot edit.
        const invited = await editing.tx.userProfile.findUnique({ where: { id: input.userId } });
        if (!invited || invited.deleted) throw abort(fail("USER_NOT_FOUND", "No user with this id.", userField));
        if (!editing.playlist.isCollaborative)
          throw abort(
            fail("NOT_COLLABORATIVE", "Make the playlist collaborative before inviting editors.", [
              "input",
              "playlistId",
            ]),
          );
        const added = await editing.tx.playlistEditor.createMany({
          data: [{ playlistId: editing.playlist.id, userId: input.userId }],
          skipDuplicates: true,
        });
        if (added.count === 0) throw abort(fail("ALREADY_EDITOR", "This user edits the playlist already.", userField));
        await recordChange(ctx, editing, { kind: "EDITOR_ADDED", editorIds: [...editing.editorIds, input.userId] });
      });
      if (!edited.ok) return edited;
      return { playlist: edited.playlist, userErrors: [] };
    },

    async removePlaylistEditor(_parent, { input }, ctx) {
      requireViewer(ctx.viewer);
      const userField = ["input", "userId"];
      if (!isUuid(input.userId))
        return { playlist: null, userErrors: [fail("NOT_EDITOR", "This user does not edit the playlist.", userField)] };
      const edited = await editPlaylist(ctx, input.playlistId, "owner", async (editing) => {
        const removed = await editing.tx.playlistEditor.deleteMany({
          where: { playlistId: editing.playlist.id, userId: input.userId },
        });
        if (removed.count === 0) throw abort(fail("NOT_EDITOR", "This user does not edit the playlist.", userField));
        await recordChange(ctx, editing, {
          kind: "EDITOR_REMOVED",
          editorIds: editing.editorIds.filter((id) => id !== input.userId),
        });
      });
      if (!edited.ok) return edited;
      return { playlist: edited.playlist, userErrors: [] };
    },

    async leavePlaylist(_parent, { input }, ctx) {
      const edited = await editPlaylist(ctx, input.playlistId, "editor", async (editing) => {
        await editing.tx.playlistEditor.deleteMany({
          where: { playlistId: editing.playlist.id, userId: editing.viewer.id },
        });
        await recordChange(ctx, editing, {
          kind: "EDITOR_REMOVED",
          editorIds: editing.editorIds.filter((id) => id !== editing.viewer.id),
        });
      });
      if (!edited.ok) return edited;
      // Once left, a private playlist is no longer the caller's to see.
      return { playlist: edited.playlist.isPublic ? edited.playlist : null, userErrors: [] };
    },
  },
};
