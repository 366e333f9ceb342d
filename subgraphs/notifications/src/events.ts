// Notifications' events (kit/src/events.ts; README "Events between subgraphs"): the events of
// other subgraphs it turns into notifications (its subgraphs.json `consumes`), and what it
// produces (nothing yet).
import { defineEvents } from "@melodi/kit";
// The payloads of the events notifications consumes are declared by their producers.
import type {} from "../../library/src/events.ts";
import { notify } from "./inbox/notify.ts";

export const events = defineEvents({
  produces: [],
  handlers: {
    // The playlist's owner hears that someone saved it (never of their own save: library refuses it).
    async "playlist.saved"(event, tx) {
      const p = event.payload;
      await notify(tx, event.id, `playlist.saved:${p.playlistId}:${p.userId}`, [p.ownerId], {
        type: "PLAYLIST_SAVED",
        actorId: p.userId,
        playlistId: p.playlistId,
      });
    },
    // Everyone who owns or edits a collaborative playlist hears of a change, but whoever made it.
    async "playlist.changed"(event, tx) {
      const p = event.payload;
      const recipients = [...new Set([p.ownerId, ...p.editorIds])].filter((id) => id !== p.actorId);
      // One per change for now (grouping a burst of changes into one is next).
      await notify(tx, event.id, `event:${event.id}`, recipients, {
        type: "PLAYLIST_CHANGED",
        actorId: p.actorId,
        playlistId: p.playlistId,
      });
    },
  },
});
