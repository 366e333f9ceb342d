// Subscription.playlistChanged through the router, on real services: two editors of a
// collaborative playlist see each other's changes live, with each item's song from catalog and
// its adder from users resolved by the router per event, and both copies converge on the
// server's order; library learns the songs from catalog's real events; who may watch (and stops hearing) what; bad subscribes refused.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql, register, type TestAccount } from "../support/graphql.ts";
import { accountWithRole, contentBy, overHttp, publishedAlbum } from "../support/catalog.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { subscribe, wsClient, type Subscription } from "../support/ws.ts";
import { libraryKnows } from "../support/library.ts";
import { until } from "../support/wait.ts";

let stack: Stack;
let owner: TestAccount;
let editor: TestAccount;
let stranger: TestAccount;
let songs: { id: string; title: string }[];
let artistToken: string;
const url = () => stack.router!.url;

beforeAll(async () => {
  stack = await startStack({ router: true });
  owner = await register(url());
  editor = await register(url());
  stranger = await register(url());
  // Library learns accounts from users' user.changed events (relayed through its queue): an
  // editor must be known before being invited.
  const known = () => stack.library!.services.db.userProfile.count({ where: { id: { in: [owner.id, editor.id] } } });
  await until(async () => (await known()) === 2, "library learning of the test accounts");
  const artist = await accountWithRole(stack, url(), "ARTIST");
  artistToken = artist.accessToken;
  const album = await publishedAlbum(url(), artist.accessToken, 6);
  // Catalog's song.changed events, relayed to library's queue: the real path, no shortcut.
  await libraryKnows(stack, album.songIds);
  songs = album.songIds.map((id, i) => ({ id, title: `Track ${i + 1}` }));
});
afterAll(() => stack?.stop());

const call = async (token: string, query: string, variables: Record<string, unknown>) => {
  const res = await gql(url(), query, variables, { token });
  expect(res.errors).toBeUndefined();
  return res.data;
};
const CHANGED = /* GraphQL */ `
  subscription ($id: ID!) {
    playlistChanged(id: $id) {
      kind afterItemId removedItemIds actor { id }
      items { id song { id title } addedBy { profile { handle } } }
      playlist { itemCount }
    }
  }
`;
const ITEMS = `query ($id: ID!) { playlist(id: $id) { items(first: 100) { edges { node { id } } } } }`;

/** A client's copy of the playlist's order, kept by applying each change as the schema says. */
function apply(
  order: string[],
  change: { kind: string; items: { id: string }[]; afterItemId: string | null; removedItemIds: string[] },
) {
  const moved = new Set(change.items.map((i) => i.id));
  const next = order.filter((id) => !moved.has(id) && !change.removedItemIds.includes(id));
  const at = change.afterItemId === null ? 0 : next.indexOf(change.afterItemId) + 1;
  next.splice(at, 0, ...change.items.map((i) => i.id));
  return next;
}

async function collaborative(): Promise<string> {
  const data = await call(
    owner.accessToken,
    `mutation { createPlaylist(input: { title: "Ours", isCollaborative: true }) { playlist { id } } }`,
    {},
  );
  const id = data.createPlaylist.playlist.id;
  await call(
    owner.accessToken,
    `mutation ($i: AddPlaylistEditorInput!) { addPlaylistEditor(input: $i) { userErrors { code } } }`,
    {
      i: { playlistId: id, userId: editor.id },
    },
  );
  return id;
}

const whenListening = (n: number) => expect.poll(() => stack.library!.services.pubsub.handlerCount()).toBe(n);

