// Events between subgraphs (DESIGN.md §6): a change other subgraphs care about is written to
// the producing subgraph's `OutboxEvent` table in the same transaction as the change; a relay
// moves undelivered rows to one BullMQ queue per subscribing subgraph; each subscriber applies an
// event in a transaction that also records its id in its own `ProcessedEvent` table, so an event
// delivered twice (a relay that crashed after enqueueing, a retried job) takes effect once.
// Nothing is lost while Redis or a subscriber is down: the row waits in the outbox, the job in
// its queue.
import { randomUUID } from "node:crypto";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "./logger.ts";

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

export function startOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  // Fails fast while Redis is down (no offline queue): the batch's transaction rolls back and
  // the events wait for the next round rather than holding a transaction open.
  const connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  connection.on("error", () => {}); // reported through the failing adds
  const queues = new Map<string, Queue>();
  const queue = (subgraph: string) => {
    let q = queues.get(subgraph);
    if (!q) {
      queues.set(subgraph, (q = new Queue(queueOf(subgraph), { connection, prefix: opts.prefix })));
      q.on("error", () => {}); // reported through the failing adds
    }
    return q;
  };
  /** Resolves once Redis answers, or rejects after `ms`: a batch never waits on Redis with its rows locked. */
  const redisReady = (ms: number) =>
    connection.status === "ready"
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => (connection.off("ready", ready), reject(new Error("Redis is not reachable"))), ms);
          const ready = () => (clearTimeout(timer), resolve());
          connection.once("ready", ready);
        });
  const withTimeout = <T>(work: Promise<T>, ms: number) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
      work.then(
        (value) => (clearTimeout(timer), resolve(value)),
        (err: unknown) => (clearTimeout(timer), reject(err)),
      );
    });
  const outbox = table(opts.schema, "OutboxEvent");
  let running: Promise<number> | null = null;
  let again = false;
  let lastCleanup = 0;

  async function relayBatch(): Promise<number> {
    return opts.db.$transaction(async (tx) => {
      const rows = await tx.$queryRawUnsafe<{ id: string; type: EventType; payload: EventPayloads[EventType]; createdAt: Date }[]>(
        `SELECT "id"::text AS id, "type", "payload", "createdAt" FROM ${outbox} WHERE "deliveredAt" IS NULL ORDER BY "createdAt", "id" LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      );
      for (const row of rows) {
        const event: DomainEvent = { id: row.id, type: row.type, payload: row.payload, occurredAt: new Date(row.createdAt).toISOString() };
        for (const subscriber of EVENT_SUBSCRIBERS[row.type] ?? []) {
          // The job id is the event id: a second add of the same event is ignored while the job
          // exists, and subscribers skip what they already applied.
          const job = queue(subscriber).add(row.type, event, { jobId: row.id, attempts: 10, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: 1000, removeOnFail: false });
          await withTimeout(job, 5000);
        }
      }
      if (rows.length > 0) await tx.$executeRawUnsafe(`UPDATE ${outbox} SET "deliveredAt" = now() WHERE "id" = ANY($1::uuid[])`, rows.map((r) => r.id));
      return rows.length;
    });
  }

  async function flushAll(): Promise<number> {
    await redisReady(2000);
    let total = 0;
    for (;;) {
      const n = await relayBatch();
      total += n;
      if (n < BATCH) break;
    }
    if (Date.now() - lastCleanup > 3600_000) {
      lastCleanup = Date.now();
      await opts.db.$executeRawUnsafe(`DELETE FROM ${outbox} WHERE "deliveredAt" < now() - interval '${KEEP_DELIVERED}'`);
    }
    return total;
  }

  function flush(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = flushAll().finally(() => {
      running = null;
      if (again) {
        again = false;
        void flush().catch(() => {});
      }
    });
    return running;
  }

  const tick = () =>
    void flush().catch((err: unknown) => opts.log.warn({ err }, "outbox relay: events stay in the outbox until the next try"));
  const timer = opts.autostart === false ? undefined : setInterval(tick, opts.intervalMs ?? 1000);
  timer?.unref();

  return {
    nudge: () => setImmediate(tick),
    flush,
    async close() {
      clearInterval(timer);
      await running?.catch(() => {});
      await Promise.all([...queues.values()].map((q) => q.close()));
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
  worker.on("failed", (job, err) => opts.log.warn({ err, eventId: job?.data.id, attempt: job?.attemptsMade }, "event failed; it will be retried"));
  worker.on("error", (err) => opts.log.warn({ err }, "event consumer error"));
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
