// Entry point of the library subgraph. configFromEnv reads the settings (README "Configuration");
// the dev stack and tests call configFromEnv and start the same way (scripts/stack.ts).
import { commonConfig, stopOnSignals } from "@melodi/kit";
import { startLibrary, type LibraryConfig } from "./service.ts";

export function configFromEnv(env: NodeJS.ProcessEnv): LibraryConfig {
  return commonConfig(env, "library");
}

export const start = startLibrary;

if (import.meta.main) {
  const service = await start(configFromEnv(process.env));
  console.log(`library subgraph ready at ${service.url}`);
  stopOnSignals(service);
}
