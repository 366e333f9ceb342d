// Entry point of the catalog subgraph: settings from the environment (see README).
import { commonConfig } from "@melodi/kit";
import { startCatalog } from "./service.ts";

const env = process.env;
const service = await startCatalog({
  ...commonConfig(env),
  port: Number(env.PORT ?? 4002),
  host: env.HOST ?? "127.0.0.1",
});
console.log(`catalog subgraph ready at ${service.url}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void service.stop().then(() => process.exit(0)));
}
