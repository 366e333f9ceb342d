// How a long-running process ends (kit lifecycle.ts): a signal, or the parent going away, stops
// what it runs and exits; a stop that hangs is cut off after the grace period. Real processes.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(path.join(os.tmpdir(), "melodi-lifecycle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kit = path.resolve(import.meta.dirname, "../../subgraphs/kit/src/lifecycle.ts");

/** A service whose stop() takes `stopMs` (or never ends) and writes what happened to `log`. */
function serviceScript(log: string, stopMs: number | "never") {
  const file = path.join(dir, `service-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(
    file,
    `import { appendFileSync } from "node:fs";
import { stopOnSignals } from ${JSON.stringify(kit)};
const log = (line: string) => appendFileSync(${JSON.stringify(log)}, line + "\\n");
setInterval(() => {}, 1000);
stopOnSignals({ stop: () => { log("stop"); return ${stopMs === "never" ? "new Promise<void>(() => {})" : `new Promise<void>((r) => setTimeout(() => { log("stopped"); r(); }, ${stopMs}))`}; } }, { log, graceMs: 500, parentCheckMs: 50 });
log("ready");
`,
  );
  return file;
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
const lines = (file: string) => readFileSync(file, "utf8").trim().split("\n");
async function until(check: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}
const ready = (log: string) =>
  until(() => {
    try {
      return lines(log).includes("ready");
    } catch {
      return false;
    }
  });

describe("stopOnSignals", () => {
  it.each(["SIGINT", "SIGTERM", "SIGHUP"] as const)("stops the service on %s, once, then exits 0", async (signal) => {
    const log = path.join(dir, `${signal}.log`);
    const child = spawn(process.execPath, [serviceScript(log, 50)], { stdio: "ignore" });
    await ready(log);
    child.kill(signal);
    child.kill(signal); // a second signal while stopping does not start a second stop
    expect(await exitOf(child)).toBe(0);
    expect(lines(log)).toEqual(["ready", `${signal}: stopping`, "stop", "stopped"]);
  });

  it("stops the service when its parent dies without a word", async () => {
    const log = path.join(dir, "orphan.log");
    // The parent (a shell) starts the service in the background and is then killed outright.
    const parent = spawn("sh", ["-c", `"${process.execPath}" "${serviceScript(log, 50)}" & wait`], { stdio: "ignore" });
    await ready(log);
    parent.kill("SIGKILL");
    await until(() => lines(log).includes("stopped"));
    expect(lines(log)).toEqual(["ready", "the parent process exited: stopping", "stop", "stopped"]);
  });

  it("exits anyway, saying so, when the stop hangs past the grace period", async () => {
    const log = path.join(dir, "hung.log");
    const child = spawn(process.execPath, [serviceScript(log, "never")], { stdio: "ignore" });
    await ready(log);
    child.kill("SIGTERM");
    expect(await exitOf(child)).toBe(1);
    expect(lines(log)).toEqual(["ready", "SIGTERM: stopping", "stop", "still stopping after 500 ms: exiting anyway"]);
  });
});
