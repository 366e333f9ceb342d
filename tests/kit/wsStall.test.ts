// The kit's graphql-ws server drops a client that stops reading even when its socket's buffer
// stays under maxBufferedBytes: graphql-ws writes one message at a time and waits for it, so
// behind a stalled reader only one message is ever buffered. The stall watch (stallMs) closes
// such a socket with 1013 once its unsent data has not moved for that long.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { buildSchema, type ExecutionResult } from "graphql";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { createEventQueue, createGraphQLWsServer, createLogger, type EventQueue } from "@melodi/kit";

const schema = buildSchema(`type Query { a: Int } type Subscription { tick: String }`);
let feed: EventQueue<ExecutionResult> | undefined;
const server = http.createServer();
const ws = createGraphQLWsServer<object>({
  log: createLogger("test", { write: () => {} }, "fatal"),
  connect: async () => ({}),
  prepare: (_auth, document) => ({ schema, document }),
  subscribe: async () => {
    feed = createEventQueue<ExecutionResult>({ maxQueued: 1_000_000 });
    return feed;
  },
  formatError: (formatted) => formatted,
  // Only the stall watch can drop this client: the buffered-bytes bound is out of reach.
  maxBufferedBytes: Number.MAX_SAFE_INTEGER,
  stallMs: 300,
});
server.on("upgrade", (req, socket, head) => ws.upgrade(req, socket, head));
beforeAll(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
afterAll(async () => {
  await ws.close();
  server.close();
});

it("closes with 1013 a socket whose reader stopped, though its buffer stays small", async () => {
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}`, "graphql-transport-ws");
  const closed = new Promise<number>((resolve) => client.once("close", (code) => resolve(code)));
  await new Promise((resolve) => client.once("open", resolve));
  client.send(JSON.stringify({ type: "connection_init", payload: {} }));
  await new Promise((resolve) => client.once("message", resolve));
  client.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: "subscription { tick }" } }));
  while (!feed) await new Promise((r) => setTimeout(r, 10));
  // The client stops reading; events keep coming, 256 KiB each, until the server lets go.
  (client as unknown as { _socket: { pause(): void } })._socket.pause();
  const big = "x".repeat(256 * 1024);
  let sent = 0;
  let done = false;
  void closed.then(() => {
    done = true;
  });
  const pump = (async () => {
    while (!done && sent < 2000) {
      feed!.push({ data: { tick: big } });
      sent += 1;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  // Reading again lets the close frame through once the server has given up on the socket.
  setTimeout(() => (client as unknown as { _socket: { resume(): void } })._socket.resume(), 3000).unref();
  expect(await closed).toBe(1013);
  await pump;
  expect(sent).toBeLessThan(2000);
});
