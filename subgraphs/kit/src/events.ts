// Events between subgraphs (README "Events between subgraphs"): a change other subgraphs care
// about is written to the producing subgraph's `OutboxEvent` table in the same transaction as the
// change; a relay moves undelivered rows to one BullMQ queue per consuming subgraph; each consumer
// applies an event in a transaction that also records its id in its own `ProcessedEvent` table,
// so an event delivered twice (a relay that crashed after enqueueing, a retried job, a back-fill)
// takes effect once. Nothing is lost while Redis or a consumer is down: the row waits in the
// outbox, the job in its queue (retried for about 9 hours, then kept in the queue's failed set and
// logged as an error, to be retried by hand once the cause is fixed).
//
// The kit knows no event and no consumer: each producer declares its events' payloads (module
// augmentation of EventPayloads, in its src/events.ts) and what it produces; each consumer
// declares its handlers in its src/events.ts, and subgraphs.json's `consumes` routes events.
import { randomUUID } from "node:crypto";
import { createJobs, type Jobs } from "./jobs.ts";
import type { Logger } from "./logger.ts";
import { consumersOf, loadManifest, type Manifest } from "./manifest.ts";
import { withTimeout } from "./timeout.ts";

/**
 * Every event type and what it carries. Empty here (an interface, so it can be augmented): a
 * producer adds its own in its src/events.ts, e.g.
 * `declare module "@melodi/kit" { interface EventPayloads { "user.deleted": { userId: string } } }`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: an interface (not a type) so that producers can augment it.
export interface EventPayloads {}
export type EventType = keyof EventPayloads;

export interface DomainEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  payload: EventPayloads[T];
  occurredAt: string;
}

/** What the outbox needs of a Prisma client or of one of its transactions (either fits as it is). */
export interface SqlRunner {
  // `any[]` as Prisma declares them: with `unknown[]` a Prisma client would not fit.
  // biome-ignore lint/suspicious/noExplicitAny: see above
  $executeRawUnsafe(query: string, ...values: any[]): PromiseLike<number>;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  $queryRawUnsafe<T = unknown>(query: string, ...values: any[]): PromiseLike<T>;
}
export interface TransactionalDb extends SqlRunner {
  $transaction<R>(fn: (tx: SqlRunner) => Promise<R>): PromiseLike<R>;
}

export type EventHandler<T extends EventType> = (event: DomainEvent<T>, tx: SqlRunner) => Promise<void>;
export type EventHandlers = { [T in EventType]?: EventHandler<T> };

/**
 * A producer's optional back-fill hook for one event type: the current state, as pages of
 * events (e.g. catalog replaying every song as `song.changed`). A consumer that subscribed late
 * gets these instead of the producer's retained outbox events, which only go back 7 days. Give
 * each event an id derived from what it describes and its version (e.g. a uuid v5 of the row id
 * and its updatedAt), so a back-fill run twice is skipped the second time, and let the payload
 * carry that version: a change relayed meanwhile may reach the consumer first.
 */
export type CurrentStateSource<T extends EventType> = (db: SqlRunner) => AsyncIterable<DomainEvent<T>[]>;

/** What a subgraph's src/events.ts exports as `events`. */
export interface SubgraphEvents<P extends EventType = EventType> {
  /** The event types it records in its outbox: its relay relays only these. */
  produces: readonly P[];
  /** What it does with the events it consumes: exactly its subgraphs.json `consumes`. */
  handlers: EventHandlers;
  /** Back-fill from current state, per produced type (see CurrentStateSource). */
  currentState?: { [T in P]?: CurrentStateSource<T> };
}

/** Declares a subgraph's events (typed: only declared types, only their payloads). */
export const defineEvents = <P extends EventType = never>(events: SubgraphEvents<P>): SubgraphEvents<P> => events;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;
const table = (schema: string, name: string) => {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`not a schema name: ${schema}`);
  return `"${schema}"."${name}"`;
};
export const queueOf = (subgraph: string) => `events-${subgraph}`;

