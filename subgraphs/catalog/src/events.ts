// Catalog's events (kit/src/events.ts; README "Events between subgraphs"): what it does with
// other subgraphs' events (each handler runs in the transaction that records the event as
// applied; the types here must be catalog's `consumes` in subgraphs.json), and what it produces.
import { defineEvents } from "@melodi/kit";
// The payloads of the events catalog consumes are declared by their producers.
import type {} from "../../users/src/events.ts";

declare module "@melodi/kit" {
  interface EventPayloads {
    /** A song's current state for other subgraphs: sent when it is created, when any field below changes, and when its listing changes because of its release or an artist. */
    "song.changed": {
      songId: string;
      collectionId: string;
      /** Primary artist first, then featured artists in their order. */
      artistIds: string[];
      genreIds: string[];
      durationMs: number;
      /** Listeners may see it (Song.listed). */
      listed: boolean;
      /** Only ever grows for one song; a consumer keeps the state with the highest version (events may arrive out of order or twice). */
      version: number;
    };
    "collection.changed": {
      collectionId: string;
      artistId: string;
      title: string;
      listed: boolean;
      coverUrl: string | null;
      version: number;
    };
    "artist.changed": { artistId: string; name: string; listed: boolean; version: number };
  }
}

export const events = defineEvents({
  produces: [],
  handlers: {
    // A deleted account manages nothing: its artists stay, managed by their other accounts and
    // by admins, and no longer name it among their managers.
    async "user.deleted"(event, tx) {
      await tx.$executeRawUnsafe(
        `DELETE FROM "catalog"."ArtistManager" WHERE "userId" = $1::uuid`,
        event.payload.userId,
      );
    },
  },
});
