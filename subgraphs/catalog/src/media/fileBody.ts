// Writes a byte range of a file into an HTTP response, reading into buffers that are reused.
// `send` (which still decides status, headers, Range and conditional requests) would pipe a
// fs.ReadStream, which allocates a fresh buffer for every read: in the catalog process, with its
// large heap, collecting those buffers was the endpoint's main cost (the CPU profile of
// `pnpm bench:streaming` showed the garbage collector at 2.5× the time spent reading).
//
// Each response keeps at most IN_FLIGHT chunks between the disk and the socket, so a slow
// listener holds 512 KiB, not the file; a buffer goes back to the pool only once the socket is
// done with it (the write's callback), never while the kernel may still read from it. A client
// that takes nothing for `stallTimeoutMs` (a reader that stopped, a half-open connection) loses
// the connection, which frees the file handle and the buffers.
import type http from "node:http";
import { open } from "node:fs/promises";

const CHUNK_BYTES = 256 * 1024;
const IN_FLIGHT = 2;
/** Buffers kept for reuse across responses (16 MiB); beyond that they are left to the GC. */
const POOL_MAX = 64;
const pool: Buffer[] = [];

const takeBuffer = () => pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
const giveBuffer = (buffer: Buffer) => {
  if (pool.length < POOL_MAX) pool.push(buffer);
};

/**
 * Writes `length` bytes of the file at `path` from `start`, then ends the response. If the file
 * turns out shorter than that, the connection is destroyed rather than ended, so the client sees
 * a truncated transfer, not a short body under a longer Content-Length.
 */
export async function writeFileRange(
  res: http.ServerResponse,
  path: string,
  start: number,
  length: number,
  opts: { stallTimeoutMs?: number } = {},
): Promise<void> {
  const stallTimeoutMs = opts.stallTimeoutMs ?? 60_000;
  const file = await open(path, "r");
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const onClose = () => wake?.();
  res.on("close", onClose);
  try {
    const end = start + length;
    let position = start;
    while (position < end && !res.destroyed) {
      if (inFlight >= IN_FLIGHT) {
        let stalled: NodeJS.Timeout | undefined;
        const progressed = await new Promise<boolean>((resolve) => {
          wake = () => resolve(true);
          stalled = setTimeout(() => resolve(false), stallTimeoutMs);
        });
        clearTimeout(stalled);
        wake = null;
        if (!progressed) {
          res.destroy();
          return;
        }
        continue;
      }
      const buffer = takeBuffer();
      const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK_BYTES, end - position), position);
      if (bytesRead === 0) {
        giveBuffer(buffer);
        res.destroy();
        return;
      }
      position += bytesRead;
      inFlight++;
      res.write(buffer.subarray(0, bytesRead), (err) => {
        inFlight--;
        // After an error the socket is gone; the buffer is left to the GC rather than trusted.
        if (!err) giveBuffer(buffer);
        wake?.();
      });
    }
    if (!res.destroyed) res.end();
  } finally {
    res.off("close", onClose);
    await file.close();
  }
}
