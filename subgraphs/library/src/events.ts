// Library's events (kit/src/events.ts; README "Events between subgraphs"): what it keeps of
// other subgraphs' events, and what it produces for them. Who consumes what is in subgraphs.json.
import { defineEvents } from "@melodi/kit";
// The payloads of the events library consumes are declared by their producers.
import type {} from "../../users/src/events.ts";
import type {} from "../../catalog/src/events.ts";
import { catalogHandlers } from "./catalog.ts";

/** What changed in a playlist (playlist.changed, Subscription.playlistChanged). */
export type PlaylistChangeKind =
  | "ITEMS_ADDED"
  | "ITEMS_REMOVED"
  | "ITEM_MOVED"
  | "DETAILS_UPDATED"
  | "EDITOR_ADDED"
  | "EDITOR_REMOVED"
  | "DELETED";

declare module "@melodi/kit" {
  interface EventPayloads {
    /** Someone saved a playlist to their library (notifications tells its owner). */
    "playlist.saved": { playlistId: string; ownerId: string; userId: string; savedAt: string };
    /** A listener began following an artist (notifications: new releases of artists you follow). */
    "artist.followed": { artistId: string; userId: string; followedAt: string };
    /** A collaborative playlist changed (notifications tells its owner and editors but the actor). */
    "playlist.changed": {
      playlistId: string;
      ownerId: string;
      editorIds: string[];
      actorId: string;
      kind: PlaylistChangeKind;
      /** The songs added or removed, for ITEMS_ADDED and ITEMS_REMOVED. */
      songIds: string[];
      at: string;
    };
  }
}

export const events = defineEvents({
  produces: ["playlist.saved", "artist.followed", "playlist.changed"],
  handlers: {
    ...catalogHandlers,
    // Who exists (editors must), and their names (sorting by creator); newest version wins.
    async "user.changed"(event, tx) {
      const u = event.payload;
      await tx.$executeRawUnsafe(
        `INSERT INTO "library"."UserProfile" AS cur ("id", "handle", "displayName", "version") VALUES ($1::uuid, $2, $3, $4)
         ON CONFLICT ("id") DO UPDATE SET "handle" = EXCLUDED."handle", "displayName" = EXCLUDED."displayName",
           "version" = EXCLUDED."version", "updatedAt" = now()
         WHERE cur."version" < EXCLUDED."version" AND NOT cur."deleted"`,
        u.userId,
        u.handle,
        u.displayName,
        u.version,
      );
    },
    // A deleted account's library goes with it: its playlists (their items, editors and other
    // people's saves of them), likes, saves and follows, and its place as an editor of others'
    // playlists. Items it added to others' playlists stay (their addedBy is then null).
    async "user.deleted"(event, tx) {
      const userId = event.payload.userId;
      // A tombstone: a user.changed arriving late must not bring the account back.
      await tx.$executeRawUnsafe(
        `INSERT INTO "library"."UserProfile" ("id", "handle", "displayName", "deleted", "version") VALUES ($1::uuid, '', '', true, 0)
         ON CONFLICT ("id") DO UPDATE SET "deleted" = true, "updatedAt" = now()`,
        userId,
      );
      await tx.$executeRawUnsafe(`DELETE FROM "library"."Playlist" WHERE "ownerId" = $1::uuid`, userId);
      for (const table of ["PlaylistEditor", "PlaylistSave", "LikedSong", "SavedCollection", "FollowedArtist"]) {
        await tx.$executeRawUnsafe(`DELETE FROM "library"."${table}" WHERE "userId" = $1::uuid`, userId);
      }
    },
  },
});
