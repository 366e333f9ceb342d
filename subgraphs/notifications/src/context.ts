// The one context type of the notifications subgraph: the caller, and the service's long-lived
// dependencies.
import type { PubSub, RequestBase } from "@melodi/kit";
import type { Db } from "./db.ts";

export interface Services {
  db: Db;
  /** Live events between replicas: what subscriptions deliver (ARCHITECTURE.md §7, §8). */
  pubsub: PubSub;
}

export type Context = RequestBase & Services;
