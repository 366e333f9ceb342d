// `pnpm bench:streaming`: a ranged 10 MB read of an audio rendition through the media endpoint
// against reading the same bytes straight from disk, side by side in one run. Prints MB/s for
// each and the ratios. Target (issue 3): endpoint ≥ 80 % of the plain file read.
//
// The sides:
//  - catalog: the catalog's own /media/ route (signed URL, HTTP Range via `send`, a body from
//    reused buffers), what local runs use;
//  - edge: the deployed path (deploy/edge/, docker-compose's `edge`): nginx sends the file with
//    sendfile after the catalog's /media-auth approves the link; measured when nginx is
//    installed (Debian: nginx-light);
//  - bare: a bare Node HTTP server (bench/bareRangeServer.ts) answering the same range from
//    memory in one write: the most any Node server can do, so catalog against it is what the
//    route's own work costs, and it against the file read what HTTP over loopback costs;
//  - file: fs.createReadStream of the same bytes.
// Every side is read by a Node client (a reader process of its own, keep-alive), then, when curl
// is installed, by curl, a native client like a player's HTTP stack (and file:// for the file).
//
// The catalog subgraph runs in its own process (NODE_ENV=production, no transcoding worker,
// a temporary MEDIA_DIR). The file (12 MB of random bytes, warm in the page cache) is read from
// byte 1 MiB for 10 MiB, BENCH_READS times per side per round, over BENCH_ROUNDS rounds rotating
// which side goes first; figures are the median round (the machine's other work makes single
// rounds swing). BENCH_CPU_PROF=<folder> writes a CPU profile of the catalog process there.
import { randomBytes, randomUUID } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensurePostgres, ensureRedis } from "../scripts/services.ts";
import { loadKeys } from "../scripts/stack.ts";
import { root } from "../scripts/subgraphs.ts";
import { createUrlSigner } from "../subgraphs/catalog/src/media/streaming.ts";
import { findNginx, startEdge } from "../scripts/edge.ts";
import { freePort, killAll, startService } from "./procs.ts";
import { inRotation } from "./rounds.ts";

const knob = (name: string, fallback: number) => (Number(process.env[name]) > 0 ? Number(process.env[name]) : fallback);
const READS = knob("BENCH_READS", 20);
const ROUNDS = knob("BENCH_ROUNDS", 5);
const START = 1024 * 1024;
const LENGTH = 10 * 1024 * 1024;
const TARGET = 0.8;
const log = (msg: string) => console.log(`» ${msg}`);

