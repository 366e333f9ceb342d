// Back-fill: what a consumer that subscribed late (a new subgraph, or a new `consumes` entry in
// subgraphs.json) needs of the events it missed. For each type it consumes, each producer of the
// type gives either its current state (its optional currentState source for that type, see
// CurrentStateSource) or else its retained outbox events (delivered ones are kept 7 days),
// oldest first. Each event is queued for the consumer as the relay would, on the same queue,
// under a job id of the run's own (so a consumer whose database was rebuilt gets even the events
// whose relayed jobs BullMQ still holds as completed); an event the consumer already applied is
// skipped (its ProcessedEvent). Events from now on come through the
// relay as usual once the consumer's `consumes` is deployed, so run the back-fill after that.
import { enqueueEvents, readOutbox } from "./events.ts";
import type { CurrentStateSource, DomainEvent, EventType, SqlRunner, SubgraphEvents } from "./events.ts";
import type { Jobs } from "./jobs.ts";
import type { Logger } from "./logger.ts";
import { loadManifest, type Manifest } from "./manifest.ts";

export interface BackfillProducer {
  /** The producing subgraph (its Postgres schema holds its OutboxEvent table). */
  name: string;
  /** Reads the producer's schema (its own client, or the database owner's). */
  db: SqlRunner;
  /** Its src/events.ts `events`. */
  events: SubgraphEvents;
}

export interface BackfillOptions {
  consumer: string;
  producers: BackfillProducer[];
  /** Where the consumer's queue is (createJobs with the deployment's prefix). */
  jobs: Jobs;
  log: Logger;
  manifest?: Manifest;
  /** Events read and queued at a time (500). */
  batchSize?: number;
}

export interface BackfillReport {
  producer: string;
  source: "outbox" | "current state";
  types: string[];
  /** How many events were queued (some may be skipped as already held or applied). */
  events: number;
}

export async function backfill(opts: BackfillOptions): Promise<BackfillReport[]> {
  const manifest = opts.manifest ?? loadManifest();
  const entry = manifest.subgraphs.find((s) => s.name === opts.consumer);
  if (!entry) throw new Error(`${opts.consumer} is not a subgraph of subgraphs.json`);
  const batch = opts.batchSize ?? 500;
  const reports: BackfillReport[] = [];
  // Job ids of this run's own: BullMQ keeps the last 1,000 completed jobs, and a consumer whose
  // database was rebuilt (its ProcessedEvent emptied) would otherwise see the events those jobs
  // carried dropped as already queued. The consumer's ProcessedEvent still applies each once.
  const run = `backfill-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const queue = async (events: DomainEvent[]) => {
    await enqueueEvents(opts.jobs, opts.consumer, events, 30_000, (event) => `${run}-${event.id}`);
    return events.length;
  };
  for (const type of entry.consumes) {
    const produced = opts.producers.some((p) => (p.events.produces as readonly string[]).includes(type));
    if (!produced) opts.log.warn({ type }, "back-fill: no subgraph produces this type");
  }
  for (const producer of opts.producers) {
    const types = entry.consumes.filter((t) =>
      (producer.events.produces as readonly string[]).includes(t),
    ) as EventType[];
    const fromState = types.filter((t) => producer.events.currentState?.[t]);
    const fromOutbox = types.filter((t) => !fromState.includes(t));
    for (const type of fromState) {
      const source = producer.events.currentState![type] as CurrentStateSource<EventType>;
      let events = 0;
      for await (const page of source(producer.db)) events += await queue(page);
      reports.push({ producer: producer.name, source: "current state", types: [type], events });
    }
    if (fromOutbox.length === 0) continue;
    // One scan for all its types, so the consumer gets them in the order they happened.
    let events = 0;
    let after: DomainEvent | null = null;
    for (;;) {
      const page = await readOutbox(producer.db, producer.name, fromOutbox, { after }, batch);
      events += await queue(page);
      if (page.length < batch) break;
      after = page.at(-1)!;
    }
    reports.push({ producer: producer.name, source: "outbox", types: fromOutbox, events });
  }
  for (const report of reports) opts.log.info(report, "back-fill queued");
  return reports;
}
