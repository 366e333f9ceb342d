// The one context type of the notifications subgraph: the caller, the service's long-lived
// dependencies, and the request's loaders.
import type { Jobs, PubSub, RequestBase } from "@melodi/kit";
import type { Db } from "./db.ts";
import type { NotificationJobs } from "./jobs/schedule.ts";
import type { Loaders } from "./loaders.ts";

export interface Services {
  db: Db;
  /** Live events between replicas: what subscriptions deliver (ARCHITECTURE.md §7, §8). */
  pubsub: PubSub;
  /** BullMQ queues (admins read the failed sets). */
  jobs: Jobs;
  /** Notifications' background work: sends, the hourly tasks. */
  work: NotificationJobs;
}

export type Context = RequestBase & Services & { loaders: Loaders };
