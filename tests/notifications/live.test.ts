// Through the router on real services: someone saves a listener's playlist; library's
// playlist.saved reaches notifications through library's outbox and notifications' queue; the
// owner's notificationReceived subscription (graphql-ws, through the router) gets the
// notification with its actor from users and its playlist from library, and the inbox shows it.
import { afterAll, beforeAll, expect, it } from "vitest";
import { gql, register } from "../support/graphql.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { subscribe, wsClient } from "../support/ws.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ router: true });
});
afterAll(() => stack?.stop());

const RECEIVED = /* GraphQL */ `
  subscription { notificationReceived { type read actor { profile { displayName } } playlist { title } } }
`;

it("delivers a playlist save to its owner live, resolved from users and library", async () => {
  const url = stack.router!.url;
  const owner = await register(url);
  const fan = await register(url, { displayName: "Fan Of Yours" });
  const made = await gql(
    url,
    `mutation { createPlaylist(input: { title: "Summer", isPublic: true }) { playlist { id } } }`,
    {},
    { token: owner.accessToken },
  );
  const playlistId = made.data.createPlaylist.playlist.id;
  const notifications = stack.services.notifications as unknown as { services: { pubsub: { handlerCount(): number } } };
  const ws = wsClient(url, { token: owner.accessToken });
  try {
    const sub = subscribe(ws.client, RECEIVED);
    await expect.poll(() => notifications.services.pubsub.handlerCount()).toBe(1);
    const saved = await gql(
      url,
      `mutation ($id: ID!) { savePlaylist(input: { playlistId: $id }) { userErrors { code } } }`,
      { id: playlistId },
      { token: fan.accessToken },
    );
    expect(saved.data.savePlaylist.userErrors).toEqual([]);
    const event = await sub.next();
    expect(event.errors).toBeUndefined();
    expect(event.data).toEqual({
      notificationReceived: {
        type: "PLAYLIST_SAVED",
        read: false,
        actor: { profile: { displayName: "Fan Of Yours" } },
        playlist: { title: "Summer" },
      },
    });
    sub.unsubscribe();
  } finally {
    await ws.dispose();
  }
  const inbox = await gql(
    url,
    `{ unreadNotificationCount notifications { edges { node { type actor { id } } } } }`,
    {},
    { token: owner.accessToken },
  );
  expect(inbox.data).toEqual({
    unreadNotificationCount: 1,
    notifications: { edges: [{ node: { type: "PLAYLIST_SAVED", actor: { id: fan.id } } }] },
  });
  await expect.poll(() => notifications.services.pubsub.handlerCount()).toBe(0);
});
