// Entry point of the metrics subgraph. configFromEnv reads the settings (README "Configuration");
// the dev stack and tests call configFromEnv and start the same way (scripts/stack.ts).
import { commonConfig, stopOnSignals } from "@melodi/kit";
import { startMetrics, type MetricsConfig } from "./service.ts";

export function configFromEnv(env: NodeJS.ProcessEnv): MetricsConfig {
  return { ...commonConfig(env, "metrics"), rollupWorker: env.ROLLUP_WORKER ? env.ROLLUP_WORKER !== "false" : true };
}

export const start = startMetrics;

if (import.meta.main) {
  const service = await start(configFromEnv(process.env));
  console.log(`metrics subgraph ready at ${service.url}`);
  stopOnSignals(service);
}
