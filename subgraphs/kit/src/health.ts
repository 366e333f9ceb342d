// Health of a service and of what it depends on, as `/health` reports it (ARCHITECTURE.md §11).
import { revocationCacheReady } from "./auth.ts";
import { type Redis, redisCall, RedisUnavailableError } from "./redis.ts";
import { withTimeout } from "./timeout.ts";

/** A failed check whose message is safe to show (no address, no stack). */
export class HealthCheckError extends Error {}
export interface CheckResult {
  status: "ok" | "down";
  latencyMs: number;
  error?: string;
}

/**
 * A dependency the service cannot serve without (its database) is `critical`: when it is down
 * the service is down. Without the others (Redis) it still answers, with less (README "When
 * Redis is gone"): the service is `degraded`, still healthy for a load balancer.
 */
export interface HealthCheck {
  check: () => Promise<unknown>;
  critical: boolean;
}

export type HealthChecks = Record<string, HealthCheck | (() => Promise<unknown>)>;

export type HealthStatus = "ok" | "degraded" | "down";

export interface HealthReport {
  status: HealthStatus;
  service: string;
  checks: Record<string, CheckResult>;
  /** The checks that failed, when the service still serves without them. */
  degraded?: string[];
}

/** HTTP status of a health answer: only a service that is down fails it. */
export const healthHttpStatus = (status: HealthStatus) => (status === "down" ? 503 : 200);

async function runCheck(check: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  try {
    await withTimeout(check(), timeoutMs);
    return { status: "ok", latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    // A short reason, never a connection string or stack.
    const shown =
      err instanceof HealthCheckError ||
      err instanceof RedisUnavailableError ||
      (err instanceof Error && /no answer within/.test(err.message));
    const reason = shown ? (err as Error).message : "unreachable";
    return { status: "down", latencyMs: Math.round(performance.now() - started), error: reason };
  }
}

export async function checkHealth(service: string, checks: HealthChecks, timeoutMs = 2000): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, entry]) => {
      const { check, critical } = typeof entry === "function" ? { check: entry, critical: true } : entry;
      return { name, critical, result: await runCheck(check, timeoutMs) };
    }),
  );
  const results = Object.fromEntries(entries.map((e) => [e.name, e.result]));
  const failed = entries.filter((e) => e.result.status !== "ok");
  if (failed.some((e) => e.critical)) return { status: "down", service, checks: results };
  if (failed.length > 0) return { status: "degraded", service, checks: results, degraded: failed.map((e) => e.name) };
  return { status: "ok", service, checks: results };
}

/**
 * Redis as a service sees it: does it answer (a request-path call, so a Redis that just timed
 * out shows as such), and is the revocation cache filled (ARCHITECTURE.md §4: until it is,
 * signed-in requests get SERVICE_UNAVAILABLE). Neither is critical: public reads go on.
 */
export function redisHealth(redis: Redis): HealthChecks {
  return {
    redis: { critical: false, check: () => redisCall(redis, () => redis.ping(), 1000) },
    revocationCache: {
      critical: false,
      check: async () => {
        if (!(await revocationCacheReady(redis)))
          throw new HealthCheckError("not filled yet: signed-in requests are refused until users fills it");
      },
    },
  };
}
