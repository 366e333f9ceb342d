// The one context type of the users subgraph: the caller, per-request loaders, and the
// service's long-lived dependencies.
import type { Redis } from "ioredis";
import type { OutboxRelay, RequestBase } from "@melodi/kit";
import type { Db } from "./db.ts";
import type { Loaders } from "./loaders.ts";
import type { SigningKey } from "./accounts/tokens.ts";
import type { AuthLimits } from "./accounts/limits.ts";

export interface Services {
  db: Db;
  redis: Redis;
  signingKey: SigningKey;
  limits: AuthLimits;
  /** Relays the events written to the outbox (DESIGN.md §6); nudge it after such a commit. */
  events: OutboxRelay;
}

export interface Context extends RequestBase, Services {
  loaders: Loaders;
}
