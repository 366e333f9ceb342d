import { forbidden, isUuid, requireViewer } from "@melodi/kit";
import type { Resolvers } from "../generated/graphql.ts";
import { fail } from "../errors.ts";
import { keptPage, SAVED_COLLECTIONS } from "../kept.ts";
import { visiblePlaylist } from "../playlists/access.ts";
import { playlistNotFound } from "../playlists/edit.ts";

const collectionNotFound = () => fail("COLLECTION_NOT_FOUND", "No release with this id.", ["input", "collectionId"]);

async function knownCollection(db: import("../db.ts").Db, id: string) {
  return isUuid(id) ? db.catalogCollection.findUnique({ where: { id } }) : null;
}

export const resolvers: Resolvers = {
  Collection: {
    __resolveReference: (ref) => ({ id: ref.id }),
    isSaved: (collection, _args, ctx) => ctx.loaders.viewerSavedCollections.load(collection.id),
  },

  Playlist: {
    isSaved: (playlist, _args, ctx) => ctx.loaders.viewerSavedPlaylists.load(playlist.id),
    saveCount: (playlist, _args, ctx) => ctx.loaders.saveCount.load(playlist.id),
  },

  User: {
    savedCollections(user, args, ctx) {
      if (ctx.viewer?.id !== user.id) throw forbidden("Only the user themself may see their saved releases.");
      return keptPage(ctx, SAVED_COLLECTIONS, user.id, args);
    },
  },

  SavedCollectionEdge: {
    node: (edge) => (edge.available ? { id: edge.id } : null),
    isAvailable: (edge) => edge.available,
    savedAt: (edge) => edge.at,
  },

  Mutation: {
    async saveCollection(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const collection = await knownCollection(ctx.db, input.collectionId);
      if (!collection?.listed) return { collection: null, userErrors: [collectionNotFound()] };
      await ctx.db.savedCollection.createMany({
        data: [{ userId: viewer.id, collectionId: collection.id }],
        skipDuplicates: true,
      });
      ctx.loaders.viewerSavedCollections.prime(collection.id, true);
      return { collection: { id: collection.id }, userErrors: [] };
    },

    async unsaveCollection(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const collection = await knownCollection(ctx.db, input.collectionId);
      if (!collection) return { collection: null, userErrors: [collectionNotFound()] };
      await ctx.db.savedCollection.deleteMany({ where: { userId: viewer.id, collectionId: collection.id } });
      ctx.loaders.viewerSavedCollections.prime(collection.id, false);
      return { collection: collection.listed ? { id: collection.id } : null, userErrors: [] };
    },

    async savePlaylist(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const playlist = isUuid(input.playlistId) ? await visiblePlaylist(ctx, input.playlistId) : null;
      if (!playlist) return { playlist: null, userErrors: [playlistNotFound()] };
      if (playlist.ownerId === viewer.id)
        return {
          playlist: null,
          userErrors: [
            fail("CANNOT_SAVE_OWN_PLAYLIST", "Your own playlists are in your library already.", [
              "input",
              "playlistId",
            ]),
          ],
        };
      const saved = await ctx.db.$transaction(async (tx) => {
        const [row] = await tx.playlistSave.createManyAndReturn({
          data: [{ userId: viewer.id, playlistId: playlist.id }],
          skipDuplicates: true,
        });
        if (row)
          await ctx.outbox.record(tx, "playlist.saved", {
            playlistId: playlist.id,
            ownerId: playlist.ownerId,
            userId: viewer.id,
            savedAt: row.savedAt.toISOString(),
          });
        return Boolean(row);
      });
      if (saved) ctx.outbox.nudge();
      ctx.loaders.viewerSavedPlaylists.prime(playlist.id, true);
      return { playlist, userErrors: [] };
    },

    async unsavePlaylist(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      if (!isUuid(input.playlistId)) return { playlist: null, userErrors: [playlistNotFound()] };
      // A playlist made private since it was saved may still be unsaved.
      const { count } = await ctx.db.playlistSave.deleteMany({
        where: { userId: viewer.id, playlistId: input.playlistId },
      });
      const playlist = await visiblePlaylist(ctx, input.playlistId);
      if (!playlist && count === 0) return { playlist: null, userErrors: [playlistNotFound()] };
      ctx.loaders.viewerSavedPlaylists.prime(input.playlistId, false);
      return { playlist, userErrors: [] };
    },
  },
};
