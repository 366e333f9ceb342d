// The router's index of WebSocket connections (router/src/subscriptions/connections.ts): the
// per-client cap, and which connections a revocation notice ends.
import { describe, expect, it } from "vitest";
import { createConnectionIndex, type TrackedConnection } from "../../router/src/subscriptions/connections.ts";

const connection = (over: Partial<TrackedConnection>) => {
  const closed: number[] = [];
  const c: TrackedConnection & { closed: number[] } = {
    clientKey: "ip:10.0.0.1",
    close: (code) => closed.push(code),
    closed,
    ...over,
  };
  return c;
};

describe("the connection index", () => {
  it("refuses a client's connection past the cap, and takes one again after a close", () => {
    const index = createConnectionIndex(2);
    const [a, b, c] = [connection({}), connection({}), connection({})];
    expect([index.add(a), index.add(b), index.add(c)]).toEqual([true, true, false]);
    expect(index.add(connection({ clientKey: "ip:10.0.0.2" }))).toBe(true);
    index.remove(a);
    index.remove(c); // never tracked: changes nothing
    expect(index.add(c)).toBe(true);
    expect(index.size()).toBe(3);
  });

  it("closes a session's connections, and a user's connections below the revoked token version", () => {
    const index = createConnectionIndex(10);
    const older = connection({ clientKey: "user:u1", userId: "u1", sessionId: "s1", tokenVersion: 0 });
    const newer = connection({ clientKey: "user:u1", userId: "u1", sessionId: "s2", tokenVersion: 1 });
    const other = connection({ clientKey: "user:u2", userId: "u2", sessionId: "s3", tokenVersion: 0 });
    for (const c of [older, newer, other]) index.add(c);

    expect(index.revoke({ userId: "u1", tokenVersion: 1 }, 4401)).toBe(1);
    expect(older.closed).toEqual([4401]);
    expect(newer.closed).toEqual([]);

    expect(index.revoke({ sessionId: "s2" }, 4401)).toBe(1);
    expect(newer.closed).toEqual([4401]);
    expect(other.closed).toEqual([]);
  });
});
