// `pnpm events:backfill <consumer>`: queues for a subgraph that subscribed late what it missed
// of the events it consumes (kit/src/backfill.ts says what, and why replaying is safe). Reads the
// producers' schemas with DATABASE_URL (the owner), queues on REDIS_URL under REDIS_KEY_PREFIX,
// as the services do. Run it once the consumer's new `consumes` is deployed.
import { backfill, bullPrefix, createJobs, createLogger, loadManifest } from "@melodi/kit";
import type { BackfillProducer, BackfillReport, Logger, SubgraphEvents } from "@melodi/kit";

/** A subgraph's Prisma client, as the back-fill uses it. */
type SubgraphDb = BackfillProducer["db"] & { $disconnect(): Promise<void> };

export interface BackfillRun {
  consumer: string;
  databaseUrl: string;
  redisUrl: string;
  /** The deployment's Redis key prefix (the services' REDIS_KEY_PREFIX). */
  keyPrefix?: string;
  log: Logger;
}

export async function runBackfill(run: BackfillRun): Promise<BackfillReport[]> {
  const manifest = loadManifest();
  const consumes = manifest.subgraphs.find((s) => s.name === run.consumer)?.consumes;
  if (!consumes) throw new Error(`${run.consumer} is not a subgraph of subgraphs.json`);
  // Each subgraph's own events.ts and Prisma client: the producers are whoever declares a type.
  const producers: (BackfillProducer & { db: SubgraphDb })[] = [];
  for (const { name } of manifest.subgraphs) {
    const { events } = (await import(`../../subgraphs/${name}/src/events.ts`)) as { events: SubgraphEvents };
    if (!events.produces.some((t) => consumes.includes(t))) continue;
    const { createDb } = (await import(`../../subgraphs/${name}/src/db.ts`)) as {
      createDb(opts: { databaseUrl: string }): SubgraphDb;
    };
    producers.push({ name, db: createDb({ databaseUrl: run.databaseUrl }), events });
  }
  const jobs = createJobs({ redisUrl: run.redisUrl, prefix: bullPrefix(run.keyPrefix), log: run.log, failFast: true });
  try {
    return await backfill({ consumer: run.consumer, producers, jobs, log: run.log, manifest });
  } finally {
    await jobs.close();
    await Promise.all(producers.map((p) => p.db.$disconnect()));
  }
}

if (import.meta.main) {
  const consumer = process.argv[2];
  if (!consumer || !process.env.DATABASE_URL) {
    console.error("usage: DATABASE_URL=... [REDIS_URL=...] [REDIS_KEY_PREFIX=...] pnpm events:backfill <consumer>");
    process.exit(2);
  }
  const log = createLogger("backfill", undefined, process.env.LOG_LEVEL ?? "info");
  try {
    const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
    const reports = await runBackfill({
      consumer,
      databaseUrl: process.env.DATABASE_URL,
      redisUrl,
      keyPrefix: process.env.REDIS_KEY_PREFIX,
      log,
    });
    for (const r of reports)
      console.log(`${r.producer} (${r.source}): ${r.events} events of ${r.types.join(", ")} queued for ${consumer}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
