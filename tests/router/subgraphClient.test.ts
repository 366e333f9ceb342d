// How the router fetches from a subgraph (router/src/subgraphClient.ts) with its settings: the
// timeout per subgraph and the headers passed on. Against real HTTP servers on loopback.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SubgraphClient } from "../../router/src/subgraphClient.ts";
import { timeoutFor } from "../../router/src/router.ts";

let echo: http.Server;
let hung: http.Server;
const urlOf = (server: http.Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
beforeAll(async () => {
  // Answers with the headers it was sent.
  echo = http.createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ data: { headers: req.headers } }));
  });
  // Takes the request and never answers.
  hung = http.createServer(() => {});
  await Promise.all([echo, hung].map((s) => new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))));
});
afterAll(async () => {
  for (const s of [echo, hung]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

const request = { query: "{ __typename }", variables: {}, http: undefined } as never;
const context = (ctx: object) =>
  ({ request, context: ctx, kind: "incoming operation", incomingRequestContext: {} }) as never;

describe("the router's subgraph client", () => {
  it("passes on the configured headers, and never lets them replace the token, request id or address", async () => {
    const client = new SubgraphClient("echo", urlOf(echo));
    const res = await client.process(
      context({
        authorization: "Bearer verified",
        requestId: "req-9",
        clientIp: "203.0.113.5",
        forwarded: {
          "accept-language": "pt-BR",
          authorization: "Bearer forged",
          "x-request-id": "forged",
          "x-forwarded-for": "6.6.6.6",
        },
      }),
    );
    expect((res.data as { headers: Record<string, string> }).headers).toMatchObject({
      "accept-language": "pt-BR",
      authorization: "Bearer verified",
      "x-request-id": "req-9",
      "x-forwarded-for": "203.0.113.5",
    });
    await client.close();
  });

  it("gives up on a hung subgraph after its own timeout, naming it", async () => {
    const client = new SubgraphClient("catalog", urlOf(hung), timeoutFor({ catalog: 200, "*": 60_000 }, "catalog"));
    const started = performance.now();
    const error = await client.process(context({})).then(
      () => null,
      (err: unknown) => err as { extensions: Record<string, unknown> },
    );
    expect(error?.extensions).toEqual({ code: "SERVICE_UNAVAILABLE", serviceName: "catalog" });
    // Bounded by the setting, not the 10 s default (a generous margin: this is not a timing test).
    expect(performance.now() - started).toBeLessThan(5000);
    await client.close();
  });

  it("abandons the fetch when the client goes away, and the subgraph sees its caller gone", async () => {
    let closed!: () => void;
    const callerGone = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const slow = http.createServer((req) => req.socket.once("close", closed));
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    const client = new SubgraphClient("catalog", urlOf(slow), 60_000);
    const clientGone = new AbortController();
    const fetched = client.process(context({ signal: clientGone.signal })).then(
      () => null,
      (err: unknown) => err as { extensions: Record<string, unknown> },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    clientGone.abort();
    expect((await fetched)?.extensions).toEqual({ code: "SERVICE_UNAVAILABLE", serviceName: "catalog" });
    await callerGone;
    await client.close();
    slow.closeAllConnections();
    await new Promise((resolve) => slow.close(resolve));
  });

  it("reads the timeout setting as one value, per subgraph, or the default", () => {
    expect(timeoutFor(2500, "users")).toBe(2500);
    expect(timeoutFor({ catalog: 30_000, "*": 5000 }, "catalog")).toBe(30_000);
    expect(timeoutFor({ catalog: 30_000, "*": 5000 }, "users")).toBe(5000);
    expect(timeoutFor({ catalog: 30_000 }, "users")).toBe(10_000);
    expect(timeoutFor(undefined, "users")).toBe(10_000);
  });
});
