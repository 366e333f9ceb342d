// `/health`: the router itself. `/health/services`: each subgraph's own `/health` (its database
// and Redis included), so an operator sees which one is down.
import { request } from "undici";

export interface ServiceHealth {
  name: string;
  status: "ok" | "down";
  detail?: unknown;
  error?: string;
}

export async function servicesHealth(
  subgraphs: { name: string; url: string }[],
  timeoutMs = 2000,
): Promise<{ status: "ok" | "down"; services: ServiceHealth[] }> {
  const services = await Promise.all(
    subgraphs.map(async ({ name, url }): Promise<ServiceHealth> => {
      try {
        const res = await request(new URL("/health", url), { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
        const detail: unknown = await res.body.json().catch(() => undefined);
        return { name, status: res.statusCode === 200 ? "ok" : "down", detail };
      } catch {
        return { name, status: "down", error: "unreachable" };
      }
    }),
  );
  return { status: services.every((s) => s.status === "ok") ? "ok" : "down", services };
}
