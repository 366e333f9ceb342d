// Background jobs on BullMQ, set up one way everywhere: every queue under the deployment's prefix
// (bullPrefix, so environments sharing a Redis stay apart), retries with exponential backoff,
// failed jobs kept in their queue's failed set (removeOnFail: false) to be looked at and retried
// once the cause is fixed, each failure logged (a warning while retries remain, an error after
// the last), and repeatable work as BullMQ job schedulers: upserted by id, so there is one
// schedule however many replicas start, and each tick runs on exactly one worker.
import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions as BullJobOptions } from "bullmq";
import { Redis } from "ioredis";
import { boundedRedisOptions } from "./redis.ts";
import type { Logger } from "./logger.ts";

export type { Job };
export type JobDefaults = Pick<BullJobOptions, "attempts" | "backoff" | "removeOnComplete" | "removeOnFail">;

/** What every job gets unless its queue or schedule says otherwise. */
export const JOB_DEFAULTS = {
  attempts: 3,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: false,
} as const satisfies JobDefaults;

export interface JobsOptions {
  redisUrl: string;
  /** BullMQ key prefix: bullPrefix(the service's Redis key prefix). */
  prefix: string;
  log: Logger;
  /**
   * Adding a job fails at once while Redis is unreachable instead of waiting for it to come back
   * (no offline queue): for producers that keep the work elsewhere meanwhile (the outbox relay).
   * Otherwise an add waits for a reconnect, at most the command timeout.
   */
  failFast?: boolean;
}

export interface WorkerOptions<T> {
  concurrency?: number;
  /** Runs before the last attempt's error is thrown: record the failure where users see it. */
  onLastFailure?: (job: Job<T>, err: unknown) => Promise<void>;
  /** What names a job in logs besides its queue (default: its id and name). */
  describe?: (job: Job<T>) => Record<string, unknown>;
}

export type Repeat = { every: number } | { pattern: string };

export interface Jobs {
  /** The producer connection every queue of this set shares (its status tells whether Redis answers). */
  connection: Redis;
  /** The queue of that name (one per name, made on first use). */
  queue<T = unknown>(name: string, defaults?: JobDefaults): Queue<T>;
  /** Closes the queue and forgets it: the next queue(name) makes a fresh one (after a failed set-up). */
  discard(name: string): Promise<void>;
  /** A worker taking the queue's jobs, on a connection of its own (BullMQ blocks on it). */
  worker<T = unknown>(name: string, process: (job: Job<T>) => Promise<unknown>, opts?: WorkerOptions<T>): Worker<T>;
  /** Creates or updates the repeatable schedule `id` of `queue`: one schedule, whoever calls it. */
  schedule<T = unknown>(
    queue: string,
    id: string,
    repeat: Repeat,
    job?: { name?: string; data?: T; opts?: JobDefaults },
  ): Promise<void>;
  /** The schedule as BullMQ holds it, or undefined. */
  scheduled(
    queue: string,
    id: string,
  ): Promise<{ id: string; every: number | null; pattern: string | null; next: number | null } | undefined>;
  /** Stops the workers (letting running jobs finish), then the queues and connections. */
  close(): Promise<void>;
}

/** Inside a processor: whether this run is the job's last attempt. */
export const isLastAttempt = (job: Job, err?: unknown) =>
  err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

export function createJobs(opts: JobsOptions): Jobs {
  // Producers add jobs from requests (a transcode after an upload) and at start-up (schedules):
  // every command is bounded so a Redis that is gone or hung fails the add instead of hanging
  // the request; the callers keep the work elsewhere meanwhile (the outbox rows, the song left
  // PROCESSING). Only workers, on connections of their own, wait for Redis without a bound.
  const connection = new Redis(
    opts.redisUrl,
    boundedRedisOptions({ commandTimeout: 2000, enableOfflineQueue: !opts.failFast }),
  );
  // Reported by the calls that fail (and by the workers' own error events).
  connection.on("error", () => {});
  const queues = new Map<string, Queue>();
  const workers: { worker: Worker; connection: Redis }[] = [];

  const queue = <T>(name: string, defaults?: JobDefaults): Queue<T> => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection, prefix: opts.prefix, defaultJobOptions: { ...JOB_DEFAULTS, ...defaults } });
      q.on("error", (err) => opts.log.warn({ err, queue: name }, "queue error"));
      queues.set(name, q);
    }
    return q as unknown as Queue<T>;
  };

  return {
    connection,
    queue,
    async discard(name) {
      const q = queues.get(name);
      queues.delete(name);
      await q?.close().catch(() => {});
    },
    worker<T>(name: string, process: (job: Job<T>) => Promise<unknown>, options: WorkerOptions<T> = {}) {
      const describe = options.describe ?? ((job: Job<T>) => ({ jobId: job.id, job: job.name }));
      const workerConnection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
      const worker = new Worker<T>(
        name,
        async (job) => {
          try {
            return await process(job);
          } catch (err) {
            if (options.onLastFailure && isLastAttempt(job, err)) await options.onLastFailure(job, err);
            throw err;
          }
        },
        { connection: workerConnection, prefix: opts.prefix, concurrency: options.concurrency ?? 1 },
      );
      worker.on("failed", (job, err) => {
        if (!job) return opts.log.error({ err, queue: name }, "job failed");
        const attempts = job.opts.attempts ?? 1;
        const context = { err, queue: name, ...describe(job), attempt: job.attemptsMade, attempts };
        const last = job.attemptsMade >= attempts || err instanceof UnrecoverableError;
        if (last) opts.log.error(context, "job gave up after its last attempt; it waits in the failed set");
        else opts.log.warn(context, "job failed; it will be retried");
      });
      worker.on("error", (err) => opts.log.warn({ err, queue: name }, "worker error"));
      workers.push({ worker: worker as unknown as Worker, connection: workerConnection });
      return worker;
    },
    async schedule(name, id, repeat, job = {}) {
      await queue(name).upsertJobScheduler(id, repeat, {
        name: job.name ?? id,
        data: job.data,
        opts: { ...JOB_DEFAULTS, ...job.opts },
      });
    },
    async scheduled(name, id) {
      const found = await queue(name).getJobScheduler(id);
      return found
        ? { id: found.key, every: found.every ?? null, pattern: found.pattern ?? null, next: found.next ?? null }
        : undefined;
    },
    async close() {
      await Promise.all(workers.map(({ worker }) => worker.close()));
      for (const { connection: c } of workers) c.disconnect();
      await Promise.all([...queues.values()].map((q) => q.close().catch(() => {})));
      connection.disconnect();
    },
  };
}
