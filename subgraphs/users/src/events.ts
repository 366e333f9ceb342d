// The events users produces, and what each carries (kit/src/events.ts; README "Events between
// subgraphs"). Consumers import this file's types; who consumes what is in subgraphs.json.
import { defineEvents } from "@melodi/kit";

declare module "@melodi/kit" {
  interface EventPayloads {
    /** An account was deleted (admin deleteUser). Catalog drops it from the artists it managed. */
    "user.deleted": { userId: string };
  }
}

export const events = defineEvents({
  produces: ["user.deleted"],
  // users consumes nothing yet.
  handlers: {},
});
