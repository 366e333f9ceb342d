// The kit's bounded event queue and event mapping (subgraphs/kit/src/eventQueue.ts): what every
// subscription's events pass through, in the subgraphs and in the router.
import { describe, expect, it } from "vitest";
import { createEventQueue, mapEvents, SlowConsumerError } from "@melodi/kit";

describe("the event queue", () => {
  it("hands events over in order, to a waiting reader or a later one", async () => {
    const queue = createEventQueue<number>({ maxQueued: 10 });
    const waiting = queue.next();
    queue.push(1);
    queue.push(2);
    expect(await waiting).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
    queue.end();
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it("ends a pending read at once on return() and runs onEnd once", async () => {
    let ended = 0;
    const queue = createEventQueue<number>({ maxQueued: 10, onEnd: () => ended++ });
    const pending = queue.next();
    await queue.return(undefined);
    expect(await pending).toEqual({ value: undefined, done: true });
    await queue.return(undefined);
    queue.push(1);
    expect(ended).toBe(1);
    expect(queue.size).toBe(0);
  });

  it("fails with SlowConsumerError past its bound, dropping what was queued", async () => {
    let ended = 0;
    const queue = createEventQueue<number>({ maxQueued: 3, onEnd: () => ended++ });
    for (let i = 0; i < 4; i++) queue.push(i);
    expect(queue.size).toBe(0);
    await expect(queue.next()).rejects.toBeInstanceOf(SlowConsumerError);
    expect(ended).toBe(1);
  });

  it("delivers queued events before a failure", async () => {
    const queue = createEventQueue<number>({ maxQueued: 3 });
    queue.push(1);
    queue.fail(new Error("upstream went away"));
    expect(await queue.next()).toEqual({ value: 1, done: false });
    await expect(queue.next()).rejects.toThrow("upstream went away");
  });
});

describe("mapEvents", () => {
  it("maps one event at a time and forwards return() to the source while a read is pending", async () => {
    let ended = 0;
    const source = createEventQueue<number>({ maxQueued: 10, onEnd: () => ended++ });
    const mapped = mapEvents(source, async (n) => n * 10);
    source.push(1);
    expect(await mapped.next()).toEqual({ value: 10, done: false });
    const pending = mapped.next();
    await mapped.return(undefined);
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(ended).toBe(1);
  });
});
