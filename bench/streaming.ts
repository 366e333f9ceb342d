// `pnpm bench:streaming`: a ranged 10 MB read of an audio rendition through the catalog's media
// endpoint (signed URL, HTTP Range, `send`) against reading the same bytes straight from disk
// with fs.createReadStream, side by side in one run. Prints MB/s for each and the ratio.
// Target (issue 3): endpoint ≥ 80 % of the plain file read.
//
// A third side explains the gap: a bare Node HTTP server (bench/bareRangeServer.ts) answering
// the same range from memory in one write. The endpoint against it is what the endpoint's own
// work costs (signature, stat, disk reads, `send`); it against the file read is what HTTP over
// loopback into a Node client costs, whatever the server does. When curl is installed, the
// three reads are repeated by curl, a native client like a player's HTTP stack.
//
// The catalog subgraph runs in its own process (NODE_ENV=production, no transcoding worker,
// a temporary MEDIA_DIR), reached over loopback with a keep-alive agent. The file (12 MB of
// random bytes, warm in the page cache) is read from byte 1 MiB for 10 MiB, BENCH_READS times
// per side per round, over BENCH_ROUNDS rounds rotating which side goes first; figures are the
// median round (the machine's other work makes single rounds swing). BENCH_CPU_PROF=<folder>
// writes a CPU profile of the catalog process there (open it in Chrome DevTools).
import { randomBytes, randomUUID } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensurePostgres, ensureRedis } from "../scripts/services.ts";
import { loadKeys } from "../scripts/stack.ts";
import { root } from "../scripts/subgraphs.ts";
import { createUrlSigner } from "../subgraphs/catalog/src/media/streaming.ts";
import { freePort, killAll, startService } from "./procs.ts";

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

  const url = createUrlSigner({ secret, ttlSeconds: 3600, publicUrl: () => `http://127.0.0.1:${port}` }).audioUrl(audioId, 320);
  log(`warm-up, then ${ROUNDS} rounds × ${READS} reads of ${LENGTH / 1024 / 1024} MiB per side, in a reader process of its own`);
  const output = execFileSync(process.execPath, [path.join(root, "bench/streamingReader.ts"), JSON.stringify({ url, bareUrl: `http://127.0.0.1:${barePort}/`, file, start: START, length: LENGTH, reads: READS, rounds: ROUNDS })], { encoding: "utf8" });
  const results = JSON.parse(output) as { endpoint: number[]; bare: number[]; file: number[] };
  results.endpoint.forEach((e, i) => log(`round ${i + 1}: endpoint ${e.toFixed(0)} MB/s, bare server ${results.bare[i]!.toFixed(0)} MB/s, file ${results.file[i]!.toFixed(0)} MB/s`));

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const endpoint = median(results.endpoint);
  const bareServer = median(results.bare);
  const plain = median(results.file);
  const ratio = endpoint / plain;
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  console.log("");
  console.log(`ranged 10 MiB read, ${ROUNDS} rounds × ${READS} reads per side (median round)`);
  console.log(`  media endpoint (signed URL, HTTP Range via send): ${endpoint.toFixed(0)} MB/s`);
  console.log(`  bare Node HTTP server, same range from memory:   ${bareServer.toFixed(0)} MB/s`);
  console.log(`  plain file read (fs.createReadStream):            ${plain.toFixed(0)} MB/s`);
  console.log(`  endpoint / bare server: ${pct(endpoint / bareServer)} (what the endpoint's own work costs)`);
  console.log(`  bare server / file read: ${pct(bareServer / plain)} (what HTTP over loopback costs, whatever the server does)`);
  console.log(`  endpoint / file read: ${pct(ratio)} (target ≥ ${TARGET * 100} %) ${ratio >= TARGET ? "✓" : "✗ below target"}`);

  // The same three reads by a native client, as a player's HTTP stack would make them.
  if (hasCurl()) {
    const range = `${START}-${START + LENGTH - 1}`;
    const curlSides = { endpoint: url, bare: `http://127.0.0.1:${barePort}/`, file: `file://${file}` };
    const names = Object.keys(curlSides) as (keyof typeof curlSides)[];
    const curlResults: Record<keyof typeof curlSides, number[]> = { endpoint: [], bare: [], file: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < names.length; i++) {
        const side = names[(round + i) % names.length]!;
        curlResults[side].push(curlSpeed(curlSides[side], range, READS));
      }
    }
    const [cEndpoint, cBare, cFile] = names.map((side) => median(curlResults[side])) as [number, number, number];
    console.log("");
    console.log(`the same reads by curl (one process per side and round, ${READS} transfers each, median round)`);
    console.log(`  media endpoint: ${cEndpoint.toFixed(0)} MB/s, bare Node server: ${cBare.toFixed(0)} MB/s, file (file://): ${cFile.toFixed(0)} MB/s`);
    console.log(`  endpoint / bare server: ${pct(cEndpoint / cBare)}, bare server / file read: ${pct(cBare / cFile)}, endpoint / file read: ${pct(cEndpoint / cFile)}`);
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
