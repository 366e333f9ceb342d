// `/health`: the router itself. `/health/services`: the router's own Redis (its revocation checks
// and client limit) and each subgraph's own `/health` (its database and Redis), so an operator
// sees which one is down and what is degraded: a service without Redis still answers public
// reads (README "When Redis is gone"), so it is `degraded`, not `down`.
import { request } from "undici";
import { checkHealth, type HealthChecks, type HealthStatus } from "@melodi/kit";

export interface ServiceHealth {
  name: string;
  status: HealthStatus;
  detail?: unknown;
  error?: string;
}

export interface ServicesReport {
  status: HealthStatus;
  /** The router's own dependencies. */
  router: Awaited<ReturnType<typeof checkHealth>>;
  services: ServiceHealth[];
  /** `<service>.<check>` for every check that failed without taking its service down. */
  degraded: string[];
}

export async function servicesHealth(
  subgraphs: { name: string; url: string }[],
  own: HealthChecks = {},
  timeoutMs = 2000,
): Promise<ServicesReport> {
  const [router, services] = await Promise.all([
    checkHealth("router", own, timeoutMs),
    Promise.all(
      subgraphs.map(async ({ name, url }): Promise<ServiceHealth> => {
        try {
          const res = await request(new URL("/health", url), { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
          const detail: unknown = await res.body.json().catch(() => undefined);
          const said = (detail as { status?: unknown } | undefined)?.status;
          const status: HealthStatus = res.statusCode !== 200 ? "down" : said === "degraded" ? "degraded" : "ok";
          return { name, status, detail };
        } catch {
          return { name, status: "down", error: "unreachable" };
        }
      }),
    ),
  ]);
  const degraded = [
    ...(router.degraded ?? []).map((check) => `router.${check}`),
    ...services.flatMap((s) =>
      ((s.detail as { degraded?: string[] } | undefined)?.degraded ?? []).map((check) => `${s.name}.${check}`),
    ),
  ];
  const all = [router.status, ...services.map((s) => s.status)];
  const status: HealthStatus = all.includes("down") ? "down" : all.includes("degraded") ? "degraded" : "ok";
  return { status, router, services, degraded };
}
