// The media edge (deploy/edge/media.conf.template) outside containers, for the streaming
// benchmark and its tests: the same server block, wrapped in a whole nginx.conf that keeps
// everything (pid, temp files) in a folder of its own, run in the foreground by a local nginx.
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { root } from "./subgraphs.ts";

export const EDGE_TEMPLATE = path.join(root, "deploy/edge/media.conf.template");

export interface EdgeOptions {
  port: number;
  /** The catalog's base URL, e.g. http://127.0.0.1:4002. */
  catalogUrl: string;
  /** The catalog's MEDIA_DIR. */
  mediaDir: string;
}

/** The nginx binary on PATH (or NGINX_PATH), or null when there is none. */
export function findNginx(): string | null {
  const candidate = process.env.NGINX_PATH || "nginx";
  for (const bin of [candidate, "/usr/sbin/nginx"]) {
    try {
      execFileSync(bin, ["-v"], { stdio: "ignore" });
      return bin;
    } catch {
      // try the next
    }
  }
  return null;
}

/** The template with its variables filled in, as the nginx image's envsubst would. */
export function renderEdgeServer(opts: EdgeOptions): string {
  const values: Record<string, string> = {
    EDGE_PORT: String(opts.port),
    CATALOG_URL: opts.catalogUrl.replace(/\/+$/, ""),
    MEDIA_DIR: path.resolve(opts.mediaDir),
  };
  return readFileSync(EDGE_TEMPLATE, "utf8").replace(
    /\$\{([A-Z_]+)\}/g,
    (whole, name: string) => values[name] ?? whole,
  );
}

export interface Edge {
  url: string;
  stop(): Promise<void>;
}

/** Starts nginx with the edge's server block; resolves once it answers. */
export async function startEdge(nginx: string, opts: EdgeOptions): Promise<Edge> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "melodi-edge-"));
  mkdirSync(path.join(dir, "logs"));
  writeFileSync(path.join(dir, "server.conf"), renderEdgeServer(opts));
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
  writeFileSync(
    path.join(dir, "nginx.conf"),
    [
      "daemon off;",
      "worker_processes 1;",
      `pid ${path.join(dir, "nginx.pid")};`,
      "error_log stderr warn;",
      // As root, nginx's workers would otherwise run as "nobody", who may not read MEDIA_DIR.
      ...(process.getuid?.() === 0 ? ["user root;"] : []),
      "events { worker_connections 1024; }",
      "http {",
      "  access_log off;",
      `  ${temp("client_body")} ${temp("proxy")} ${temp("fastcgi")} ${temp("uwsgi")} ${temp("scgi")}`,
      `  include ${path.join(dir, "server.conf")};`,
      "}",
      "",
    ].join("\n"),
  );
  const child = spawn(nginx, ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", "stderr"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (!exited) child.kill("SIGQUIT");
    const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exit;
    clearTimeout(killer);
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${opts.port}`;
  for (const deadline = Date.now() + 10_000; ; ) {
    if (exited) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nginx exited before it was ready:\n${output}`);
    }
    try {
      await (await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) })).arrayBuffer();
      return { url, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`nginx did not answer on ${url}:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
