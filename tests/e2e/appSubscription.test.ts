// The mobile app's subscription through the router with its generated typed documents
// (schema/operations/app.graphql → schema/generated/app.ts): a listener subscribes to
// followerAdded over graphql-ws, an artist follows them with the typed mutation, and the event
// arrives typed, with the follower's artistProfiles from catalog. Real services.
import { afterAll, beforeAll, expect, expectTypeOf, it } from "vitest";
import { FollowerAddedDocument, FollowUserDocument } from "../../schema/generated/app.ts";
import { accountWithRole, createArtist } from "../support/catalog.ts";
import { gql, register } from "../support/graphql.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { execute, subscribe } from "../support/typedClient.ts";
import { wsClient } from "../support/ws.ts";

let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = await startStack({ router: true });
  url = stack.router!.url;
});
afterAll(() => stack?.stop());

it("delivers followerAdded to the typed subscription, with a field from catalog", async () => {
  const listener = await register(url, { displayName: "Typed Listener" });
  const fan = await accountWithRole(stack, url, "ARTIST");
  const artist = await createArtist(url, fan.accessToken, { name: "Typed Band" });
  const shown = await gql(
    url,
    `mutation($input: SetArtistPublicInput!) { setArtistPublic(input: $input) { userErrors { code } } }`,
    { input: { artistId: artist.id, isPublic: true } },
    { token: fan.accessToken },
  );
  expect(shown.data.setArtistPublic.userErrors).toEqual([]);

  const ws = wsClient(url, { token: listener.accessToken });
  try {
    const sub = subscribe(ws.client, FollowerAddedDocument, {});
    await expect.poll(() => stack.router!.subscriptionStats()).toMatchObject({ subscriptions: 1 });

    const followed = await execute(url, FollowUserDocument, { userId: listener.id }, fan.accessToken);
    expect(followed.errors).toBeUndefined();
    expect(followed.data?.followUser.userErrors).toEqual([]);

    const event = await sub.next();
    expect(event.errors).toBeUndefined();
    const edge = event.data!.followerAdded;
    // The compiler knows the event's shape from the document, and only what it selects.
    expectTypeOf(edge.node.artistProfiles).toEqualTypeOf<{ name: string; slug: string }[]>();
    // @ts-expect-error email is not selected by FollowerAdded
    expect(edge.node.email).toBeUndefined();
    expect(edge).toEqual({
      followedAt: expect.any(String),
      node: {
        id: fan.id,
        profile: { handle: fan.handle, displayName: expect.any(String) },
        artistProfiles: [{ name: "Typed Band", slug: artist.slug }],
      },
    });
    expect(new Date(edge.followedAt).getTime()).toBeGreaterThan(0);
    sub.unsubscribe();
  } finally {
    await ws.dispose();
  }
  await expect.poll(() => stack.router!.subscriptionStats()).toEqual({ connections: 0, sockets: 0, subscriptions: 0 });
});
