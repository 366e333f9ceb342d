// The kit's BullMQ helper (kit/src/jobs.ts) on the real Redis: queues under the deployment's
// prefix, retries then a kept and logged failure, and one schedule however many replicas set it.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { Redis } from "ioredis";
import { createJobs, type Jobs } from "@melodi/kit";
import { logRecorder } from "../support/logRecorder.ts";

const redisUrl = inject("redisUrl");
const sets: Jobs[] = [];
const redis = new Redis(redisUrl);
afterAll(async () => {
  for (const jobs of sets)
    await jobs
      .queue("q")
      .obliterate({ force: true })
      .catch(() => {});
  await Promise.all(sets.map((jobs) => jobs.close()));
  redis.disconnect();
});

function jobSet(prefix: string, log = logRecorder().log) {
  const jobs = createJobs({ redisUrl, prefix, log });
  sets.push(jobs);
  return jobs;
}

async function until(done: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const started = Date.now();
  while (!(await done()) && Date.now() - started < timeoutMs) await new Promise((resolve) => setTimeout(resolve, 25));
  return done();
}

describe("jobs", () => {
  it("runs a queue's jobs under the deployment's prefix", async () => {
    const prefix = `test:jobs:${randomUUID()}:bull`;
    const jobs = jobSet(prefix);
    const seen: number[] = [];
    jobs.worker<{ n: number }>("q", async (job) => void seen.push(job.data.n));
    await jobs.queue<{ n: number }>("q").add("add", { n: 7 });
    expect(await until(() => seen.length === 1)).toBe(true);
    expect(seen).toEqual([7]);
    expect(await redis.exists(`${prefix}:q:meta`)).toBe(1);
  });

  it("retries with backoff, then keeps the job in the failed set and logs it as an error", async () => {
    const { log, lines } = logRecorder();
    const jobs = jobSet(`test:jobs:${randomUUID()}:bull`, log);
    const lastFailures: string[] = [];
    let runs = 0;
    jobs.worker<{ id: string }>(
      "q",
      async () => {
        runs++;
        throw new Error("down the road");
      },
      {
        describe: (job) => ({ thing: job.data.id }),
        onLastFailure: async (job) => void lastFailures.push(job.data.id),
      },
    );
    const queue = jobs.queue<{ id: string }>("q", { attempts: 3, backoff: { type: "exponential", delay: 20 } });
    await queue.add("fail", { id: "x" });
    expect(await until(async () => (await queue.getFailedCount()) === 1)).toBe(true);
    expect(runs).toBe(3);
    expect(lastFailures).toEqual(["x"]);
    const [failed] = await queue.getFailed();
    expect(failed?.failedReason).toBe("down the road");
    expect(lines.filter((l) => l.level === "warn").map((l) => l.obj.thing)).toEqual(["x", "x"]);
    expect(lines.filter((l) => l.level === "error")).toMatchObject([
      { msg: expect.stringContaining("gave up"), obj: { thing: "x", attempts: 3 } },
    ]);
  });

  it("keeps one schedule however many replicas set it, and runs each tick once", async () => {
    const prefix = `test:jobs:${randomUUID()}:bull`;
    const replicas = [jobSet(prefix), jobSet(prefix)];
    const ticks: string[] = [];
    for (const jobs of replicas) {
      await jobs.schedule("q", "tidy", { every: 100 });
      jobs.worker("q", async (job) => void ticks.push(job.id!));
    }
    expect(await replicas[0]!.queue("q").getJobSchedulersCount()).toBe(1);
    expect(await replicas[1]!.scheduled("q", "tidy")).toMatchObject({ id: "tidy", every: 100 });
    expect(await until(() => ticks.length >= 3)).toBe(true);
    expect(new Set(ticks).size).toBe(ticks.length);
    // Setting it again (a restart with a new interval) changes the one schedule.
    await replicas[1]!.schedule("q", "tidy", { every: 60_000 });
    expect(await replicas[0]!.scheduled("q", "tidy")).toMatchObject({ every: 60_000 });
    expect(await replicas[0]!.queue("q").getJobSchedulersCount()).toBe(1);
  });
});
