// Entry point of the notifications subgraph. configFromEnv reads the settings (README "Configuration");
// the dev stack and tests call configFromEnv and start the same way (scripts/stack.ts).
import { commonConfig, stopOnSignals } from "@melodi/kit";
import { startNotifications, type NotificationsConfig } from "./service.ts";

export function configFromEnv(env: NodeJS.ProcessEnv): NotificationsConfig {
  return commonConfig(env, "notifications");
}

export const start = startNotifications;

if (import.meta.main) {
  const service = await start(configFromEnv(process.env));
  console.log(`notifications subgraph ready at ${service.url}`);
  stopOnSignals(service);
}
