// The kit's HTTP front takes WebSocket upgrades on the paths it is given, refuses the rest, and
// its close() ends upgraded sockets too (after letting their server say goodbye).
import http from "node:http";
import type { Duplex } from "node:stream";
import { ApolloServer } from "@apollo/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { close, createHttpFront, listen } from "@melodi/kit";

let apollo: ApolloServer;
beforeAll(async () => {
  apollo = new ApolloServer({ typeDefs: "type Query { ok: Boolean }", resolvers: { Query: { ok: () => true } } });
  await apollo.start();
});
afterAll(() => apollo.stop());

/** Asks for an upgrade; resolves with the socket (101) or the status it got instead. */
function upgrade(port: number, path: string): Promise<{ socket?: Duplex; status?: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      port,
      host: "127.0.0.1",
      path,
      headers: { connection: "Upgrade", upgrade: "websocket" },
    });
    req.on("upgrade", (_res, socket) => resolve({ socket }));
    req.on("response", (res) => resolve({ status: res.statusCode }));
    req.on("error", reject);
    req.end();
  });
}

describe("the kit's HTTP front", () => {
  it("hands upgrades on its paths to their handler, answers 404 elsewhere, and closes upgraded sockets on close()", async () => {
    const order: string[] = [];
    const server = createHttpFront({
      server: apollo,
      context: async () => ({}),
      upgrades: {
        "/graphql": (_req, socket) => {
          socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        },
      },
      beforeClose: async () => {
        order.push("beforeClose");
      },
    });
    const port = await listen(server, 0);
    const refused = await upgrade(port, "/elsewhere");
    expect(refused.status).toBe(404);
    const { socket } = await upgrade(port, "/graphql");
    expect(socket).toBeDefined();
    const ended = new Promise<void>((resolve) => {
      socket!.once("close", () => {
        order.push("client socket closed");
        resolve();
      });
    });
    // Plain HTTP still works beside it.
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"query":"{ ok }"}',
    });
    expect(await res.json()).toEqual({ data: { ok: true } });
    await close(server);
    await ended;
    expect(order).toEqual(["beforeClose", "client socket closed"]);
    expect(server.listening).toBe(false);
  });
});
