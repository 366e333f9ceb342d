/**
 * `work`, or a rejection with `message` if it has not settled within `ms` (the work itself is not
 * stopped). When the timer fires, the rejection waits two turns of the event loop (setImmediate,
 * after pending I/O callbacks): if the process itself was busy past the deadline, an answer that
 * already arrived (a Redis reply in the socket) settles `work` first, and a busy event loop is
 * not mistaken for a silent server.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, message = `no answer within ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let late: NodeJS.Immediate | undefined;
  const deadline = new Promise<never>((_, reject) => {
    // Two turns: one poll of the event loop handles at most 1,024 ready sockets (libuv), and a
    // process with many (a test worker, a busy replica) may need a second to reach this one.
    timer = setTimeout(() => {
      late = setImmediate(() => {
        late = setImmediate(() => reject(new Error(message)));
      });
    }, ms);
  });
  return Promise.race([work, deadline]).finally(() => {
    clearTimeout(timer);
    if (late) clearImmediate(late);
  });
}
