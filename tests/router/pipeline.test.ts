// The router's request pipeline (router/src/pipeline.ts), unit by unit, without HTTP: what every
// transport (HTTP today, graphql-ws next) gets for the same caller. Real Redis.
import { randomBytes, randomUUID } from "node:crypto";
import { buildSchema, getOperationAST, GraphQLError, parse, specifiedRules, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { createLogger, createRedis, revocationKeys, revokeUserTokens } from "@melodi/kit";
import { createPipeline, type Caller } from "../../router/src/pipeline.ts";
import { signAccessToken } from "../../subgraphs/users/src/accounts/tokens.ts";
import { testKeys } from "../support/keys.ts";

const keys = testKeys();
const redis = createRedis(inject("redisUrl"), `test:${randomBytes(4).toString("hex")}:`);
afterAll(() => redis.disconnect());
// No users subgraph here: the test fills the revocation cache's marker in its place.
beforeAll(() => redis.set(revocationKeys.ready, "1"));
const logged: { level: number; msg: string }[] = [];
const log = createLogger("router", { write: (line: string) => logged.push(JSON.parse(line)) }, "debug");
const pipeline = createPipeline({
  redis,
  publicKeys: keys.publicKeys,
  log,
  requestsPerMinute: 3,
  trustedProxyHops: 1,
  queryLimits: { maxDepth: 3, maxAliases: 2, maxFields: 20 },
  forwardHeaders: ["Accept-Language"],
  documentLimits: { maxSpreadDepth: 2 },
  supergraphSdl: `directive @listSize(assumedSize: Int) on FIELD_DEFINITION
    type Query { nodes: [Node!]! @listSize(assumedSize: 50) node: Node } type Node { child: Node name: String }`,
  cost: { maxCost: 40 },
});

// Each caller its own address: a random one out of 250 met another test's, already at the
// client limit, now and then (RATE_LIMITED where QUERY_TOO_COMPLEX was expected).
let callers = 0;
const caller = (over: Partial<Caller> = {}): Caller => ({
  authorization: undefined,
  clientIp: `10.0.${Math.floor(++callers / 250)}.${callers % 250}`,
  requestId: randomUUID(),
  ...over,
});
const tokenFor = (userId: string, tokenVersion = 0) =>
  `Bearer ${signAccessToken(keys.signingKey, { userId, role: "USER", sessionId: randomUUID(), tokenVersion }).token}`;
const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (err: unknown) => (err instanceof GraphQLError ? err.extensions.code : String(err)),
  );

