// Events between subgraphs (DESIGN.md §6): a change other subgraphs care about is written to
// the producing subgraph's `OutboxEvent` table in the same transaction as the change; a relay
// moves undelivered rows to one BullMQ queue per subscribing subgraph; each subscriber applies an
// event in a transaction that also records its id in its own `ProcessedEvent` table, so an event
// delivered twice (a relay that crashed after enqueueing, a retried job) takes effect once.
// Nothing is lost while Redis or a subscriber is down: the row waits in the outbox, the job in
// its queue (retried for about 9 hours, then kept in the queue's failed set and logged as an
// error, to be retried by hand once the cause is fixed).
import { randomUUID } from "node:crypto";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "./logger.ts";
import { withTimeout } from "./timeout.ts";

/** Every event, what it carries, and which subgraphs consume it. */
export interface EventPayloads {
  /** A user account was deleted (users). Catalog drops it from the artists it managed. */
  "user.deleted": { userId: string };
}
export type EventType = keyof EventPayloads;

export const EVENT_SUBSCRIBERS: { [T in EventType]: string[] } = {
  "user.deleted": ["catalog"],
};

export interface DomainEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  payload: EventPayloads[T];
  occurredAt: string;
}

/** What the outbox needs of a Prisma client (or of one of its transactions). */
export interface SqlRunner {
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
}
export interface TransactionalDb extends SqlRunner {
  $transaction<R>(fn: (tx: SqlRunner) => Promise<R>): PromiseLike<R>;
}

const SCHEMA_NAME = /^[a-z_]+$/;
const table = (schema: string, name: string) => {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`not a schema name: ${schema}`);
  return `"${schema}"."${name}"`;
};
export const queueOf = (subgraph: string) => `events-${subgraph}`;

/** Writes an event into `schema`'s outbox; call it inside the transaction making the change. */
export async function recordEvent<T extends EventType>(tx: SqlRunner, schema: string, type: T, payload: EventPayloads[T]): Promise<string> {
  const id = randomUUID();
  await tx.$executeRawUnsafe(`INSERT INTO ${table(schema, "OutboxEvent")} ("id", "type", "payload") VALUES ($1::uuid, $2, $3::jsonb)`, id, type, JSON.stringify(payload));
  return id;
}

export interface OutboxRelayOptions {
  db: TransactionalDb;
  /** The producing subgraph's Postgres schema (its OutboxEvent table). */
  schema: string;
  redisUrl: string;
  /** BullMQ key prefix (keeps environments sharing a Redis apart). */
  prefix: string;
  log: Logger;
  /** How often undelivered events are looked for (1 s); `nudge()` looks at once. */
  intervalMs?: number;
  /** false: no timer; only nudge() and flush() relay (tests). */
  autostart?: boolean;
}

export interface OutboxRelay {
  /** Relays soon (after a commit that wrote events). */
  nudge(): void;
  /** Relays everything undelivered now; resolves with how many events went out. */
  flush(): Promise<number>;
  close(): Promise<void>;
}

const BATCH = 100;
const KEEP_DELIVERED = "7 days";
const KNOWN_TYPES = Object.keys(EVENT_SUBSCRIBERS);
/** Marks the relay's own statements (background work, not any request's) in logs and counters. */
export const RELAY_TAG = "/* outbox relay */";
/** Retries of a failing subscriber: exponential from 1 s (1, 2, 4 … 16,384 s), about 9 hours in all. */
const ATTEMPTS = 16;

