// Child processes for the benchmark (the users subgraph and the router, each in its own Node
// process so their CPU and memory can be read apart) and what Linux says about them in /proc.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import net from "node:net";

export interface Service {
  name: string;
  pid: number;
  child: ChildProcess;
  /** The last lines it wrote, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
  /** Sends a signal now if it is still running (for exit paths that cannot wait). */
  kill(signal: NodeJS.Signals): void;
}

const running = new Set<Service>();
let exitHook = false;

/** Signals every child still running; on process exit they get SIGKILL, so none outlives us. */
export function killAll(signal: NodeJS.Signals): void {
  for (const service of running) service.kill(signal);
}

/** A port nobody listens on right now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `node <script>` and resolves once `healthUrl` answers 200. */
export async function startService(opts: {
  name: string;
  script: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  healthUrl: string;
  nodeArgs?: string[];
  timeoutMs?: number;
}): Promise<Service> {
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => killAll("SIGKILL"));
  }
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.script], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exited: string | null = null;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = signal ? `signal ${signal}` : `code ${code}`;
      running.delete(service);
      resolve();
    });
  });
  child.once("error", (err) => (exited = String(err)));

  const service: Service = {
    name: opts.name,
    pid: child.pid ?? -1,
    child,
    output: () => tail.trim(),
    async stop() {
      if (exited !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exitedPromise;
      clearTimeout(killer);
    },
    kill(signal) {
      if (exited === null) child.kill(signal);
    },
  };
  running.add(service);

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (exited !== null) throw new Error(`${opts.name} exited (${exited}) before it was ready:\n${service.output()}`);
    try {
      const res = await fetch(opts.healthUrl, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return service;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await service.stop();
      throw new Error(
        `${opts.name} was not healthy at ${opts.healthUrl} within ${(opts.timeoutMs ?? 60_000) / 1000} s:\n${service.output()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU the process has used so far, in ms; undefined off Linux. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** Resident memory now (VmRSS) and its peak so far (VmHWM), in MiB; undefined off Linux. */
export function memory(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1]);
    const rss = kb("VmRSS");
    const peak = kb("VmHWM");
    return Number.isFinite(rss) ? { rss: rss / 1024, peak: peak / 1024 } : undefined;
  } catch {
    return undefined;
  }
}

/** Busy and total CPU time of the whole machine (all cores) so far, in ms (/proc/stat). */
export function machineCpuMs(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const [, ...values] = line.trim().split(/\s+/);
    const ticks = values.map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0); // idle + iowait
    const ms = 1000 / ticksPerSecond();
    return { busy: (total - idle) * ms, total: total * ms };
  } catch {
    return undefined;
  }
}

/**
 * Established TCP connections the process holds (its socket inodes in /proc/<pid>/fd matched
 * against /proc/net/tcp{,6}), optionally only those to `remotePort` or on `localPort`; 0 off Linux.
 */
export function tcpConnections(pid: number, filter: { remotePort?: number; localPort?: number } = {}): number {
  let inodes: Set<string>;
  try {
    inodes = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          } catch {
            return undefined;
          }
        })
        .filter((inode): inode is string => inode !== undefined),
    );
  } catch {
    return 0;
  }
  let count = 0;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== "01" || !inodes.has(f[9]!)) continue;
      const port = (address: string) => Number.parseInt(address.slice(address.lastIndexOf(":") + 1), 16);
      if (filter.remotePort !== undefined && port(f[2]!) !== filter.remotePort) continue;
      if (filter.localPort !== undefined && port(f[1]!) !== filter.localPort) continue;
      count += 1;
    }
  }
  return count;
}

/**
 * CPU ms used so far by every live process named `command` (/proc/<pid>/comm), e.g. "postgres"
 * (the server and its backends) or "redis-server": shared servers count anyone's use of them.
 */
export function cpuOfCommand(command: string): number | undefined {
  let total = 0;
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== command) continue;
      } catch {
        continue;
      }
      total += cpuMs(Number(entry)) ?? 0;
    }
  } catch {
    return undefined;
  }
  return total;
}
