// The router's subscriptions on a supergraph the project does not own: two tiny subgraphs made
// here (authors owns Author; posts owns Post and Subscription.postAdded, whose author comes from
// authors), served by the kit's front, composed in the test, served by the router. Also the
// lifecycle and every kind of bad input, each answered with the protocol's error or close code
// while the router stays up and nothing stays open. Real Redis.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import { composeServices } from "@apollo/composition";
import { parse, type DocumentNode } from "graphql";
import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import {
  channelEvents,
  createAuthenticator,
  createLogger,
  createPubSub,
  createRedis,
  revocationKeys,
  JWT_AUDIENCE,
  JWT_ISSUER,
  publishEvent,
  requireViewer,
  type RequestBase,
  type RunningService,
  startSubgraph,
} from "@melodi/kit";
import { startRouter, type RunningRouter } from "../../router/src/router.ts";
import { gql } from "../support/graphql.ts";
import { testKeys } from "../support/keys.ts";
import { rawSocket, subscribe, wsClient } from "../support/ws.ts";

const keys = testKeys();
const prefix = `test:${randomBytes(4).toString("hex")}:`;
const redisUrl = inject("redisUrl");
const redis = createRedis(redisUrl, prefix);
const pubsub = createPubSub(redis);
const log = createLogger("test", { write: () => {} }, "fatal");
const dir = mkdtempSync(path.join(os.tmpdir(), "melodi-supergraph-"));

const AUTHORS = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
  type Author @key(fields: "id") { id: ID! name: String! }
  type Query { author(id: ID!): Author }
  enum UserErrorCode { UNKNOWN }
`);
const POSTS = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
  type Author @key(fields: "id", resolvable: false) { id: ID! }
  type Post { id: ID! title: String! author: Author! }
  type Query { post(id: ID!): Post }
  enum UserErrorCode { UNKNOWN }
  type Subscription {
    "Anyone may listen."
    postAdded(topic: String!): Post!
    "Signed-in callers only."
    draftAdded: Post!
  }
`);
interface PostEvent {
  id: string;
  title: string;
  authorId: string;
}

const subgraphOptions = (name: string, typeDefs: ReturnType<typeof parse>, resolvers: object) => ({
  name,
  modules: [{ typeDefs, resolvers: resolvers as never }],
  log,
  authenticator: createAuthenticator({ keys: keys.publicKeys, redis }),
  createContext: (base: RequestBase) => base,
  health: {},
  development: false,
});

const token = (userId: string, expiresIn: number) =>
  `Bearer ${jwt.sign({ role: "USER", sid: randomUUID(), tv: 0 }, keys.signingKey.privateKey, {
    algorithm: "RS256",
    keyid: keys.signingKey.kid,
    subject: userId,
    issuer: JWT_ISSUER,
    audience: JWT_AUDIENCE,
    expiresIn,
  })}`;

let authors: RunningService;
let posts: RunningService;
let supergraphPath: string;
let router: RunningRouter;
const startTestRouter = (keepAliveMs?: number) =>
  startRouter({
    port: 0,
    supergraphPath,
    subgraphUrls: { authors: authors.url, posts: posts.url },
    redisUrl,
    redisKeyPrefix: prefix,
    publicKeys: keys.publicKeys,
    development: false,
    requestsPerMinute: 100_000,
    queryLimits: { maxDepth: 4, maxAliases: 5, maxFields: 50 },
    subscriptions: {
      maxSubscriptionsPerConnection: 2,
      maxConnectionsPerClient: 3,
      maxQueuedEvents: 5,
      maxBufferedBytes: 64 * 1024,
      keepAliveMs,
    },
    log,
  });

