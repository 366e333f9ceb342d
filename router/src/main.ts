// Entry point of the router: settings from the environment (see README "Configuration").
import path from "node:path";
import { parsePublicKeys, stopOnSignals } from "@melodi/kit";
import { startRouter } from "./router.ts";

const env = process.env;

/** SUBGRAPH_URLS="users=http://users:4001/graphql,catalog=http://catalog:4002/graphql" */
function parseSubgraphUrls(value: string | undefined): Record<string, string> {
  if (!value) return {};
  return Object.fromEntries(
    value.split(",").map((pair) => {
      const [name, url] = pair.split("=");
      if (!name || !url) throw new Error(`SUBGRAPH_URLS entry "${pair}" is not name=url`);
      return [name.trim(), url.trim()];
    }),
  );
}

const router = await startRouter({
  port: Number(env.PORT ?? 4000),
  host: env.HOST ?? "127.0.0.1",
  supergraphPath: env.SUPERGRAPH_PATH ?? path.resolve(import.meta.dirname, "../../schema/supergraph.graphql"),
  subgraphUrls: parseSubgraphUrls(env.SUBGRAPH_URLS),
  redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
  publicKeys: parsePublicKeys(env.JWT_PUBLIC_KEYS),
  requestsPerMinute: env.LIMIT_REQUESTS_PER_MINUTE ? Number(env.LIMIT_REQUESTS_PER_MINUTE) : undefined,
  trustedProxyHops: env.TRUSTED_PROXY_HOPS ? Number(env.TRUSTED_PROXY_HOPS) : 0,
});
console.log(`router ready at ${router.url}`);

stopOnSignals(router);
