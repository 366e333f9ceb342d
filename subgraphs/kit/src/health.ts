// Health of a service and of what it depends on, as `/health` reports it (ARCHITECTURE.md §11).
import { withTimeout } from "./timeout.ts";
export interface CheckResult {
  status: "ok" | "down";
  latencyMs: number;
  error?: string;
}

export type HealthChecks = Record<string, () => Promise<unknown>>;

export interface HealthReport {
  status: "ok" | "down";
  service: string;
  checks: Record<string, CheckResult>;
}

async function runCheck(check: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  try {
    await withTimeout(check(), timeoutMs);
    return { status: "ok", latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    // A short reason, never a connection string or stack.
    const reason = err instanceof Error && /no answer within/.test(err.message) ? err.message : "unreachable";
    return { status: "down", latencyMs: Math.round(performance.now() - started), error: reason };
  }
}

export async function checkHealth(service: string, checks: HealthChecks, timeoutMs = 2000): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const),
  );
  const results = Object.fromEntries(entries);
  return { status: entries.every(([, r]) => r.status === "ok") ? "ok" : "down", service, checks: results };
}
