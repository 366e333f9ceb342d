// A bounded queue that is also an async iterator: the one shape a subscription's events take
// between whoever produces them (a pub/sub channel, an upstream graphql-ws sink) and graphql-ws,
// which pulls them with `for await`. Hand-written rather than an `async function*` on purpose: a
// generator's return() waits behind its pending next(), so a client that leaves while no event is
// coming would keep its upstream socket and listeners open; here return() ends the queue and runs
// `onEnd` at once (ARCHITECTURE.md §8).
//
// Bounded because graphql-ws awaits each send: a client that does not read stops the pulls, and
// events would pile up in memory. Past `maxQueued` undelivered events the queue fails with
// SlowConsumerError and the transport drops the connection.

export class SlowConsumerError extends Error {
  constructor(maxQueued: number) {
    super(`The client did not keep up: more than ${maxQueued} events waiting.`);
  }
}

export interface EventQueue<T> extends AsyncGenerator<T, undefined, unknown> {
  /** Adds an event; past the bound, fails the queue with SlowConsumerError instead. */
  push(value: T): void;
  /** Ends the iteration with an error (after the events already queued). */
  fail(error: unknown): void;
  /** Ends the iteration (after the events already queued). */
  end(): void;
  readonly size: number;
}

export function createEventQueue<T>(opts: { maxQueued: number; onEnd?: () => void }): EventQueue<T> {
  const queued: T[] = [];
  let waiting: { resolve: (r: IteratorResult<T, undefined>) => void; reject: (e: unknown) => void } | undefined;
  let finished = false; // no more pushes accepted
  let failure: { error: unknown } | undefined;
  let endRan = false;

  const runEnd = () => {
    if (endRan) return;
    endRan = true;
    opts.onEnd?.();
  };
  const settle = () => {
    if (!waiting) return;
    const w = waiting;
    if (queued.length > 0) {
      waiting = undefined;
      w.resolve({ value: queued.shift() as T, done: false });
    } else if (finished) {
      waiting = undefined;
      runEnd();
      if (failure) {
        const { error } = failure;
        failure = undefined;
        w.reject(error);
      } else w.resolve({ value: undefined, done: true });
    }
  };
  const finish = (error?: { error: unknown }) => {
    if (finished) return;
    finished = true;
    failure = error;
    settle();
  };

  const queue: EventQueue<T> = {
    push(value) {
      if (finished) return;
      if (queued.length >= opts.maxQueued) {
        // Nothing queued is worth delivering to a client that is being dropped.
        queued.length = 0;
        finish({ error: new SlowConsumerError(opts.maxQueued) });
        return;
      }
      queued.push(value);
      settle();
    },
    fail: (error) => finish({ error }),
    end: () => finish(),
    get size() {
      return queued.length;
    },
    next() {
      if (queued.length > 0) return Promise.resolve({ value: queued.shift() as T, done: false });
      if (finished) {
        runEnd();
        if (failure) {
          const { error } = failure;
          failure = undefined;
          return Promise.reject(error);
        }
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    return() {
      queued.length = 0;
      failure = undefined;
      finished = true;
      runEnd();
      const w = waiting;
      waiting = undefined;
      w?.resolve({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error) {
      queue.return(undefined);
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return queue;
    },
    [Symbol.asyncDispose]() {
      return queue.return(undefined).then(() => {});
    },
  };
  return queue;
}

/**
 * Maps each event of `source` through `map`, one at a time (events keep their order), with
 * return() forwarded to the source at once (see above).
 */
export function mapEvents<T, U>(
  source: AsyncIterator<T>,
  map: (value: T) => U | Promise<U>,
): AsyncGenerator<U, undefined, unknown> {
  let closed = false;
  const mapped: AsyncGenerator<U, undefined, unknown> = {
    async next() {
      if (closed) return { value: undefined, done: true };
      const item = await source.next();
      if (item.done || closed) return { value: undefined, done: true };
      return { value: await map(item.value), done: false };
    },
    async return() {
      closed = true;
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error) {
      closed = true;
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
    async [Symbol.asyncDispose]() {
      await mapped.return(undefined);
    },
  };
  return mapped;
}
