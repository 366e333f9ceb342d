// `pnpm start`: the whole stack locally, with demo data, until Ctrl-C, SIGTERM, or the parent
// process going away; then it stops everything it started, saying what it waits for.
import { execFileSync } from "node:child_process";
import { root } from "./subgraphs.ts";

// Generated code first (Prisma clients, resolver types): a fresh clone has none.
execFileSync(process.execPath, ["scripts/generate.ts"], { cwd: root, stdio: "inherit" });
const { stopOnSignals } = await import("@melodi/kit");
const { startLocalStack, stopStarted } = await import("./stack.ts");
const { SeedError } = await import("../subgraphs/users/src/seed.ts");

// What has started, so that a signal during start-up (the first seed takes half a minute) stops
// it too: Postgres first of all, which would otherwise outlive us holding its port.
const started: Parameters<typeof stopStarted>[0] = [];
let stopping = false;
stopOnSignals({
  stop: () => {
    stopping = true;
    return stopStarted(started);
  },
});
let stack: Awaited<ReturnType<typeof startLocalStack>>;
try {
  stack = await startLocalStack({ started });
} catch (err) {
  if (stopping) await new Promise(() => {}); // the signal's stop ends the process

  const code = (err as { code?: string }).code;
  if (err instanceof SeedError) console.error(`Cannot seed: ${err.message}`);
  else if (code === "EADDRINUSE")
    console.error(
      `A port is taken (${(err as Error).message}). Stop the other stack, or set PORT and <SUBGRAPH>_PORT (e.g. USERS_PORT).`,
    );
  else console.error(err);
  process.exit(1);
}

const column = (label: string) => `  ${label.padEnd(26)}`;
console.log(`
Melodi is running.
${column("Router (Apollo Sandbox):")}${stack.router.url}
${column("Explorer (offline):")}${stack.router.url.replace("/graphql", "/explorer")}
${stack.subgraphs.map((s) => `${column(`${s.name} subgraph:`)}${s.url}`).join("\n")}
${column("Health:")}${stack.router.url.replace("/graphql", "/health/services")}
Press Ctrl-C to stop.`);
