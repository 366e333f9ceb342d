// Subscriptions through the router on the project's own supergraph: Subscription.followerAdded
// (users) with the follower's artistProfiles (catalog) fetched per event by the rest of the
// plan; revocations close at once; the owning subgraph going away ends the subscription with an
// error the client sees; upstream sockets and subscriptions return to zero. Real services.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql, register } from "../support/graphql.ts";
import { accountWithRole, createArtist } from "../support/catalog.ts";
import { signInAdmin } from "../support/admin.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { subscribe, wsClient } from "../support/ws.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ router: true });
});
afterAll(() => stack?.stop());

const routerUrl = () => stack.router!.url;
const stats = () => stack.router!.subscriptionStats();
const FOLLOWER_ADDED = /* GraphQL */ `
  subscription NewFollowers {
    followerAdded { followedAt node { id profile { handle } artistProfiles { name } } }
  }
`;
const follow = (token: string, userId: string) =>
  gql(
    routerUrl(),
    `mutation($id: ID!) { followUser(input: { userId: $id }) { userErrors { code } } }`,
    { id: userId },
    { token },
  );

describe("subscriptions through the router", () => {
  it("delivers a users event with a field from catalog, and leaves nothing open after unsubscribe", async () => {
    const star = await register(routerUrl());
    const fan = await accountWithRole(stack, routerUrl(), "ARTIST");
    const artist = await createArtist(routerUrl(), fan.accessToken, { name: "Fan Band" });
    const set = await gql(
      routerUrl(),
      `mutation($input: SetArtistPublicInput!) { setArtistPublic(input: $input) { userErrors { code } } }`,
      { input: { artistId: artist.id, isPublic: true } },
      { token: fan.accessToken },
    );
    expect(set.data.setArtistPublic.userErrors).toEqual([]);

    const ws = wsClient(routerUrl(), { token: star.accessToken });
    try {
      const sub = subscribe(ws.client, FOLLOWER_ADDED);
      await expect.poll(() => stack.users.services.pubsub.handlerCount()).toBe(1);
      expect(stats()).toMatchObject({ connections: 1, sockets: 1, subscriptions: 1 });
      await follow(fan.accessToken, star.id);
      const event = await sub.next();
      expect(event.errors).toBeUndefined();
      expect(event.data).toEqual({
        followerAdded: {
          followedAt: expect.any(String),
          node: { id: fan.id, profile: { handle: fan.handle }, artistProfiles: [{ name: "Fan Band" }] },
        },
      });
      sub.unsubscribe();
      await expect.poll(() => stats()).toMatchObject({ sockets: 0, subscriptions: 0 });
      await expect.poll(() => stack.users.services.pubsub.handlerCount()).toBe(0);
    } finally {
      await ws.dispose();
    }
    await expect.poll(() => stats()).toEqual({ connections: 0, sockets: 0, subscriptions: 0 });
  });

  it("leaves nothing open when the client's socket drops", async () => {
    const star = await register(routerUrl());
    const ws = wsClient(routerUrl(), { token: star.accessToken });
    subscribe(ws.client, FOLLOWER_ADDED);
    subscribe(ws.client, `subscription { followerAdded { cursor } }`);
    await expect.poll(() => stats()).toMatchObject({ connections: 1, sockets: 1, subscriptions: 2 });
    await ws.client.terminate();
    await expect.poll(() => stats()).toEqual({ connections: 0, sockets: 0, subscriptions: 0 });
    await expect.poll(() => stack.users.services.pubsub.handlerCount()).toBe(0);
  });

  it("closes with 4401 at once when the user signs out everywhere, and when an admin blocks them", async () => {
    const [one, two] = [await register(routerUrl()), await register(routerUrl())];
    const a = wsClient(routerUrl(), { token: one.accessToken });
    subscribe(a.client, FOLLOWER_ADDED);
    const b = wsClient(routerUrl(), { token: two.accessToken });
    subscribe(b.client, FOLLOWER_ADDED);
    await expect.poll(() => stats().subscriptions).toBe(2);

    await gql(
      routerUrl(),
      `mutation { logout(input: { everywhere: true }) { signedOutSessionCount } }`,
      {},
      { token: one.accessToken },
    );
    expect(await a.closed).toMatchObject({ code: 4401 });

    const admin = await signInAdmin(stack, routerUrl());
    const blocked = await gql(
      routerUrl(),
      `mutation($id: ID!) { blockUser(input: { userId: $id }) { userErrors { code } } }`,
      { id: two.id },
      { token: admin.accessToken },
    );
    expect(blocked.errors).toBeUndefined();
    expect(await b.closed).toMatchObject({ code: 4401 });
    await expect.poll(() => stats()).toEqual({ connections: 0, sockets: 0, subscriptions: 0 });
  });

  it("ends the subscription with SERVICE_UNAVAILABLE naming the subgraph when the owner goes away", async () => {
    const star = await register(routerUrl());
    const ws = wsClient(routerUrl(), { token: star.accessToken });
    try {
      const sub = subscribe(ws.client, FOLLOWER_ADDED);
      await expect.poll(() => stats().sockets).toBe(1);
      await stack.stopUsers();
      const errors = await sub.ended;
      expect(errors).toEqual([
        expect.objectContaining({ extensions: { code: "SERVICE_UNAVAILABLE", serviceName: "users" } }),
      ]);
      await expect.poll(() => stats()).toMatchObject({ sockets: 0, subscriptions: 0 });
      // The connection stays: the client resubscribes once the subgraph is back.
      await stack.restartUsers();
      const again = subscribe(ws.client, FOLLOWER_ADDED);
      await expect.poll(() => stats().subscriptions).toBe(1);
      again.unsubscribe();
    } finally {
      await ws.dispose();
    }
  });
});