function hasCurl(): boolean {
  try {
    execFileSync("curl", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Mean MB/s of `reads` ranged transfers of `url` by one curl process (one connection). */
function curlSpeed(url: string, range: string, reads: number): number {
  const args = ["-s", "-f", "-r", range, "-w", "%{speed_download}\n"];
  for (let i = 0; i < reads; i++) args.push("-o", "/dev/null", url);
  const speeds = execFileSync("curl", args, { encoding: "utf8" }).trim().split("\n").map(Number);
  if (speeds.length !== reads || speeds.some((x) => !(x > 0))) throw new Error(`curl ${url}: unexpected output`);
  return speeds.reduce((a, b) => a + b, 0) / speeds.length / 1e6;
}

const LABELS: Record<string, string> = {
  catalog: "catalog /media/ route",
  edge: "edge (nginx + /media-auth)",
  bare: "bare Node HTTP server",
  file: "plain file read",
};

/** Prints the median round of each side and the ratios that matter. */
function report(client: string, results: Record<string, number[]>) {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const mbs = Object.fromEntries(Object.entries(results).map(([side, xs]) => [side, median(xs)]));
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  console.log("");
  console.log(`ranged 10 MiB read by ${client}: ${ROUNDS} rounds × ${READS} reads per side, median round`);
  for (const [side, value] of Object.entries(mbs))
    console.log(`  ${(LABELS[side] ?? side).padEnd(30)} ${value!.toFixed(0).padStart(6)} MB/s`);
  console.log(`  catalog route / bare server: ${pct(mbs.catalog! / mbs.bare!)} (what the route's own work costs)`);
  console.log(
    `  bare server / file read:     ${pct(mbs.bare! / mbs.file!)} (what HTTP over loopback costs a Node server)`,
  );
  for (const side of ["edge", "catalog"].filter((s) => mbs[s] !== undefined)) {
    const ratio = mbs[side]! / mbs.file!;
    console.log(
      `  ${side} / file read: ${pct(ratio)} (target ≥ ${TARGET * 100} %) ${ratio >= TARGET ? "✓ met" : "✗ below target"}`,
    );
  }
}

let exitCode = 0;
const stops: (() => Promise<void>)[] = [];
const mediaDir = mkdtempSync(path.join(os.tmpdir(), "melodi-bench-media-"));
try {
  const postgres = await ensurePostgres({ persistent: true, log });
  stops.push(() => postgres.stop());
  const redis = await ensureRedis({ log });
  stops.push(() => redis.stop());
  const keys = loadKeys(log);

  // A rendition as the transcoder stores it (media/transcode.ts: <MEDIA_DIR>/store/audio/<id>/320.mp3).
  const audioId = randomUUID();
  const file = path.join(mediaDir, "store", "audio", audioId, "320.mp3");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, randomBytes(12 * 1024 * 1024));

  const port = await freePort();
  const secret = randomBytes(32).toString("hex");
  const catalog = await startService({
    name: "catalog",
    script: "subgraphs/catalog/src/main.ts",
    nodeArgs: process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [],
    cwd: root,
    healthUrl: `http://127.0.0.1:${port}/health`,
    env: {
      ...process.env,
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      JWT_PUBLIC_KEYS: JSON.stringify(keys.publicKeys),
      MEDIA_DIR: mediaDir,
      MEDIA_URL_SECRET: secret,
      MEDIA_WORKER: "false",
    },
  });
  stops.push(() => catalog.stop());

  const barePort = await freePort();
  const bare = await startService({
    name: "bare-range-server",
    script: "bench/bareRangeServer.ts",
    cwd: root,
    healthUrl: `http://127.0.0.1:${barePort}/health`,
    env: { ...process.env, FILE: file, PORT: String(barePort) },
  });
  stops.push(() => bare.stop());

  const signed = (base: string) =>
    createUrlSigner({ secret, ttlSeconds: 3600, publicUrl: () => base }).audioUrl(audioId, 320);
  const urls: Record<string, string> = { catalog: signed(`http://127.0.0.1:${port}`) };
  const nginx = findNginx();
  if (nginx) {
    const edge = await startEdge(nginx, { port: await freePort(), catalogUrl: `http://127.0.0.1:${port}`, mediaDir });
    stops.push(() => edge.stop());
    urls.edge = signed(edge.url);
  } else {
    log("nginx not found: the edge (the deployed media path) is not measured");
  }
  urls.bare = `http://127.0.0.1:${barePort}/`;

  log(
    `warm-up, then ${ROUNDS} rounds × ${READS} reads of ${LENGTH / 1024 / 1024} MiB per side, in a reader process of its own`,
  );
  const output = execFileSync(
    process.execPath,
    [
      path.join(root, "bench/streamingReader.ts"),
      JSON.stringify({ urls, file, start: START, length: LENGTH, reads: READS, rounds: ROUNDS }),
    ],
    { encoding: "utf8" },
  );
  report("Node client (http.get; the file by fs.createReadStream)", JSON.parse(output) as Record<string, number[]>);

  if (hasCurl()) {
    const range = `${START}-${START + LENGTH - 1}`;
    const sides: Record<string, string> = { ...urls, file: `file://${file}` };
    const results = await inRotation(Object.keys(sides), ROUNDS, (side) => curlSpeed(sides[side]!, range, READS));
    report("curl (one process per side and round, one connection; the file by file://)", results);
  } else {
    log("curl not found: the native-client figures are skipped");
  }
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  killAll("SIGKILL");
  rmSync(mediaDir, { recursive: true, force: true });
}
process.exit(exitCode);
