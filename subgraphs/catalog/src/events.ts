// What the catalog does with other subgraphs' events (kit/src/events.ts, DESIGN.md §6). Each
// handler runs in the transaction that records the event as applied.
import type { EventHandlers } from "@melodi/kit";

export const catalogEventHandlers: EventHandlers = {
  // A deleted account manages nothing: its artists stay, managed by their other accounts and
  // by admins, and no longer name it among their managers.
  async "user.deleted"(event, tx) {
    await tx.$executeRawUnsafe(`DELETE FROM "catalog"."ArtistManager" WHERE "userId" = $1::uuid`, event.payload.userId);
  },
};
