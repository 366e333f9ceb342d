// Subscription.playlistChanged (ARCHITECTURE.md §8, §14): the playlist's pub/sub channel,
// filtered per subscriber by who may see each change (carried by the change itself, read under
// the playlist's lock), each change resolved with the event's own fresh context (kit
// subscriptions.ts), so the playlist and items it shows are read after the change.
import { badUserInput, channelEvents, isUuid } from "@melodi/kit";
import type { Resolvers } from "../generated/graphql.ts";
import { visiblePlaylist } from "./access.ts";
import { playlistChannel, type PlaylistChangeEvent } from "./changes.ts";

export const resolvers: Resolvers = {
  Subscription: {
    playlistChanged: {
      async subscribe(_parent, { id }, ctx) {
        const playlist = isUuid(id) ? await visiblePlaylist(ctx, id) : null;
        if (!playlist) throw badUserInput("No playlist with this id.", "id");
        const viewerId = ctx.viewer?.id;
        return channelEvents<PlaylistChangeEvent>(ctx.pubsub, playlistChannel(playlist.id), {
          filter: (change) => change.isPublic || (viewerId !== undefined && change.audience.includes(viewerId)),
        });
      },
      resolve: (change: PlaylistChangeEvent) => change,
    },
  },

  PlaylistChange: {
    playlist: (change, _args, ctx) => (change.kind === "DELETED" ? null : visiblePlaylist(ctx, change.playlistId)),
    actor: (change) => ({ id: change.actorId }),
    async items(change, _args, ctx) {
      const items = await ctx.loaders.item.loadMany(change.itemIds);
      return items.flatMap((item) => (item && !(item instanceof Error) ? [item] : []));
    },
  },
};
