// The one context type of the library subgraph: the caller, per-request loaders, and the
// service's long-lived dependencies.
import type { Outbox, PubSub, RequestBase } from "@melodi/kit";
import type { Db } from "./db.ts";
import type { Loaders } from "./loaders.ts";
import type { events } from "./events.ts";

export interface Services {
  db: Db;
  /** Records library's events with the change (record), and relays them (nudge after such a commit). */
  outbox: Outbox<(typeof events.produces)[number]>;
  /** Live events between replicas: what subscriptions deliver (ARCHITECTURE.md §7, §8). */
  pubsub: PubSub;
}

export interface Context extends RequestBase, Services {
  loaders: Loaders;
}
