// Metrics through the router on real services: an artist publishes in catalog, catalog's
// song.changed reaches metrics through the outbox and metrics' queue, a listener reports a listen
// through the router, the rollup runs, and the song's playCount (catalog's Song, extended by
// metrics) and the listener's recentlyPlayed (users' User, extended by metrics) show it.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { rollUp } from "../../subgraphs/metrics/src/rollups/rollup.ts";
import type { Db } from "../../subgraphs/metrics/src/db.ts";
import { accountWithRole, publishedAlbum } from "../support/catalog.ts";
import { gql, register } from "../support/graphql.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { until } from "../support/wait.ts";
import { subscribe, wsClient } from "../support/ws.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ router: true });
});
afterAll(() => stack?.stop());

it("a listen reported through the router shows as the song's play count and in the listener's history", async () => {
  const url = stack.router!.url;
  const db = (stack.services.metrics as unknown as { services: { db: Db } }).services.db;
  const artist = await accountWithRole(stack, url, "ARTIST");
  const album = await publishedAlbum(url, artist.accessToken, 2);
  const [songId] = album.songIds;
  await until(
    async () => (await db.songRecord.count({ where: { id: { in: album.songIds }, listed: true } })) === 2,
    "metrics learning of the published songs",
  );
  const listener = await register(url);
  const playbackId = randomUUID();
  const reports = [0, 30_000, 150_000].map((positionMs, i) => ({
    clientEventId: `${playbackId}:${i}`,
    playbackId,
    songId,
    kind: i === 0 ? "STARTED" : "PROGRESS",
    positionMs,
    at: new Date(Date.now() - (3 - i) * 1000).toISOString(),
    device: "phone",
  }));
  const tracked = await gql(
    url,
    `mutation ($e: [PlaybackEventInput!]!) { trackPlayback(input: { events: $e }) { accepted duplicates userErrors { code } } }`,
    { e: reports },
    { token: listener.accessToken },
  );
  expect(tracked.data.trackPlayback).toEqual({ accepted: 3, duplicates: 0, userErrors: [] });
  await rollUp(db);

  const seen = await gql(
    url,
    `query ($id: ID!) {
      song(id: $id) { title playCount }
      me { recentlyPlayed { edges { node { completed song { id title } } } } }
    }`,
    { id: songId },
    { token: listener.accessToken },
  );
  expect(seen.errors).toBeUndefined();
  expect(seen.data).toEqual({
    song: { title: "Track 1", playCount: 1 },
    me: { recentlyPlayed: { edges: [{ node: { completed: true, song: { id: songId, title: "Track 1" } } }] } },
  });
});

it("gives an artist's statistics to its managers through the router (catalog says who manages), FORBIDDEN to others", async () => {
  const url = stack.router!.url;
  const db = (stack.services.metrics as unknown as { services: { db: Db } }).services.db;
  const manager = await accountWithRole(stack, url, "ARTIST");
  const album = await publishedAlbum(url, manager.accessToken, 1);
  await until(
    async () => (await db.songRecord.count({ where: { id: album.songIds[0], listed: true } })) === 1,
    "metrics learning of the song",
  );
  const fan = await register(url);
  const playbackId = randomUUID();
  const tracked = await gql(
    url,
    `mutation ($e: [PlaybackEventInput!]!) { trackPlayback(input: { events: $e }) { accepted } }`,
    {
      e: [
        {
          clientEventId: "1",
          playbackId,
          songId: album.songIds[0],
          kind: "PROGRESS",
          positionMs: 60_000,
          at: new Date().toISOString(),
        },
      ],
    },
    { token: fan.accessToken },
  );
  expect(tracked.data.trackPlayback.accepted).toBe(1);
  await rollUp(db);
  const STATS = `query ($id: ID!) { artist(id: $id) { name statistics(days: 7) { plays days { plays } } } }`;
  const mine = await gql(url, STATS, { id: album.artist.id }, { token: manager.accessToken });
  expect(mine.errors).toBeUndefined();
  expect(mine.data.artist.statistics.plays).toBe(1);
  expect(mine.data.artist.statistics.days).toHaveLength(7);
  const theirs = await gql(url, STATS, { id: album.artist.id }, { token: fan.accessToken });
  expect(theirs.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  // The artist is still there for them: only the statistics are refused.
  expect(theirs.data.artist).toEqual({ name: album.artist.name, statistics: null });
});

it("streams what the people you follow play, live through the router, with the friend from users and the song from catalog", async () => {
  const url = stack.router!.url;
  const services = stack.services.metrics as unknown as { services: { db: Db; pubsub: { handlerCount(): number } } };
  const db = services.services.db;
  const artist = await accountWithRole(stack, url, "ARTIST");
  const album = await publishedAlbum(url, artist.accessToken, 1);
  const me = await register(url);
  const friend = await register(url, { displayName: "Dee Jay" });
  const follow = await gql(
    url,
    `mutation ($id: ID!) { followUser(input: { userId: $id }) { userErrors { code } } }`,
    { id: friend.id },
    { token: me.accessToken },
  );
  expect(follow.data.followUser.userErrors).toEqual([]);
  await until(
    async () =>
      (await db.follow.count({ where: { followerId: me.id, followeeId: friend.id, following: true } })) === 1 &&
      (await db.songRecord.count({ where: { id: album.songIds[0], listed: true } })) === 1,
    "metrics learning of the follow and the song",
  );
  const ws = wsClient(url, { token: me.accessToken });
  try {
    const live = subscribe(
      ws.client,
      `subscription { friendActivity { playing friend { profile { displayName } } song { title } } }`,
    );
    await expect.poll(() => services.services.pubsub.handlerCount()).toBeGreaterThanOrEqual(1);
    const played = await gql(
      url,
      `mutation ($e: [PlaybackEventInput!]!) { trackPlayback(input: { events: $e }) { accepted } }`,
      {
        e: [
          {
            clientEventId: "a",
            playbackId: randomUUID(),
            songId: album.songIds[0],
            kind: "STARTED",
            positionMs: 0,
            at: new Date().toISOString(),
          },
        ],
      },
      { token: friend.accessToken },
    );
    expect(played.data.trackPlayback.accepted).toBe(1);
    const event = await live.next();
    expect(event.errors).toBeUndefined();
    expect(event.data).toEqual({
      friendActivity: { playing: true, friend: { profile: { displayName: "Dee Jay" } }, song: { title: "Track 1" } },
    });
    live.unsubscribe();
    await expect.poll(() => services.services.pubsub.handlerCount()).toBe(0);
  } finally {
    await ws.dispose();
  }
});
