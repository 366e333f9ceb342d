// Issue 11's scale checks, on real services: a 10,000-item playlist (the per-playlist limit)
// where moving one item writes one row and adding more is refused with nothing written, and a
// 100-item playlist page through the router (each song's artists, release cover and like state)
// that costs the same SQL statements per subgraph as a 10-item one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GAP } from "../../subgraphs/library/src/playlists/order.ts";
import { MAX_PLAYLIST_ITEMS } from "../../subgraphs/library/src/validation.ts";
import { gql, register, type TestAccount } from "../support/graphql.ts";
import { accountWithRole, contentBy, overHttp } from "../support/catalog.ts";
import { inProcessLibrary, viewerWith, type InProcessLibrary } from "../support/inProcess.ts";
import { catalogRelease, libraryKnows, ok, playlistOf } from "../support/library.ts";
import { startStack, type Stack } from "../support/stack.ts";

describe("a 10,000-item playlist", () => {
  let lib: InProcessLibrary;
  const owner = viewerWith("USER");
  let playlistId: string;
  let songId: string;
  beforeAll(async () => {
    lib = await inProcessLibrary();
    songId = (await catalogRelease(lib, 1)).songIds[0]!;
    playlistId = await playlistOf(lib, owner);
    // Filled in one statement, GAP apart, as the API would have placed them one by one.
    await lib.services.db.$executeRawUnsafe(
      `INSERT INTO "library"."PlaylistItem" ("id", "playlistId", "songId", "position", "addedById")
       SELECT gen_random_uuid(), $1::uuid, $2::uuid, n * $3::bigint, $4::uuid FROM generate_series(0, $5 - 1) AS n`,
      playlistId,
      songId,
      GAP.toString(),
      owner!.id,
      MAX_PLAYLIST_ITEMS,
    );
  });
  afterAll(() => lib.stop());

  const positions = async () =>
    new Map(
      (
        await lib.services.db.playlistItem.findMany({ where: { playlistId }, select: { id: true, position: true } })
      ).map((r) => [r.id, r.position]),
    );
  const ORDER = `query ($id: ID!, $after: String) { playlist(id: $id) { items(first: 100, after: $after) { edges { node { id } } pageInfo { endCursor } } } }`;

  it("moves one item, to the start, the middle or the end, by writing that item's row alone", async () => {
    const page = (await ok(lib, owner, ORDER, { id: playlistId })).playlist.items.edges.map((e: any) => e.node.id);
    const before = await positions();
    const ids = [...before.keys()];
    const moves = [
      { itemId: page[50], afterItemId: null },
      { itemId: page[10], afterItemId: page[70] },
      { itemId: ids[9_000]!, afterItemId: page[3] },
    ];
    let last = before;
    for (const input of moves) {
      const count = lib.countSql();
      const data = await ok(
        lib,
        owner,
        `mutation ($input: MovePlaylistItemInput!) { movePlaylistItem(input: $input) { userErrors { code } } }`,
        {
          input: { playlistId, ...input },
        },
      );
      expect(data.movePlaylistItem.userErrors).toEqual([]);
      expect(count()).toBeLessThan(15);
      const now = await positions();
      const changed = [...now].filter(([id, position]) => last.get(id) !== position).map(([id]) => id);
      expect(changed).toEqual([input.itemId]);
      last = now;
    }
    expect(last.size).toBe(MAX_PLAYLIST_ITEMS);
  });

  it("refuses more items with PLAYLIST_FULL, writing nothing", async () => {
    const data = await ok(
      lib,
      owner,
      `mutation ($input: AddSongsToPlaylistInput!) { addSongsToPlaylist(input: $input) { items { id } userErrors { code field } } }`,
      {
        input: { playlistId, songIds: [songId] },
      },
    );
    expect(data.addSongsToPlaylist).toEqual({
      items: null,
      userErrors: [{ code: "PLAYLIST_FULL", field: ["input", "songIds"] }],
    });
    expect(await lib.services.db.playlistItem.count({ where: { playlistId } })).toBe(MAX_PLAYLIST_ITEMS);
  });
});

describe("a playlist page through the router", () => {
  let stack: Stack;
  let listener: TestAccount;
  const songIds: string[] = [];
  beforeAll(async () => {
    stack = await startStack({ router: true });
    const url = stack.router!.url;
    listener = await register(url);
    const artist = await accountWithRole(stack, url, "ARTIST");
    const content = contentBy(overHttp(url, artist.accessToken));
    const guest = await content.createArtist({ name: "Guest" });
    await content.publish({ artistId: guest.id });
    // 100 songs over 10 releases, each with a featured artist.
    for (let r = 0; r < 10; r++) {
      const album = await content.publishedAlbum(
        0,
        { name: `Artist ${r}` },
        { title: `Album ${r}`, coverUrl: `https://img.example/${r}.jpg` },
      );
      for (let t = 1; t <= 10; t++) {
        const id = await content.createSong(album.collectionId, t, { featuredArtistIds: [guest.id] });
        await content.publish({ songId: id });
        songIds.push(id);
      }
    }
    await libraryKnows(stack, songIds);
  });
  afterAll(() => stack?.stop());

  const PAGE = /* GraphQL */ `
    query ($id: ID!) {
      playlist(id: $id) {
        itemCount durationSeconds coverReleases { coverUrl }
        items(first: 100) { edges { node { isAvailable addedBy { profile { handle } } song {
          title isLiked primaryArtist { name } featuredArtists { name } collection { title coverUrl }
        } } } }
      }
    }
  `;
  async function statementsFor(count: number) {
    const url = stack.router!.url;
    const made = await gql(
      url,
      `mutation ($i: CreatePlaylistInput!) { createPlaylist(input: $i) { playlist { id } userErrors { code } } }`,
      {
        i: { title: `Page of ${count}`, songIds: songIds.slice(0, count) },
      },
      { token: listener.accessToken },
    );
    const id = made.data.createPlaylist.playlist.id;
    for (const songId of songIds.slice(0, count).filter((_, i) => i % 3 === 0))
      await gql(
        url,
        `mutation ($id: ID!) { likeSong(input: { songId: $id }) { userErrors { code } } }`,
        { id: songId },
        { token: listener.accessToken },
      );
    // What the likes set going (library's consumer, relays) is over before the page is counted.
    await stack.quietSql(["users", "catalog", "library"]);
    const counters = ["users", "catalog", "library"].map((name) => [name, stack.countSqlOf(name)] as const);
    const res = await gql(url, PAGE, { id }, { token: listener.accessToken });
    expect(res.errors).toBeUndefined();
    expect(res.data.playlist.items.edges).toHaveLength(count);
    expect(res.data.playlist.items.edges[0].node.song).toMatchObject({
      isLiked: true,
      featuredArtists: [{ name: "Guest" }],
    });
    return Object.fromEntries(counters.map(([name, read]) => [name, read()]));
  }

  it("costs the same statements per subgraph for 10 items as for 100", async () => {
    const ten = await statementsFor(10);
    const hundred = await statementsFor(100);
    // On a mismatch, the library statements of the second page say what else ran.
    expect(hundred, JSON.stringify(stack.sqlOf("library"), null, 1)).toEqual(ten);
  });
});