describe("the request pipeline", () => {
  it("gives a signed-out caller no viewer and no token to forward, and only the configured headers", async () => {
    const ctx = await pipeline.contextFor(
      caller({ headers: { "accept-language": "es", cookie: "secret=1" }, requestId: "req-1" }),
    );
    expect(ctx).toMatchObject({
      viewer: null,
      authorization: undefined,
      requestId: "req-1",
      forwarded: { "accept-language": "es" },
    });
    expect(ctx.forwarded).not.toHaveProperty("cookie");
  });

  it("verifies a token into a viewer and forwards it; refuses a bad, foreign or revoked one", async () => {
    const userId = randomUUID();
    const authorization = tokenFor(userId);
    expect(await pipeline.contextFor(caller({ authorization }))).toMatchObject({
      viewer: { id: userId, role: "USER" },
      authorization,
    });
    expect(await codeOf(pipeline.contextFor(caller({ authorization: "Bearer not.a.token" })))).toBe("UNAUTHENTICATED");
    expect(await codeOf(pipeline.contextFor(caller({ authorization: "Basic abc" })))).toBe("UNAUTHENTICATED");
    const foreign = testKeys(Object.keys(keys.publicKeys)[0]);
    const forged = `Bearer ${signAccessToken(foreign.signingKey, { userId, role: "ADMIN", sessionId: randomUUID(), tokenVersion: 0 }).token}`;
    expect(await codeOf(pipeline.contextFor(caller({ authorization: forged })))).toBe("UNAUTHENTICATED");
    await revokeUserTokens(redis, userId, 1);
    expect(await codeOf(pipeline.contextFor(caller({ authorization })))).toBe("UNAUTHENTICATED");
  });

  it("counts a signed-out caller by address and a signed-in one by user", async () => {
    const anonymous = caller();
    for (let i = 0; i < 3; i++) expect(await codeOf(pipeline.contextFor(anonymous))).toBe("ok");
    expect(await codeOf(pipeline.contextFor(anonymous))).toBe("RATE_LIMITED");
    // The same address signed in is another client; the same user from elsewhere is not.
    const authorization = tokenFor(randomUUID());
    for (let i = 0; i < 3; i++)
      expect(await codeOf(pipeline.contextFor({ ...anonymous, authorization, clientIp: `192.0.2.${i}` }))).toBe("ok");
    expect(await codeOf(pipeline.contextFor({ ...anonymous, authorization }))).toBe("RATE_LIMITED");
  });

  it("validates with the limits, through fragments, on any schema", () => {
    const schema = buildSchema(`type Query { node: Node } type Node { child: Node name: String }`);
    const errorsOf = (query: string) =>
      validate(schema, parse(query), [...specifiedRules, ...pipeline.validationRules]).map((e) => [
        e.extensions.code,
        e.message,
      ]);
    expect(errorsOf(`{ node { child { name } } }`)).toEqual([]);
    expect(errorsOf(`{ node { child { child { name } } } }`)).toEqual([
      ["QUERY_TOO_COMPLEX", "Query is nested deeper than 3 levels."],
    ]);
    expect(errorsOf(`{ node { ...deep } } fragment deep on Node { child { child { name } } }`)).toEqual([
      ["QUERY_TOO_COMPLEX", "Query is nested deeper than 3 levels."],
    ]);
    expect(errorsOf(`{ a: node { name } b: node { name } c: node { name } }`)).toEqual([
      ["QUERY_TOO_COMPLEX", "Query uses more than 2 aliases."],
    ]);
  });

  it("refuses a source over the document limits in contextFor, after counting it against the client limit", async () => {
    const chain = `{ ...A } fragment A on Query { ...B } fragment B on Query { ...C } fragment C on Query { __typename }`;
    const hostile = caller({ query: chain });
    const error = await pipeline.contextFor(hostile).catch((err: GraphQLError) => err);
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions).toMatchObject({
      code: "QUERY_TOO_COMPLEX",
      limit: "spreadDepth",
      max: 2,
    });
    expect(
      await codeOf(pipeline.contextFor({ ...hostile, query: `{ ...A } fragment A on Query { __typename }` })),
    ).toBe("ok");
    expect(await codeOf(pipeline.contextFor(hostile))).toBe("QUERY_TOO_COMPLEX");
    expect(await codeOf(pipeline.contextFor(hostile))).toBe("RATE_LIMITED");
  });

  it("prices an operation from the supergraph's directives and refuses it over the budget", () => {
    const schema = buildSchema(`type Query { nodes: [Node!]! node: Node } type Node { child: Node name: String }`);
    const check = (query: string) => {
      const document = parse(query);
      return pipeline.checkCost(schema, document, getOperationAST(document)!, undefined);
    };
    expect(check(`{ node { child { name } } }`)).toBe(2);
    let refused: unknown;
    try {
      check(`{ nodes { name } }`);
    } catch (err) {
      refused = err;
    }
    expect((refused as GraphQLError).extensions).toMatchObject({
      code: "COST_ESTIMATED_TOO_EXPENSIVE",
      cost: { estimated: 50, max: 40 },
    });
  });

  it("masks internal errors (logged in full) and names a subgraph that failed", () => {
    const internal = pipeline.formatError(
      {
        message: 'relation "users"."User" does not exist',
        path: ["me"],
        extensions: { code: "INTERNAL_SERVER_ERROR", stacktrace: ["at pg"] },
      },
      new Error("SQL"),
    );
    expect(internal).toEqual({
      message: "Internal server error.",
      path: ["me"],
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
    expect(logged.some((l) => l.msg === "internal error")).toBe(true);
    const down = pipeline.formatError(
      {
        message: "The users service is unavailable.",
        path: ["me"],
        extensions: { code: "SERVICE_UNAVAILABLE", serviceName: "users", stacktrace: ["x"] },
      },
      undefined,
    );
    expect(down).toEqual({
      message: "The users service is unavailable.",
      path: ["me"],
      extensions: { code: "SERVICE_UNAVAILABLE", serviceName: "users" },
    });
    const denied = pipeline.formatError(
      { message: "You are not allowed to do this.", extensions: { code: "FORBIDDEN", stacktrace: ["x"] } },
      undefined,
    );
    expect(denied).toEqual({ message: "You are not allowed to do this.", extensions: { code: "FORBIDDEN" } });
  });

  it("takes the client address from the trusted proxy's entry only", () => {
    const req = (xff: string | undefined) =>
      ({
        headers: xff === undefined ? {} : { "x-forwarded-for": xff },
        socket: { remoteAddress: "127.0.0.9" },
      }) as never;
    expect(pipeline.clientIpOf(req("203.0.113.7"))).toBe("203.0.113.7");
    expect(pipeline.clientIpOf(req("1.1.1.1, 203.0.113.7"))).toBe("203.0.113.7");
    expect(pipeline.clientIpOf(req(undefined))).toBe("127.0.0.9");
  });
});