/** Marks the relay's own statements (background work, not any request's) in logs and counters. */
export const RELAY_TAG = "/* outbox relay */";

/** Retries of a failing consumer: exponential from 1 s (1, 2, 4 … 16,384 s), about 9 hours in all. */
export const EVENT_JOB_DEFAULTS = {
  attempts: 16,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: 1000,
  removeOnFail: false,
} as const;

/**
 * Queues events for a consumer, one job per event with the event's id as job id: BullMQ adds
 * nothing for an id it still holds, and the consumer's ProcessedEvent skips one it applied.
 */
export async function enqueueEvents(
  jobs: Jobs,
  consumer: string,
  events: DomainEvent[],
  timeoutMs = 5000,
  jobIdOf: (event: DomainEvent) => string = (event) => event.id,
): Promise<void> {
  if (events.length === 0) return;
  const name = queueOf(consumer);
  try {
    const bulk = events.map((data) => ({ name: data.type, data, opts: { jobId: jobIdOf(data) } }));
    await withTimeout(
      jobs.queue<DomainEvent>(name, EVENT_JOB_DEFAULTS).addBulk(bulk),
      timeoutMs,
      `Redis did not answer within ${timeoutMs} ms`,
    );
  } catch (err) {
    // A queue whose set-up failed (Redis was down) stays failed: start afresh next time.
    void jobs.discard(name);
    throw err;
  }
}

interface OutboxRow {
  id: string;
  type: EventType;
  payload: EventPayloads[EventType];
  createdAt: Date;
}
const toEvent = (row: OutboxRow): DomainEvent => ({
  id: row.id,
  type: row.type,
  payload: row.payload,
  occurredAt: new Date(row.createdAt).toISOString(),
});

/**
 * A page of `schema`'s outbox, oldest first: the undelivered events of `types` (the relay), or
 * every retained one after `after` (a back-fill, which pages on from the last event it read).
 */
export async function readOutbox(
  db: SqlRunner,
  schema: string,
  types: readonly string[],
  page: { undelivered: true } | { after: DomainEvent | null },
  limit: number,
): Promise<DomainEvent[]> {
  const select = `${RELAY_TAG} SELECT "id"::text AS id, "type", "payload", "createdAt" FROM ${table(schema, "OutboxEvent")} WHERE "type" = ANY($1::text[])`;
  const order = `ORDER BY "createdAt", "id" LIMIT ${limit}`;
  const after = "after" in page ? page.after : null;
  const rows =
    "undelivered" in page
      ? await db.$queryRawUnsafe<OutboxRow[]>(`${select} AND "deliveredAt" IS NULL ${order}`, types)
      : after
        ? await db.$queryRawUnsafe<OutboxRow[]>(
            `${select} AND ("createdAt", "id") > ($2::timestamp, $3::uuid) ${order}`,
            types,
            after.occurredAt,
            after.id,
          )
        : await db.$queryRawUnsafe<OutboxRow[]>(`${select} ${order}`, types);
  return rows.map(toEvent);
}

export interface OutboxOptions<P extends EventType> {
  db: TransactionalDb;
  /** The producing subgraph's Postgres schema (its OutboxEvent table). */
  schema: string;
  /** The types this producer records; events of other types (a newer producer's) wait for a relay that knows them. */
  produces: readonly P[];
  redisUrl: string;
  /** BullMQ key prefix: bullPrefix(the service's Redis key prefix). */
  prefix: string;
  log: Logger;
  /** How often undelivered events are looked for (1 s); `nudge()` looks at once. */
  intervalMs?: number;
  /** false: no timer; only nudge() and flush() relay (tests). */
  autostart?: boolean;
  /** Who consumes what (default: subgraphs.json). */
  manifest?: Manifest;
}

export interface Outbox<P extends EventType = EventType> {
  /** Writes an event into the outbox; call it inside the transaction making the change. */
  record<T extends P>(tx: SqlRunner, type: T, payload: EventPayloads[T]): Promise<string>;
  /** Relays soon (after a commit that wrote events). */
  nudge(): void;
  /** Relays everything undelivered now; resolves with how many events went out. */
  flush(): Promise<number>;
  close(): Promise<void>;
}