export function startOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  // Fails fast while Redis is down (no offline queue), so a round gives up instead of waiting.
  const connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  connection.on("error", () => {}); // reported through the failing rounds
  const queues = new Map<string, Queue>();
  const queue = (subgraph: string) => {
    let q = queues.get(subgraph);
    if (!q) {
      queues.set(subgraph, (q = new Queue(queueOf(subgraph), { connection, prefix: opts.prefix })));
      q.on("error", () => {}); // reported through the failing rounds
    }
    return q;
  };
  /** Resolves once Redis answers, or rejects after `ms`. */
  const redisReady = (ms: number) =>
    connection.status === "ready"
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => (connection.off("ready", ready), reject(new Error("Redis is not reachable"))), ms);
          const ready = () => (clearTimeout(timer), resolve());
          connection.once("ready", ready);
        });
  const outbox = table(opts.schema, "OutboxEvent");
  let running: Promise<number> | null = null;
  let again = false;
  let closed = false;
  let lastCleanup = 0;

  // Read, enqueue, then mark delivered, with no transaction held across Redis: a slow or absent
  // Redis only delays events. Two replicas may enqueue the same event; the job id (the event id)
  // and the subscribers' ProcessedEvent make that harmless.
  async function relayBatch(): Promise<number> {
    // Only types this relay knows: a newer producer's events (a rolling deploy) wait for a relay
    // that knows them (the hourly pass below reports them).
    const rows = await opts.db.$queryRawUnsafe<{ id: string; type: EventType; payload: EventPayloads[EventType]; createdAt: Date }[]>(
      `${RELAY_TAG} SELECT "id"::text AS id, "type", "payload", "createdAt" FROM ${outbox} WHERE "deliveredAt" IS NULL AND "type" = ANY($1::text[]) ORDER BY "createdAt", "id" LIMIT ${BATCH}`,
      KNOWN_TYPES,
    );
    const jobs = new Map<string, { name: string; data: DomainEvent; opts: { jobId: string; attempts: number; backoff: { type: "exponential"; delay: number }; removeOnComplete: number; removeOnFail: false } }[]>();
    for (const row of rows) {
      const data: DomainEvent = { id: row.id, type: row.type, payload: row.payload, occurredAt: new Date(row.createdAt).toISOString() };
      for (const subscriber of EVENT_SUBSCRIBERS[row.type]) {
        const list = jobs.get(subscriber) ?? [];
        list.push({ name: row.type, data, opts: { jobId: row.id, attempts: ATTEMPTS, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: 1000, removeOnFail: false } });
        jobs.set(subscriber, list);
      }
    }
    for (const [subscriber, list] of jobs) {
      try {
        await withTimeout(queue(subscriber).addBulk(list), 5000, "Redis did not answer within 5000 ms");
      } catch (err) {
        // A queue whose setup failed stays failed: start afresh next round.
        const broken = queues.get(subscriber);
        queues.delete(subscriber);
        void broken?.close().catch(() => {});
        throw err;
      }
    }
    if (rows.length > 0) await opts.db.$executeRawUnsafe(`${RELAY_TAG} UPDATE ${outbox} SET "deliveredAt" = now() WHERE "id" = ANY($1::uuid[]) AND "deliveredAt" IS NULL`, rows.map((r) => r.id));
    return rows.length;
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
      await opts.db.$executeRawUnsafe(`${RELAY_TAG} DELETE FROM ${outbox} WHERE "deliveredAt" < now() - interval '${KEEP_DELIVERED}'`);
      const [unknown] = await opts.db.$queryRawUnsafe<{ n: number }[]>(`${RELAY_TAG} SELECT count(*)::int AS n FROM ${outbox} WHERE "deliveredAt" IS NULL AND NOT ("type" = ANY($1::text[]))`, KNOWN_TYPES);
      if (unknown && unknown.n > 0) opts.log.error({ events: unknown.n }, "outbox relay: events of types this relay does not know wait undelivered");
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
    void flush().catch((err: unknown) => opts.log.warn({ err }, "outbox relay: events stay in the outbox until the next try"));
  }
  const timer = opts.autostart === false ? undefined : setInterval(tick, opts.intervalMs ?? 1000);
  timer?.unref();

  return {
    nudge: () => {
      if (!closed) setImmediate(tick);
    },
    flush,
    async close() {
      closed = true;
      clearInterval(timer);
      await running?.catch(() => {});
      await Promise.all([...queues.values()].map((q) => q.close().catch(() => {})));
      connection.disconnect();
    },
  };
}

export type EventHandlers = { [T in EventType]?: (event: DomainEvent<T>, tx: SqlRunner) => Promise<void> };

/**
 * Applies one event once: its handler and the `ProcessedEvent` record share a transaction, and
 * an event already recorded is skipped. Returns whether it was applied now.
 */
export async function applyEvent(db: TransactionalDb, schema: string, handlers: EventHandlers, event: DomainEvent): Promise<boolean> {
  const handler = handlers[event.type] as ((event: DomainEvent, tx: SqlRunner) => Promise<void>) | undefined;
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

export interface EventConsumerOptions {
  /** The consuming subgraph: its queue is events-<subgraph>. */
  subgraph: string;
  db: TransactionalDb;
  /** The consuming subgraph's Postgres schema (its ProcessedEvent table). */
  schema: string;
  redisUrl: string;
  prefix: string;
  log: Logger;
  handlers: EventHandlers;
}

/** A BullMQ worker applying the subgraph's events; a handler that throws is retried with backoff. */
export function startEventConsumer(opts: EventConsumerOptions): { close(): Promise<void> } {
  const connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker<DomainEvent>(
    queueOf(opts.subgraph),
    async (job) => {
      const applied = await applyEvent(opts.db, opts.schema, opts.handlers, job.data);
      opts.log.info({ eventId: job.data.id, type: job.data.type, applied }, applied ? "event applied" : "event skipped (already applied or not ours)");
    },
    { connection, prefix: opts.prefix, concurrency: 4 },
  );
  worker.on("failed", (job, err) => {
    const attempts = job?.opts.attempts ?? 1;
    if (job && job.attemptsMade >= attempts) {
      // Kept in the queue's failed set (removeOnFail: false): retry it there once the cause is fixed.
      opts.log.error({ err, eventId: job.data.id, type: job.data.type, attempts }, "event gave up after its last attempt; it waits in the failed set");
    } else {
      opts.log.warn({ err, eventId: job?.data.id, attempt: job?.attemptsMade }, "event failed; it will be retried");
    }
  });
  worker.on("error", (err) => opts.log.warn({ err }, "event consumer error"));
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
