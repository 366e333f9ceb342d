// The one context type of the catalog subgraph.
import type { RequestBase } from "@melodi/kit";
import type { Db } from "./db.ts";
import type { Loaders } from "./loaders.ts";

export interface Services {
  db: Db;
}

export interface Context extends RequestBase, Services {
  loaders: Loaders;
}
