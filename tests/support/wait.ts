// Waiting, in set-up code, for what arrives through events (relays, queues) rather than at once.
// Inside a test, expect.poll says the same; hooks cannot use it.

/** Polls `done` every 100 ms until it holds or `timeoutMs` passes; whether it holds. */
export async function eventually(done: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const started = Date.now();
  while (!(await done()) && Date.now() - started < timeoutMs) await new Promise((resolve) => setTimeout(resolve, 100));
  return done();
}

/** As eventually, but throws when it never holds (`what`: what was waited for). */
export async function until(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  if (!(await eventually(done, timeoutMs))) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}
