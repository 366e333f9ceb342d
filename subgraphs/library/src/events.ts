// Library's events (kit/src/events.ts; README "Events between subgraphs"): what it keeps of
// other subgraphs' events, and what it produces for them. Who consumes what is in subgraphs.json.
import { createHash } from "node:crypto";
import { defineEvents, type DomainEvent, type SqlRunner } from "@melodi/kit";
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
    /**
     * A listener began following an artist (notifications: new releases of artists you follow);
     * following again sends nothing. A consumer keeps, per (user, artist), the newest state by
     * time: this event stands unless it has an `artist.unfollowed` with a later `at`; a follow
     * whose `followedAt` is later than the unfollow's `at` wins over it. The back-fill
     * (currentState) sends every current follow as this event.
     */
    "artist.followed": { artistId: string; userId: string; followedAt: string };
    /**
     * A listener stopped following an artist (unfollowArtist; unfollowing an artist not followed
     * sends nothing). `at` is when; the newest by time wins, as with `artist.followed`: this one
     * over a follow with an earlier `followedAt`, a later follow over this one. A deleted
     * account's follows go without these: consumers act on `user.deleted`.
     */
    "artist.unfollowed": { artistId: string; userId: string; at: string };
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

/** A uuid (v5 layout) named by `name`: the same name always gives the same id. */
function nameId(name: string): string {
  const h = createHash("sha1").update(`melodi:library:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface FollowedArtistRow {
  userId: string;
  artistId: string;
  followedAt: Date;
}

/**
 * Every followed artist as `artist.followed`, in pages of 500 (keyset on the primary key), for a
 * consumer's back-fill. An id names the follow and when it was made, so a run twice gives the
 * same ids, and a follow undone and made again is a new event.
 */
async function* everyArtistFollow(db: SqlRunner): AsyncIterable<DomainEvent<"artist.followed">[]> {
  let after = { userId: "00000000-0000-0000-0000-000000000000", artistId: "00000000-0000-0000-0000-000000000000" };
  for (;;) {
    const rows = await db.$queryRawUnsafe<FollowedArtistRow[]>(
      `SELECT "userId"::text AS "userId", "artistId"::text AS "artistId", "followedAt"
       FROM "library"."FollowedArtist"
       WHERE ("userId", "artistId") > ($1::uuid, $2::uuid) ORDER BY "userId", "artistId" LIMIT 500`,
      after.userId,
      after.artistId,
    );
    if (rows.length === 0) return;
    yield rows.map((row) => {
      const at = new Date(row.followedAt);
      return {
        id: nameId(`artist.followed:${row.userId}:${row.artistId}:${at.getTime()}`),
        type: "artist.followed" as const,
        payload: { artistId: row.artistId, userId: row.userId, followedAt: at.toISOString() },
        occurredAt: at.toISOString(),
      };
    });
    const last = rows.at(-1)!;
    after = { userId: last.userId, artistId: last.artistId };
  }
}

export const events = defineEvents({
  produces: ["playlist.saved", "artist.followed", "artist.unfollowed", "playlist.changed"],
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
  currentState: { "artist.followed": everyArtistFollow },
});
