// A subgraph serves its own Subscription fields over graphql-ws on /graphql (kit
// subscriptions.ts): the token from connectionParams verified again there, each event executed
// with a fresh context, events fanned out across replicas through Redis pub/sub. Real users
// subgraph, two replicas, real Redis.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "@melodi/kit";
import { gql, register } from "../support/graphql.ts";
import { startStack, type Stack } from "../support/stack.ts";
import WebSocket from "ws";
import { subscribe, wsClient, wsUrl } from "../support/ws.ts";
import type { Services } from "../../subgraphs/users/src/context.ts";

let stack: Stack;
let replica: RunningService & { services: Services };
beforeAll(async () => {
  stack = await startStack();
  replica = (await stack.startReplica("users")) as RunningService & { services: Services };
});
afterAll(() => stack?.stop());

const FOLLOWER_ADDED = /* GraphQL */ `
  subscription {
    followerAdded { cursor followedAt node { id profile { handle } followerCount } }
  }
`;
const follow = (url: string, token: string, userId: string) =>
  gql(
    url,
    `mutation($id: ID!) { followUser(input: { userId: $id }) { userErrors { code } } }`,
    { id: userId },
    { token },
  );

describe("subscriptions in a subgraph", () => {
  it("take a WebSocket only from the router: an upgrade without the subgraph secret is refused (403)", async () => {
    const status = await new Promise<number | undefined>((resolve) => {
      const socket = new WebSocket(wsUrl(stack.users.url), "graphql-transport-ws");
      socket.on("unexpected-response", (_req, res) => resolve(res.statusCode));
      socket.on("open", () => {
        socket.close();
        resolve(101);
      });
      socket.on("error", () => {});
    });
    expect(status).toBe(403);
  });

  it("delivers each follow once to every subscriber, whichever replica each is on and wherever the follow happened", async () => {
    const star = await register(stack.users.url);
    const [fan1, fan2] = [await register(stack.users.url), await register(stack.users.url)];
    const onFirst = wsClient(stack.users.url, { token: star.accessToken });
    const onSecond = wsClient(replica.url, { token: star.accessToken });
    try {
      const a = subscribe(onFirst.client, FOLLOWER_ADDED);
      const b = subscribe(onSecond.client, FOLLOWER_ADDED);
      await expect
        .poll(() => stack.users.services.pubsub.handlerCount() + replica.services.pubsub.handlerCount())
        .toBe(2);

      await follow(replica.url, fan1.accessToken, star.id);
      await follow(stack.users.url, fan2.accessToken, star.id);
      for (const sub of [a, b]) {
        const first = await sub.next();
        const second = await sub.next();
        // In order, and the first not twice: exactly one event per follow per subscriber.
        expect(first.data?.followerAdded.node).toEqual({
          id: fan1.id,
          profile: { handle: fan1.handle },
          followerCount: 0,
        });
        expect(second.data?.followerAdded.node.id).toBe(fan2.id);
        expect(new Date(first.data?.followerAdded.followedAt).getTime()).not.toBeNaN();
      }
      a.unsubscribe();
      b.unsubscribe();
      await expect
        .poll(() => stack.users.services.pubsub.handlerCount() + replica.services.pubsub.handlerCount())
        .toBe(0);
    } finally {
      await onFirst.dispose();
      await onSecond.dispose();
    }
  });

  it("sends a subscriber only their own followers", async () => {
    const [star, other, fan] = [
      await register(stack.users.url),
      await register(stack.users.url),
      await register(stack.users.url),
    ];
    const ws = wsClient(stack.users.url, { token: star.accessToken });
    try {
      const sub = subscribe(ws.client, FOLLOWER_ADDED);
      await expect.poll(() => stack.users.services.pubsub.handlerCount()).toBe(1);
      await follow(stack.users.url, fan.accessToken, other.id);
      await follow(stack.users.url, fan.accessToken, star.id);
      expect((await sub.next()).data?.followerAdded.node.id).toBe(fan.id);
      // The follow of `other` came first; had it been delivered, it would have been this event.
      sub.unsubscribe();
    } finally {
      await ws.dispose();
    }
  });

  it("verifies the token at connect (4401) and asks for a viewer (UNAUTHENTICATED) like a query", async () => {
    const bad = wsClient(stack.users.url, { params: { authorization: "Bearer not-a-token" } });
    expect((await bad.closed).code).toBe(4401);

    const guest = wsClient(stack.users.url);
    try {
      const errors = await subscribe(guest.client, FOLLOWER_ADDED).ended;
      expect(errors.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
      expect(stack.users.services.pubsub.handlerCount()).toBe(0);
    } finally {
      await guest.dispose();
    }
  });

  it("closes its sockets with 1001 when it stops", async () => {
    const extra = await stack.startReplica("users");
    const star = await register(stack.users.url);
    const ws = wsClient(extra.url, { token: star.accessToken });
    subscribe(ws.client, FOLLOWER_ADDED);
    await expect.poll(() => (extra as RunningService & { services: Services }).services.pubsub.handlerCount()).toBe(1);
    await extra.stop();
    expect((await ws.closed).code).toBe(1001);
  });
});
