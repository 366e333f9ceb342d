// The one context type of the metrics subgraph: the caller, the service's long-lived
// dependencies, and the request's loaders.
import type { RequestBase } from "@melodi/kit";
import type { Db } from "./db.ts";
import type { Loaders } from "./loaders.ts";

export interface Services {
  db: Db;
}

export type Context = RequestBase & Services & { loaders: Loaders };
