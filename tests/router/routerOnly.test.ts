// Subgraphs answer GraphQL only to the router (SUBGRAPH_SECRET), take X-Forwarded-For only from
// it, and neither they nor the router suggest field names when the schema is not public.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "graphql";
import {
  commonConfig,
  createLogger,
  startSubgraph,
  SUBGRAPH_SECRET_HEADER,
  type RequestBase,
  type RunningService,
} from "@melodi/kit";
import { SubgraphClient } from "../../router/src/subgraphClient.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { gql } from "../support/graphql.ts";

/** A subgraph's minimum: the federation link the shared types need, its error codes, and `Query`. */
const sdl = (query: string) =>
  parse(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
    enum UserErrorCode { INVALID }
    type Query { ${query} }`);

let stack: Stack;
let probe: RunningService;
const SECRET = "probe-secret";
beforeAll(async () => {
  stack = await startStack({ router: true });
  // A subgraph of one field that answers with the client address it decided on.
  probe = await startSubgraph<RequestBase>(
    {
      name: "probe",
      modules: [
        {
          typeDefs: sdl("clientIp: String!"),
          resolvers: { Query: { clientIp: (_p: unknown, _a: unknown, ctx: RequestBase) => ctx.clientIp } },
        },
      ],
      log: createLogger("probe", undefined, "silent"),
      authenticator: { authenticate: async () => null },
      createContext: (base) => base,
      health: {},
      development: false,
      subgraphSecret: SECRET,
    },
    0,
  );
});
afterAll(async () => {
  await probe?.stop();
  await stack?.stop();
});

/** A request straight to a subgraph, as someone who reached its port would send it. */
async function direct(url: string, query: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe("subgraphs answer only the router", () => {
  it("refuses GraphQL without the secret or with a wrong one, _service { sdl } included, before running it", async () => {
    for (const url of Object.values(stack.services).map((s) => s.url)) {
      const attempts: Record<string, string>[] = [
        {},
        { [SUBGRAPH_SECRET_HEADER]: "guess" },
        { [SUBGRAPH_SECRET_HEADER]: "" },
      ];
      for (const headers of attempts) {
        for (const query of [`{ _service { sdl } }`, `{ __typename }`]) {
          const res = await direct(url, query, headers);
          expect(res.status, url).toBe(403);
          expect(res.body.errors[0].extensions.code).toBe("FORBIDDEN");
          expect(res.body.data).toBeUndefined();
        }
      }
      // Health checks stay open to the orchestrator.
      expect((await fetch(url.replace("/graphql", "/health"))).status).toBe(200);
    }
  });

  it("answers the router, which sends the secret", async () => {
    const res = await gql(stack.router!.url, `{ genres { slug } }`, {}, { headers: { [SUBGRAPH_SECRET_HEADER]: "" } });
    expect(res.errors).toBeUndefined();
    expect(Array.isArray(res.data.genres)).toBe(true);
  });

  it("takes X-Forwarded-For only from a request carrying the secret", async () => {
    const asRouter = await direct(probe.url, `{ clientIp }`, {
      [SUBGRAPH_SECRET_HEADER]: SECRET,
      "x-forwarded-for": "203.0.113.7",
    });
    expect(asRouter.body.data).toEqual({ clientIp: "203.0.113.7" });
    const forged = await direct(probe.url, `{ clientIp }`, { "x-forwarded-for": "203.0.113.7" });
    expect(forged.status).toBe(403);
  });

  it("never passes on a client's own copy of the secret header", async () => {
    const echo = await startSubgraph<RequestBase>(
      {
        name: "echo",
        modules: [{ typeDefs: sdl("ok: Boolean!"), resolvers: { Query: { ok: () => true } } }],
        log: createLogger("echo", undefined, "silent"),
        authenticator: { authenticate: async () => null },
        createContext: (base) => base,
        health: {},
        development: false,
        subgraphSecret: SECRET,
      },
      0,
    );
    const process = (client: SubgraphClient) =>
      client.process({
        request: { query: "{ ok }", variables: {} },
        context: { forwarded: { [SUBGRAPH_SECRET_HEADER]: SECRET } },
        kind: "incoming operation",
        incomingRequestContext: {},
      } as never);
    try {
      // A router without the secret does not let a client's header through (FORWARD_HEADERS
      // naming it): the subgraph refuses.
      const bare = new SubgraphClient("echo", echo.url);
      expect((await process(bare)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      await bare.close();
      const configured = new SubgraphClient("echo", echo.url, 5000, { secret: SECRET });
      expect((await process(configured)).data).toEqual({ ok: true });
      await configured.close();
    } finally {
      await echo.stop();
    }
  });

  it("requires SUBGRAPH_SECRET in production", () => {
    const env = {
      NODE_ENV: "production",
      DATABASE_URL: "postgresql://x@127.0.0.1/x",
      JWT_PUBLIC_KEYS: "{}",
    };
    expect(() => commonConfig(env, "users")).toThrow(/SUBGRAPH_SECRET/);
    expect(commonConfig({ ...env, SUBGRAPH_SECRET: "s" }, "users").subgraphSecret).toBe("s");
  });
});

describe("no field suggestions when introspection is off", () => {
  it("says a field is unknown without naming the ones that exist, at the router and at a subgraph", async () => {
    const router = await gql(stack.router!.url, `{ mee { id } }`);
    const subgraph = await gql(stack.services.users!.url, `{ mee { id } }`);
    for (const res of [router, subgraph]) {
      expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(res.errors?.[0]?.message).toContain("mee");
      expect(res.errors?.[0]?.message).not.toMatch(/did you mean/i);
    }
  });
});
