// Entry point of the users subgraph. configFromEnv reads the settings (README "Configuration");
// the dev stack and tests call configFromEnv and start the same way (scripts/stack.ts).
import { commonConfig, requireEnv, stopOnSignals } from "@melodi/kit";
import { startUsers, type UsersConfig } from "./service.ts";
import { authLimitSettingsFromEnv } from "./accounts/limits.ts";

export function configFromEnv(env: NodeJS.ProcessEnv): UsersConfig {
  return {
    ...commonConfig(env, "users"),
    signingKey: { kid: requireEnv(env, "JWT_SIGNING_KID"), privateKey: requireEnv(env, "JWT_SIGNING_KEY") },
    limits: authLimitSettingsFromEnv(env),
  };
}

export const start = startUsers;

if (import.meta.main) {
  const service = await start(configFromEnv(process.env));
  console.log(`users subgraph ready at ${service.url}`);
  stopOnSignals(service);
}
