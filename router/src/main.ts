// Entry point of the router. configFromEnv reads the settings (README "Configuration"); the dev
// stack reads them the same way (scripts/stack.ts), so a setting means the same everywhere.
import path from "node:path";
import { loadManifest, parsePublicKeys, stopOnSignals } from "@melodi/kit";
import { startRouter, type RouterConfig } from "./router.ts";

/** A setting of comma-separated `name=value` pairs (SUBGRAPH_URLS, SUBGRAPH_TIMEOUT_MS). */
function parsePairs(setting: string, value: string, what: string): [string, string][] {
  return value.split(",").map((pair) => {
    const [name, text] = pair.split("=");
    if (!name || !text) throw new Error(`${setting} entry "${pair}" is not name=${what}`);
    return [name.trim(), text.trim()];
  });
}

/** SUBGRAPH_URLS="users=http://users:4001/graphql,catalog=http://catalog:4002/graphql" */
function parseSubgraphUrls(value: string | undefined): Record<string, string> {
  return value ? Object.fromEntries(parsePairs("SUBGRAPH_URLS", value, "url")) : {};
}

/** SUBGRAPH_TIMEOUT_MS="10000" for every subgraph, or "catalog=30000,*=10000" per subgraph. */
function parseTimeouts(value: string | undefined): number | Record<string, number> | undefined {
  if (!value) return undefined;
  const ms = (text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0)
      throw new Error(`SUBGRAPH_TIMEOUT_MS: "${text}" is not a positive number of milliseconds`);
    return n;
  };
  if (!value.includes("=")) return ms(value.trim());
  return Object.fromEntries(parsePairs("SUBGRAPH_TIMEOUT_MS", value, "ms").map(([name, text]) => [name, ms(text)]));
}

/** MAX_OPERATION_COST="10000": a positive number, or unset for the router's default. */
function parseMaxCost(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`MAX_OPERATION_COST: "${value}" is not a positive number`);
  return n;
}

export function configFromEnv(env: NodeJS.ProcessEnv): RouterConfig {
  if (env.NODE_ENV === "production" && !env.SUBGRAPH_SECRET)
    throw new Error("SUBGRAPH_SECRET is not set (the secret the router proves itself with to subgraphs).");
  return {
    port: Number(env.PORT ?? loadManifest().router.port),
    host: env.HOST ?? "127.0.0.1",
    supergraphPath: env.SUPERGRAPH_PATH ?? path.resolve(import.meta.dirname, "../../schema/supergraph.graphql"),
    subgraphUrls: parseSubgraphUrls(env.SUBGRAPH_URLS),
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    publicKeys: parsePublicKeys(env.JWT_PUBLIC_KEYS),
    requestsPerMinute: env.LIMIT_REQUESTS_PER_MINUTE ? Number(env.LIMIT_REQUESTS_PER_MINUTE) : undefined,
    trustedProxyHops: env.TRUSTED_PROXY_HOPS ? Number(env.TRUSTED_PROXY_HOPS) : 0,
    subgraphTimeoutMs: parseTimeouts(env.SUBGRAPH_TIMEOUT_MS),
    subgraphSecret: env.SUBGRAPH_SECRET || undefined,
    maxOperationCost: parseMaxCost(env.MAX_OPERATION_COST),
    // FORWARD_HEADERS="accept-language,apollographql-client-name": passed on to subgraphs as they are.
    forwardHeaders: env.FORWARD_HEADERS
      ? env.FORWARD_HEADERS.split(",")
          .map((h) => h.trim())
          .filter(Boolean)
      : undefined,
  };
}

if (import.meta.main) {
  const router = await startRouter(configFromEnv(process.env));
  console.log(`router ready at ${router.url}`);
  stopOnSignals(router);
}