beforeAll(async () => {
  // No users subgraph here to fill the revocation cache: mark it ready, as users would.
  await redis.set(revocationKeys.ready, "1");
  authors = await startSubgraph(
    subgraphOptions("authors", AUTHORS, {
      Author: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: `Author ${ref.id}` }) },
      Query: { author: (_: unknown, { id }: { id: string }) => ({ id, name: `Author ${id}` }) },
    }),
    0,
  );
  const post = (e: PostEvent) => ({ id: e.id, title: e.title, author: { id: e.authorId } });
  posts = await startSubgraph(
    subgraphOptions("posts", POSTS, {
      Query: { post: () => null },
      Subscription: {
        postAdded: {
          subscribe: (_: unknown, { topic }: { topic: string }) => channelEvents<PostEvent>(pubsub, `posts:${topic}`),
          resolve: post,
        },
        draftAdded: {
          subscribe: (_: unknown, _args: unknown, ctx: RequestBase) => {
            requireViewer(ctx.viewer);
            return channelEvents<PostEvent>(pubsub, "drafts");
          },
          resolve: post,
        },
      },
    }),
    0,
  );
  // As served: the kit adds its shared types to every subgraph.
  const shared = parse(readFileSync(path.join(import.meta.dirname, "../../subgraphs/kit/src/shared.graphql"), "utf8"));
  const withShared = (doc: DocumentNode): DocumentNode => ({
    ...doc,
    definitions: [...doc.definitions, ...shared.definitions],
  });
  const composed = composeServices([
    { name: "authors", url: authors.url, typeDefs: withShared(AUTHORS) },
    { name: "posts", url: posts.url, typeDefs: withShared(POSTS) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join("; "));
  supergraphPath = path.join(dir, "supergraph.graphql");
  writeFileSync(supergraphPath, composed.supergraphSdl);
  router = await startTestRouter();
});
afterAll(async () => {
  await router?.stop();
  await posts?.stop();
  await authors?.stop();
  await pubsub.close();
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

const POST_ADDED = `subscription($topic: String!) { postAdded(topic: $topic) { id title author { id name } } }`;
const nothingOpen = () =>
  expect.poll(() => router.subscriptionStats()).toEqual({ connections: 0, sockets: 0, subscriptions: 0 });
const routerAnswers = async () => {
  const res = await gql(router.url, `{ author(id: "7") { name } }`);
  expect(res.data).toEqual({ author: { name: "Author 7" } });
};
const topic = () => `t${randomBytes(3).toString("hex")}`;
/** Publishes until the subgraph has `listeners` subscribers on the channel (subscribe is asynchronous). */
const whenListening = (listeners: number) => expect.poll(() => pubsub.handlerCount()).toBe(listeners);

describe("subscriptions through the router, on any supergraph", () => {
  it("delivers each event with its entity fetched from the other subgraph", async () => {
    const ws = wsClient(router.url);
    try {
      const t = topic();
      const sub = subscribe(ws.client, POST_ADDED, { topic: t });
      await whenListening(1);
      await publishEvent(pubsub, `posts:${t}`, { id: "p1", title: "Hello", authorId: "42" });
      await publishEvent(pubsub, `posts:${t}`, { id: "p2", title: "Again", authorId: "43" });
      expect((await sub.next()).data).toEqual({
        postAdded: { id: "p1", title: "Hello", author: { id: "42", name: "Author 42" } },
      });
      expect((await sub.next()).data?.postAdded).toMatchObject({ id: "p2", author: { name: "Author 43" } });
      sub.unsubscribe();
    } finally {
      await ws.dispose();
    }
    await whenListening(0);
    await nothingOpen();
  });

  it("sends the subgraph's refusal of a guest as an error message (UNAUTHENTICATED)", async () => {
    const ws = wsClient(router.url);
    try {
      const errors = await subscribe(ws.client, `subscription { draftAdded { id } }`).ended;
      expect(errors.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
      const signedIn = wsClient(router.url, { params: { authorization: token("u1", 60) } });
      const sub = subscribe(signedIn.client, `subscription { draftAdded { id author { name } } }`);
      await whenListening(1);
      await publishEvent(pubsub, "drafts", { id: "d1", title: "Draft", authorId: "1" });
      expect((await sub.next()).data).toEqual({ draftAdded: { id: "d1", author: { name: "Author 1" } } });
      await signedIn.dispose();
    } finally {
      await ws.dispose();
    }
    await nothingOpen();
  });

  it("closes with 4401 on a bad or expired token at connect, and at the token's expiry", async () => {
    expect((await wsClient(router.url, { params: { authorization: "Bearer nonsense" } }).closed).code).toBe(4401);
    expect((await wsClient(router.url, { params: { authorization: token("u2", -10) } }).closed).code).toBe(4401);
    expect((await wsClient(router.url, { params: { authorization: "Basic abc" } }).closed).code).toBe(4401);

    const shortLived = wsClient(router.url, { params: { authorization: token("u3", 2) } });
    subscribe(shortLived.client, POST_ADDED, { topic: topic() });
    const opened = Date.now();
    expect((await shortLived.closed).code).toBe(4401);
    // At the expiry (jwt's exp is in whole seconds), not at some later event.
    expect(Date.now() - opened).toBeLessThan(5000);
    await nothingOpen();
    await routerAnswers();
  });

  it("answers a missing field, a document over the limits, a query and a syntax error with an error message", async () => {
    const ws = wsClient(router.url);
    try {
      const codes = async (query: string) =>
        (await subscribe(ws.client, query, { topic: "x" }).ended).map((e) => e.extensions?.code);
      expect(await codes(`subscription { postAdded(topic: "x") { nope } }`)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
      expect(await codes(`subscription { noSuchField }`)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
      expect(
        await codes(
          `subscription { postAdded(topic: "x") { author { id } a1: id a2: id a3: id a4: id a5: id a6: id } }`,
        ),
      ).toEqual(["QUERY_TOO_COMPLEX"]);
      expect(await codes(`{ author(id: "1") { name } }`)).toEqual(["BAD_REQUEST"]);
      expect(await codes(`subscription {`)).toEqual(["GRAPHQL_PARSE_FAILED"]);
    } finally {
      await ws.dispose();
    }
    await nothingOpen();
    await routerAnswers();
  });

  it("caps subscriptions per connection (an error for the one over) and connections per client (4403)", async () => {
    const ws = wsClient(router.url);
    const others: ReturnType<typeof wsClient>[] = [];
    try {
      subscribe(ws.client, POST_ADDED, { topic: topic() });
      subscribe(ws.client, POST_ADDED, { topic: topic() });
      const third = await subscribe(ws.client, POST_ADDED, { topic: topic() }).ended;
      expect(third.map((e) => e.extensions?.code)).toEqual(["TOO_MANY_SUBSCRIPTIONS"]);
      await expect.poll(() => router.subscriptionStats().subscriptions).toBe(2);

      // The same signed-out client (address) opens more: the fourth is refused.
      for (let i = 0; i < 3; i++) others.push(wsClient(router.url));
      const codes = await Promise.race([
        Promise.all(others.map((o) => o.closed.then((c) => c.code))),
        others[2]!.closed.then((c) => [c.code]),
      ]);
      expect(codes).toEqual([4403]);
    } finally {
      await ws.dispose();
      for (const o of others) await o.dispose();
    }
    await nothingOpen();
  });

  it("closes malformed protocol use with the protocol's codes", async () => {
    const garbage = await rawSocket(router.url);
    garbage.send("this is not json");
    expect((await garbage.closed).code).toBe(4400);

    const early = await rawSocket(router.url);
    early.send({ id: "1", type: "subscribe", payload: { query: "subscription { draftAdded { id } }" } });
    expect((await early.closed).code).toBe(4401);

    const twice = await rawSocket(router.url);
    await twice.init();
    twice.send({ type: "connection_init" });
    expect((await twice.closed).code).toBe(4429);

    const duplicate = await rawSocket(router.url);
    await duplicate.init();
    const subscribeMessage = {
      id: "same",
      type: "subscribe",
      payload: { query: POST_ADDED, variables: { topic: "d" } },
    };
    duplicate.send(subscribeMessage);
    duplicate.send(subscribeMessage);
    expect((await duplicate.closed).code).toBe(4409);

    const unknown = await rawSocket(router.url);
    await unknown.init();
    unknown.send({ type: "no-such-type" });
    expect((await unknown.closed).code).toBe(4400);

    // The old subscriptions-transport-ws protocol is not accepted at the handshake.
    await expect(rawSocket(router.url, "graphql-ws")).rejects.toThrow(/subprotocol/);

    await nothingOpen();
    await routerAnswers();
  });

  it("drops a client that stops reading (1013) without holding its events", async () => {
    const slow = await rawSocket(router.url);
    await slow.init();
    const t = topic();
    slow.send({ id: "1", type: "subscribe", payload: { query: POST_ADDED, variables: { topic: t } } });
    await whenListening(1);
    // The client stops reading its socket; the router keeps writing until its bound.
    (slow.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const title = "x".repeat(32 * 1024);
    for (let i = 0; i < 2000 && router.subscriptionStats().subscriptions > 0; i++)
      await publishEvent(pubsub, `posts:${t}`, { id: `p${i}`, title, authorId: "1" });
    await expect.poll(() => router.subscriptionStats().subscriptions).toBe(0);
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await slow.closed).code).toBe(1013);
    await whenListening(0);
    await nothingOpen();
    await routerAnswers();
  });

  it("pings to keep connections alive, and closes them with 1001 when the router stops", async () => {
    const second = await startTestRouter(100);
    const client = await rawSocket(second.url);
    await client.init();
    await new Promise<void>((resolve) => client.socket.once("ping", () => resolve()));
    client.send({ id: "1", type: "subscribe", payload: { query: POST_ADDED, variables: { topic: topic() } } });
    await expect.poll(() => second.subscriptionStats().subscriptions).toBe(1);
    await second.stop();
    expect((await client.closed).code).toBe(1001);
    await expect.poll(() => second.subscriptionStats()).toEqual({ connections: 0, sockets: 0, subscriptions: 0 });
  });
});
