// `./melodi test` (pnpm test): generated code, format and lint, typecheck, schema checks
// (supergraph, migrations), then every test against real Postgres and Redis (scripts/services.ts
// says which). Extra arguments go to vitest, e.g. `./melodi test tests/users`.
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { ensurePostgres, ensureRedis } from "./services.ts";
import { root } from "./subgraphs.ts";

const bin = (name: string) => path.join(root, "node_modules/.bin", name);
const log = (msg: string) => console.log(`» ${msg}`);

function step(title: string, file: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  log(title);
  execFileSync(file, args, { cwd: root, stdio: "inherit", env });
}

let exitCode = 1;
const started: { stop(): Promise<void> }[] = [];
try {
  step("generate Prisma clients, resolver types and typed clients", process.execPath, ["scripts/generate.ts"]);
  step("format and lint (Biome; `pnpm format` rewrites files to the format)", bin("biome"), [
    "ci",
    "--reporter=summary",
    ".",
  ]);
  step("typecheck", bin("tsc"), ["--noEmit", "-p", "."]);
  step("supergraph is composed and current", process.execPath, ["scripts/compose.ts", "--check"]);

  const postgres = await ensurePostgres({ persistent: false, log });
  started.push(postgres);
  const redis = await ensureRedis({ log });
  started.push(redis);
  const env = { ...process.env, DATABASE_URL: postgres.url, REDIS_URL: redis.url, NODE_ENV: "test" };

  step("every schema.prisma change has a migration", process.execPath, ["scripts/db/check.ts"], env);
  log("tests");
  exitCode =
    spawnSync(bin("vitest"), ["run", ...process.argv.slice(2)], { cwd: root, stdio: "inherit", env }).status ?? 1;
} catch (err) {
  if (!(err && typeof err === "object" && "status" in err)) console.error(err);
} finally {
  for (const service of started.reverse()) await service.stop().catch(() => {});
}
process.exit(exitCode);
