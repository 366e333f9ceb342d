// Catalog's events (kit/src/events.ts; README "Events between subgraphs"): what it does with
// other subgraphs' events (each handler runs in the transaction that records the event as
// applied; the types here must be catalog's `consumes` in subgraphs.json), and what it produces
// (none yet: song and release events for the library subgraph will be declared here).
import { defineEvents } from "@melodi/kit";
// The payloads of the events catalog consumes are declared by their producers.
import type {} from "../../users/src/events.ts";

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