describe("playlistChanged through the router", () => {
  it("shows both editors every change live, with songs from catalog and adders from users, and both copies converge", async () => {
    const id = await collaborative();
    const clients = [wsClient(url(), { token: owner.accessToken }), wsClient(url(), { token: editor.accessToken })];
    try {
      const subs = clients.map((ws) => subscribe(ws.client, CHANGED, { id }));
      await whenListening(2);
      const copies: string[][] = [[], []];
      const next = async () => {
        const events = await Promise.all(subs.map((s) => s.next()));
        events.forEach((e, i) => {
          expect(e.errors).toBeUndefined();
          copies[i] = apply(copies[i]!, e.data.playlistChanged);
        });
        expect(events[1]!.data).toEqual(events[0]!.data);
        return events[0]!.data.playlistChanged;
      };

      await call(
        owner.accessToken,
        `mutation ($i: AddSongsToPlaylistInput!) { addSongsToPlaylist(input: $i) { userErrors { code } } }`,
        {
          i: { playlistId: id, songIds: songs.slice(0, 3).map((s) => s.id) },
        },
      );
      const added = await next();
      expect(added).toMatchObject({
        kind: "ITEMS_ADDED",
        afterItemId: null,
        actor: { id: owner.id },
        playlist: { itemCount: 3 },
        items: songs.slice(0, 3).map((s) => ({ song: s, addedBy: { profile: { handle: owner.handle } } })),
      });

      await call(
        editor.accessToken,
        `mutation ($i: AddSongsToPlaylistInput!) { addSongsToPlaylist(input: $i) { userErrors { code } } }`,
        {
          i: { playlistId: id, songIds: [songs[3]!.id], position: 1 },
        },
      );
      expect(await next()).toMatchObject({
        kind: "ITEMS_ADDED",
        afterItemId: added.items[0].id,
        actor: { id: editor.id },
      });

      const [first, , third] = copies[0]!;
      await call(
        editor.accessToken,
        `mutation ($i: MovePlaylistItemInput!) { movePlaylistItem(input: $i) { userErrors { code } } }`,
        {
          i: { playlistId: id, itemId: first, afterItemId: third },
        },
      );
      expect(await next()).toMatchObject({ kind: "ITEM_MOVED", afterItemId: third, items: [{ id: first }] });

      await call(
        owner.accessToken,
        `mutation ($i: RemovePlaylistItemsInput!) { removePlaylistItems(input: $i) { userErrors { code } } }`,
        {
          i: { playlistId: id, itemIds: [third] },
        },
      );
      expect(await next()).toMatchObject({ kind: "ITEMS_REMOVED", removedItemIds: [third], items: [] });

      await call(
        owner.accessToken,
        `mutation ($i: UpdatePlaylistInput!) { updatePlaylist(input: $i) { userErrors { code } } }`,
        {
          i: { playlistId: id, title: "Ours, renamed" },
        },
      );
      expect(await next()).toMatchObject({ kind: "DETAILS_UPDATED", items: [] });

      const server = (await call(owner.accessToken, ITEMS, { id })).playlist.items.edges.map((e: any) => e.node.id);
      expect(copies[0]).toEqual(server);
      expect(copies[1]).toEqual(server);
      for (const s of subs) s.unsubscribe();
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
    }
    await whenListening(0);
  });

  it("lets guests watch a public playlist until it is made private; an editor removed hears that, then nothing", async () => {
    const id = await collaborative();
    await call(
      owner.accessToken,
      `mutation ($i: UpdatePlaylistInput!) { updatePlaylist(input: $i) { userErrors { code } } }`,
      {
        i: { playlistId: id, isPublic: true },
      },
    );
    const guest = wsClient(url());
    const ed = wsClient(url(), { token: editor.accessToken });
    try {
      const guestSub = subscribe(guest.client, CHANGED, { id });
      const editorSub = subscribe(ed.client, CHANGED, { id });
      await whenListening(2);
      await call(
        owner.accessToken,
        `mutation ($i: UpdatePlaylistInput!) { updatePlaylist(input: $i) { userErrors { code } } }`,
        {
          i: { playlistId: id, isPublic: false },
        },
      );
      await call(
        owner.accessToken,
        `mutation ($i: RemovePlaylistEditorInput!) { removePlaylistEditor(input: $i) { userErrors { code } } }`,
        {
          i: { playlistId: id, userId: editor.id },
        },
      );
      await call(
        owner.accessToken,
        `mutation ($i: UpdatePlaylistInput!) { updatePlaylist(input: $i) { userErrors { code } } }`,
        {
          i: { playlistId: id, description: "after" },
        },
      );
      // The editor: made private (still an editor), then removed (told, and the playlist is gone
      // from their view), then nothing more. The guest heard none of it: private from the first.
      const seen = [await editorSub.next(), await editorSub.next()].map((e) => e.data.playlistChanged);
      expect(seen.map((c) => [c.kind, c.playlist])).toEqual([
        ["DETAILS_UPDATED", { itemCount: 0 }],
        ["EDITOR_REMOVED", null],
      ]);
      const late = await Promise.race([
        guestSub.next(),
        editorSub.next(),
        new Promise((r) => setTimeout(() => r("quiet"), 300)),
      ]);
      expect(late).toBe("quiet");
    } finally {
      await guest.dispose();
      await ed.dispose();
    }
    await whenListening(0);
  });

  it("refuses a subscription to a private playlist of someone else's, or an unknown one, as bad input", async () => {
    const id = await collaborative();
    const ws = wsClient(url(), { token: stranger.accessToken });
    try {
      for (const target of [id, randomUUID(), "nope"]) {
        const sub: Subscription<any> = subscribe(ws.client, CHANGED, { id: target });
        const errors = await sub.ended;
        expect(errors.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
      }
    } finally {
      await ws.dispose();
    }
    await whenListening(0);
  });
});

describe("catalog's events, end to end", () => {
  it("makes a song its artist unpublishes unavailable in playlists and likes, and brings it back", async () => {
    const album = await publishedAlbum(url(), artistToken, 2);
    await libraryKnows(stack, album.songIds);
    const [gone, stays] = album.songIds;
    const made = await call(
      owner.accessToken,
      `mutation ($i: CreatePlaylistInput!) { createPlaylist(input: $i) { playlist { id } } }`,
      {
        i: { title: "Soon gone", isPublic: true, songIds: album.songIds },
      },
    );
    const id = made.createPlaylist.playlist.id;
    await call(owner.accessToken, `mutation ($id: ID!) { likeSong(input: { songId: $id }) { userErrors { code } } }`, {
      id: gone,
    });
    const PAGE = `query ($id: ID!) { playlist(id: $id) { availableSongCount items { edges { node { isAvailable song { id title isLiked } } } } } }`;
    const page = async () => (await call(owner.accessToken, PAGE, { id })).playlist;
    expect((await page()).items.edges[0].node).toEqual({
      isAvailable: true,
      song: { id: gone, title: "Track 1", isLiked: true },
    });

    const content = contentBy(overHttp(url(), artistToken));
    await content.publish({ songId: gone }, false);
    // The song's event reaches library through catalog's outbox and library's queue.
    await expect.poll(async () => (await page()).availableSongCount, { timeout: 10_000 }).toBe(1);
    expect((await page()).items.edges.map((e: any) => e.node)).toEqual([
      { isAvailable: false, song: null },
      { isAvailable: true, song: { id: stays, title: "Track 2", isLiked: false } },
    ]);
    await content.publish({ songId: gone }, true);
    await expect.poll(async () => (await page()).availableSongCount, { timeout: 10_000 }).toBe(2);
  });
});
