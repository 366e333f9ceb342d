// Notifications' events (kit/src/events.ts; README "Events between subgraphs"): the events of
// other subgraphs it turns into notifications or keeps state from (its subgraphs.json
// `consumes`), and what it produces (nothing).
import { defineEvents } from "@melodi/kit";
import { KEEP_HOURS, notify } from "./inbox/notify.ts";
import { firstListing, followersOf, forgetUser, keepArtistFollow, keepUser } from "./records/records.ts";

/**
 * Whether something that happened at `at` is still news: a back-fill replays old follows and
 * releases (and a consumer that was down catches up), but nobody is told of what is older than
 * the notifications they are shown.
 */
const isNews = (at: string) => Date.now() - Date.parse(at) < KEEP_HOURS * 3600_000;

/** Changes of one playlist by one person in the same quarter of an hour make one notification. */
const BURST_MS = 15 * 60_000;

export const events = defineEvents({
  produces: [],
  handlers: {
    async "user.changed"(event, tx) {
      await keepUser(tx, event.payload);
    },
    async "user.deleted"(event, tx) {
      await forgetUser(tx, event.payload.userId);
    },
    // The person followed hears of it once, however often it is undone and made again.
    async "user.followed"(event, tx) {
      const p = event.payload;
      if (!isNews(p.followedAt)) return;
      await notify(tx, event.id, `user.followed:${p.followerId}`, [p.followeeId], {
        type: "USER_FOLLOWED",
        actorId: p.followerId,
      });
    },
    async "artist.followed"(event, tx) {
      const p = event.payload;
      await keepArtistFollow(tx, p.artistId, p.userId, true, p.followedAt);
    },
    async "artist.unfollowed"(event, tx) {
      const p = event.payload;
      await keepArtistFollow(tx, p.artistId, p.userId, false, p.at);
    },
    // A release listed for the first time is news for its artist's followers.
    async "collection.changed"(event, tx) {
      const c = event.payload;
      if (!c.listed || !(await firstListing(tx, c)) || !isNews(event.occurredAt)) return;
      await notify(tx, event.id, `release:${c.collectionId}`, await followersOf(tx, c.artistId), {
        type: "NEW_RELEASE",
        collectionId: c.collectionId,
        artistId: c.artistId,
      });
    },
    // The playlist's owner hears that someone saved it (never of their own save: library refuses it).
    async "playlist.saved"(event, tx) {
      const p = event.payload;
      if (!isNews(p.savedAt)) return;
      await notify(tx, event.id, `playlist.saved:${p.playlistId}:${p.userId}`, [p.ownerId], {
        type: "PLAYLIST_SAVED",
        actorId: p.userId,
        playlistId: p.playlistId,
      });
    },
    // Everyone who owns or edits a collaborative playlist hears of a change, but whoever made it;
    // a burst of changes by one person is one notification counting them.
    async "playlist.changed"(event, tx) {
      const p = event.payload;
      if (!isNews(p.at)) return;
      const recipients = [...new Set([p.ownerId, ...p.editorIds])].filter((id) => id !== p.actorId);
      const burst = Math.floor(Date.parse(p.at) / BURST_MS);
      await notify(
        tx,
        event.id,
        `playlist.changed:${p.playlistId}:${p.actorId}:${burst}`,
        recipients,
        { type: "PLAYLIST_CHANGED", actorId: p.actorId, playlistId: p.playlistId },
        { group: true },
      );
    },
  },
});
