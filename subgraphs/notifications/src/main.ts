// Entry point of the notifications subgraph. configFromEnv reads the settings (README "Configuration");
// the dev stack and tests call configFromEnv and start the same way (scripts/stack.ts).
import { commonConfig, stopOnSignals } from "@melodi/kit";
import { startNotifications, type NotificationsConfig } from "./service.ts";
import type { PushConfig } from "./push/config.ts";

export function configFromEnv(env: NodeJS.ProcessEnv): NotificationsConfig {
  // Unset (or empty) settings take push/config.ts's defaults.
  const push: Partial<PushConfig> = Object.fromEntries(
    Object.entries({
      expoBaseUrl: env.EXPO_BASE_URL || undefined,
      expoAccessToken: env.EXPO_ACCESS_TOKEN || undefined,
      worker: env.PUSH_WORKER ? env.PUSH_WORKER !== "false" : undefined,
    }).filter(([, value]) => value !== undefined),
  );
  return { ...commonConfig(env, "notifications"), push };
}

export const start = startNotifications;

if (import.meta.main) {
  const service = await start(configFromEnv(process.env));
  console.log(`notifications subgraph ready at ${service.url}`);
  stopOnSignals(service);
}
