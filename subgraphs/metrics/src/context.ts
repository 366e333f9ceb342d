// The one context type of the metrics subgraph: the caller, the service's long-lived
// dependencies, and the request's loaders.
import type { PubSub, RequestBase } from "@melodi/kit";
import type { Db } from "./db.ts";
import type { Loaders } from "./loaders.ts";

export interface Services {
  db: Db;
  /** Live events between replicas: friend activity (ARCHITECTURE.md §7, §8). */
  pubsub: PubSub;
}

export type Context = RequestBase & Services & { loaders: Loaders };
