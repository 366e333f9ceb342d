// The yardstick `pnpm bench:streaming` sets beside the media endpoint: the least any Node HTTP
// server can do for a ranged read. It holds the whole file in memory and answers every GET with
// 206 and the requested bytes in one write: no disk, no signature, no `send`. What the reader
// gets from it is what HTTP over loopback into a Node client costs by itself.
// Environment: FILE (path), PORT. Answers /health with 200.
import { readFileSync } from "node:fs";
import http from "node:http";

const bytes = readFileSync(process.env.FILE!);
const RANGE = /^bytes=(\d+)-(\d+)$/;

http
  .createServer((req, res) => {
    if (req.url === "/health") return void res.end("ok");
    const range = RANGE.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const end = range ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
    res.writeHead(range ? 206 : 200, {
      "content-type": "audio/mpeg",
      "content-length": end - start + 1,
      ...(range ? { "content-range": `bytes ${start}-${end}/${bytes.length}` } : {}),
    });
    res.end(bytes.subarray(start, end + 1));
  })
  .listen(Number(process.env.PORT), "127.0.0.1");
