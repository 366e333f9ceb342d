// Entry point of the users subgraph: settings from the environment (see README).
import { commonConfig, requireEnv } from "@melodi/kit";
import { startUsers } from "./service.ts";
import { authLimitSettingsFromEnv } from "./accounts/limits.ts";

const env = process.env;
const common = commonConfig(env);
const service = await startUsers({
  ...common,
  port: Number(env.PORT ?? 4001),
  host: env.HOST ?? "127.0.0.1",
  signingKey: { kid: requireEnv(env, "JWT_SIGNING_KID"), privateKey: requireEnv(env, "JWT_SIGNING_KEY") },
  limits: authLimitSettingsFromEnv(env),
});
console.log(`users subgraph ready at ${service.url}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void service.stop().then(() => process.exit(0)));
}