const BATCH = 100;
const KEEP_DELIVERED = "7 days";

/** The producer's outbox, bound to its schema, with its relay. */
export function createOutbox<P extends EventType>(opts: OutboxOptions<P>): Outbox<P> {
  const manifest = opts.manifest ?? loadManifest();
  const outbox = table(opts.schema, "OutboxEvent");
  const known = [...opts.produces];
  // Adding jobs fails fast while Redis is away: the rows wait in the outbox meanwhile.
  const jobs = createJobs({ redisUrl: opts.redisUrl, prefix: opts.prefix, log: opts.log, failFast: true });
  const connection = jobs.connection;
  /** Resolves once Redis answers, or rejects after `ms`. */
  const redisReady = (ms: number) =>
    connection.status === "ready"
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            connection.off("ready", ready);
            reject(new Error("Redis is not reachable"));
          }, ms);
          const ready = () => {
            clearTimeout(timer);
            resolve();
          };
          connection.once("ready", ready);
        });
  let running: Promise<number> | null = null;
  let again = false;
  let closed = false;
  let lastCleanup = 0;

  // Read, enqueue, then mark delivered, with no transaction held across Redis: a slow or absent
  // Redis only delays events. Two replicas may enqueue the same event; the job id (the event id)
  // and the consumers' ProcessedEvent make that harmless. An event nobody consumes yet is marked
  // delivered all the same: it is kept a week, for a consumer that subscribes later to back-fill.
  async function relayBatch(): Promise<number> {
    const events = await readOutbox(opts.db, opts.schema, known, { undelivered: true }, BATCH);
    const perConsumer = new Map<string, DomainEvent[]>();
    for (const event of events) {
      for (const consumer of consumersOf(event.type, manifest))
        perConsumer.set(consumer, [...(perConsumer.get(consumer) ?? []), event]);
    }
    for (const [consumer, list] of perConsumer) await enqueueEvents(jobs, consumer, list);
    if (events.length === 0) return 0;
    const ids = events.map((e) => e.id);
    await opts.db.$executeRawUnsafe(
      `${RELAY_TAG} UPDATE ${outbox} SET "deliveredAt" = now() WHERE "id" = ANY($1::uuid[]) AND "deliveredAt" IS NULL`,
      ids,
    );
    return events.length;
  }

  async function flushAll(): Promise<number> {
    await redisReady(2000);
    let total = 0;
    for (;;) {
      const n = await relayBatch();
      total += n;
      if (n < BATCH || closed) break;
    }
    if (Date.now() - lastCleanup > 3600_000) {
      lastCleanup = Date.now();
      await opts.db.$executeRawUnsafe(
        `${RELAY_TAG} DELETE FROM ${outbox} WHERE "deliveredAt" < now() - interval '${KEEP_DELIVERED}'`,
      );
      const waiting = `${RELAY_TAG} SELECT count(*)::int AS n FROM ${outbox} WHERE "deliveredAt" IS NULL AND NOT ("type" = ANY($1::text[]))`;
      const [unknown] = await opts.db.$queryRawUnsafe<{ n: number }[]>(waiting, known);
      if (unknown && unknown.n > 0)
        opts.log.error(
          { events: unknown.n },
          "outbox relay: events of types this relay does not know wait undelivered",
        );
    }
    return total;
  }

  function flush(): Promise<number> {
    if (closed) return Promise.resolve(0);
    if (running) {
      again = true;
      return running;
    }
    running = flushAll().finally(() => {
      running = null;
      if (again && !closed) {
        again = false;
        tick();
      }
    });
    return running;
  }

  function tick() {
    void flush().catch((err: unknown) =>
      opts.log.warn({ err }, "outbox relay: events stay in the outbox until the next try"),
    );
  }
  const timer = opts.autostart === false ? undefined : setInterval(tick, opts.intervalMs ?? 1000);
  timer?.unref();

  return {
    async record(tx, type, payload) {
      const id = randomUUID();
      await tx.$executeRawUnsafe(
        `INSERT INTO ${outbox} ("id", "type", "payload") VALUES ($1::uuid, $2, $3::jsonb)`,
        id,
        type,
        JSON.stringify(payload),
      );
      return id;
    },
    nudge: () => {
      if (!closed) setImmediate(tick);
    },
    flush,
    async close() {
      closed = true;
      clearInterval(timer);
      await running?.catch(() => {});
      await jobs.close();
    },
  };
}

