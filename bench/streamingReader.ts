// The reading side of `pnpm bench:streaming`, in a process of its own that loads nothing but
// Node itself (and bench/rounds.ts): the same reads measured inside the bench process (which has
// loaded the whole stack) ran far slower, on both sides, from garbage collection over its larger
// heap.
// Argument: JSON { urls: { <side>: url }, file, start, length, reads, rounds }.
// Prints JSON { <side>: [MB/s], file: [MB/s] }, one figure per round.
import { createReadStream } from "node:fs";
import http from "node:http";
import { inRotation } from "./rounds.ts";

const {
  urls,
  file,
  start: START,
  length: LENGTH,
  reads: READS,
  rounds: ROUNDS,
} = JSON.parse(process.argv[2]!) as {
  urls: Record<string, string>;
  file: string;
  start: number;
  length: number;
  reads: number;
  rounds: number;
};

function readHttp(agent: http.Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { range: `bytes=${START}-${START + LENGTH - 1}` } }, (res) => {
      if (res.statusCode !== 206) {
        res.resume();
        reject(new Error(`expected 206, got ${res.statusCode}`));
        return;
      }
      let bytes = 0;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolve(bytes));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

function readFile(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    createReadStream(file, { start: START, end: START + LENGTH - 1 })
      .on("data", (chunk) => (bytes += chunk.length))
      .on("end", () => resolve(bytes))
      .on("error", reject);
  });
}

/** MB/s (10^6 bytes) over `READS` sequential reads. */
async function measure(read: () => Promise<number>): Promise<number> {
  const started = performance.now();
  let total = 0;
  for (let i = 0; i < READS; i++) {
    const bytes = await read();
    if (bytes !== LENGTH) throw new Error(`read ${bytes} bytes, expected ${LENGTH}`);
    total += bytes;
  }
  return total / 1e6 / ((performance.now() - started) / 1000);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const sides: Record<string, () => Promise<number>> = { file: () => readFile(file) };
for (const [side, url] of Object.entries(urls)) sides[side] = () => readHttp(agent, url);
const names = Object.keys(sides);
for (const side of names) await measure(sides[side]!);
const results = await inRotation(names, ROUNDS, (side) => measure(sides[side]!));
agent.destroy();
console.log(JSON.stringify(results));
