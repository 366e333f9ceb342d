// The one context type of the users subgraph: the caller, per-request loaders, and the
// service's long-lived dependencies.
import type { Redis } from "ioredis";
import type { Outbox, PubSub, RequestBase } from "@melodi/kit";
import type { Db } from "./db.ts";
import type { Loaders } from "./loaders.ts";
import type { SigningKey } from "./accounts/tokens.ts";
import type { AuthLimits } from "./accounts/limits.ts";
import type { Revocations } from "./accounts/revocations.ts";
import type { events } from "./events.ts";

export interface Services {
  db: Db;
  redis: Redis;
  signingKey: SigningKey;
  limits: AuthLimits;
  /** What is revoked: recorded with each change, cached in Redis for every verifier. */
  revocations: Revocations;
  /** Records users' events with the change (record), and relays them (nudge it after such a commit). */
  outbox: Outbox<(typeof events.produces)[number]>;
  /** Live events between replicas: what subscriptions deliver (ARCHITECTURE.md §7, §8). */
  pubsub: PubSub;
}

export interface Context extends RequestBase, Services {
  loaders: Loaders;
}