/**
 * Applies one event once: its handler and the `ProcessedEvent` record share a transaction, and
 * an event already recorded is skipped. Returns whether it was applied now.
 */
export async function applyEvent(
  db: TransactionalDb,
  schema: string,
  handlers: EventHandlers,
  event: DomainEvent,
): Promise<boolean> {
  const handler = handlers[event.type] as EventHandler<EventType> | undefined;
  if (!handler) return false;
  return db.$transaction(async (tx) => {
    const fresh = await tx.$executeRawUnsafe(
      `INSERT INTO ${table(schema, "ProcessedEvent")} ("id", "type") VALUES ($1::uuid, $2) ON CONFLICT ("id") DO NOTHING`,
      event.id,
      event.type,
    );
    if (fresh === 0) return false;
    await handler(event, tx);
    return true;
  });
}

/** How a subgraph's handlers differ from what its subgraphs.json entry says it consumes. */
export function handlerMismatch(
  subgraph: string,
  handlers: EventHandlers,
  manifest = loadManifest(),
): { unhandled: string[]; undeclared: string[] } {
  const consumes = manifest.subgraphs.find((s) => s.name === subgraph)?.consumes ?? [];
  const handled = Object.keys(handlers);
  return {
    unhandled: consumes.filter((t) => !handled.includes(t)),
    undeclared: handled.filter((t) => !consumes.includes(t)),
  };
}

export interface EventConsumerOptions {
  /** The consuming subgraph: its queue is events-<subgraph>, its ProcessedEvent table in its schema. */
  subgraph: string;
  db: TransactionalDb;
  jobs: Jobs;
  log: Logger;
  handlers: EventHandlers;
  manifest?: Manifest;
  /**
   * After an event was applied (committed), e.g. to announce live what it made. Its failure is
   * logged, never retried: the change stands.
   */
  afterApply?: (event: DomainEvent) => Promise<void>;
}

/**
 * A BullMQ worker applying the subgraph's events; a handler that throws is retried with backoff.
 * Refuses to start when the handlers and subgraphs.json disagree: events routed to it would go
 * unhandled, or handlers would wait for events no relay sends it.
 */
export function startEventConsumer(opts: EventConsumerOptions): void {
  const { unhandled, undeclared } = handlerMismatch(opts.subgraph, opts.handlers, opts.manifest);
  if (unhandled.length || undeclared.length) {
    throw new Error(
      `${opts.subgraph}: subgraphs.json consumes [${unhandled}] with no handler, and handlers [${undeclared}] are not in its consumes`,
    );
  }
  opts.jobs.worker<DomainEvent>(
    queueOf(opts.subgraph),
    async (job) => {
      const applied = await applyEvent(opts.db, opts.subgraph, opts.handlers, job.data);
      if (applied && opts.afterApply)
        await opts
          .afterApply(job.data)
          .catch((err: unknown) =>
            opts.log.warn({ err, eventId: job.data.id }, "after an applied event: failed (the change stands)"),
          );
      // debug: a fresh library applies thousands at start (every song); failures are warned of.
      opts.log.debug(
        { eventId: job.data.id, type: job.data.type, applied },
        applied ? "event applied" : "event skipped (already applied or not ours)",
      );
    },
    { concurrency: 4, describe: (job) => ({ eventId: job.data.id, type: job.data.type }) },
  );
}
