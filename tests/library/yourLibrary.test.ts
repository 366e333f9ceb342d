// "Your Library" in process on the real database: one list of the playlists a listener made,
// edits and saved, the releases they saved and the artists they follow; filtered by kind, in
// three orders, paged by keyset without skipping or repeating, in a fixed number of statements.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessLibrary, viewerWith, type InProcessLibrary } from "../support/inProcess.ts";
import { catalogRelease, deliver, ok, playlistOf } from "../support/library.ts";

let lib: InProcessLibrary;
const me = viewerWith("USER");
const bob = viewerWith("USER");
const carol = viewerWith("USER");
const expected: Record<string, { name: string; kind: string; reason: string; creator: string }> = {};

async function named(viewer: typeof me, displayName: string) {
  await deliver(lib, "user.changed", {
    userId: viewer!.id,
    handle: displayName.toLowerCase(),
    displayName,
    role: "USER",
    blocked: false,
    version: 1,
  });
}
const run = (query: string, variables: Record<string, unknown> = {}) => ok(lib, me, query, variables);
const pause = () => new Promise((r) => setTimeout(r, 5));

beforeAll(async () => {
  lib = await inProcessLibrary();
  await named(me, "Me");
  await named(bob, "Bob");
  await named(carol, "Carol");
  const add = (id: string, name: string, kind: string, reason: string, creator: string) => {
    expected[id] = { name, kind, reason, creator };
  };
  // In this order, a few ms apart, so "recently added" has one answer.
  const zeta = await playlistOf(lib, me, { title: "Zeta" });
  add(zeta, "Zeta", "PLAYLIST", "MADE", "Me");
  await pause();
  const mid = await playlistOf(lib, bob, { title: "mid", isCollaborative: true });
  await ok(
    lib,
    bob,
    `mutation ($i: AddPlaylistEditorInput!) { addPlaylistEditor(input: $i) { userErrors { code } } }`,
    {
      i: { playlistId: mid, userId: me!.id },
    },
  );
  add(mid, "mid", "PLAYLIST", "EDITING", "Bob");
  await pause();
  const beta = await playlistOf(lib, carol, { title: "Beta", isPublic: true });
  await run(`mutation ($id: ID!) { savePlaylist(input: { playlistId: $id }) { userErrors { code } } }`, { id: beta });
  add(beta, "Beta", "PLAYLIST", "SAVED", "Carol");
  await pause();
  // Saved, then made private by its owner: left out.
  const gone = await playlistOf(lib, carol, { title: "Gone", isPublic: true });
  await run(`mutation ($id: ID!) { savePlaylist(input: { playlistId: $id }) { userErrors { code } } }`, { id: gone });
  await ok(lib, carol, `mutation ($i: UpdatePlaylistInput!) { updatePlaylist(input: $i) { userErrors { code } } }`, {
    i: { playlistId: gone, isPublic: false },
  });
  const album = await catalogRelease(lib, 1, 200_000, { artist: "Delta", release: "Album X" });
  await run(`mutation ($id: ID!) { saveCollection(input: { collectionId: $id }) { userErrors { code } } }`, {
    id: album.collectionId,
  });
  add(album.collectionId, "Album X", "RELEASE", "SAVED", "Delta");
  await pause();
  const echo = await catalogRelease(lib, 1, 200_000, { artist: "Echo" });
  await run(`mutation ($id: ID!) { followArtist(input: { artistId: $id }) { userErrors { code } } }`, {
    id: echo.artistId,
  });
  add(echo.artistId, "Echo", "ARTIST", "FOLLOWED", "Echo");
  await pause();
  const alpha = await playlistOf(lib, me, { title: "alpha" });
  add(alpha, "alpha", "PLAYLIST", "MADE", "Me");
  // A followed artist catalog hides since: left out.
  const hidden = await catalogRelease(lib, 1, 200_000, { artist: "Hidden" });
  await run(`mutation ($id: ID!) { followArtist(input: { artistId: $id }) { userErrors { code } } }`, {
    id: hidden.artistId,
  });
  await deliver(lib, "artist.changed", { artistId: hidden.artistId, name: "Hidden", listed: false, version: 1e9 });
});
afterAll(() => lib.stop());

const LIBRARY = /* GraphQL */ `
  query ($kinds: [LibraryItemKind!], $sort: LibrarySort, $first: Int, $after: String) {
    yourLibrary(kinds: $kinds, sort: $sort, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { kind reason addedAt node { __typename ... on Playlist { id title } ... on Collection { id } ... on Artist { id } } }
    }
  }
`;

async function all(sort: string, first: number, kinds?: string[]) {
  const ids: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 20; pages++) {
    const { yourLibrary }: any = await run(LIBRARY, { sort, first, after, kinds });
    ids.push(...yourLibrary.edges.map((e: any) => e.node.id));
    if (!yourLibrary.pageInfo.hasNextPage) return { ids, total: yourLibrary.totalCount };
    after = yourLibrary.pageInfo.endCursor;
  }
  throw new Error("too many pages");
}
const byName = (ids: string[]) => ids.map((id) => expected[id]!.name);

describe("yourLibrary", () => {
  it("mixes what the listener made, edits, saved and follows, newest first, saying why each is there", async () => {
    const { yourLibrary } = await run(LIBRARY);
    expect(yourLibrary.totalCount).toBe(6);
    expect(yourLibrary.edges.map((e: any) => [expected[e.node.id]?.name, e.kind, e.reason, e.node.__typename])).toEqual(
      [
        ["alpha", "PLAYLIST", "MADE", "Playlist"],
        ["Echo", "ARTIST", "FOLLOWED", "Artist"],
        ["Album X", "RELEASE", "SAVED", "Collection"],
        ["Beta", "PLAYLIST", "SAVED", "Playlist"],
        ["mid", "PLAYLIST", "EDITING", "Playlist"],
        ["Zeta", "PLAYLIST", "MADE", "Playlist"],
      ],
    );
  });

  it("sorts by name and by creator, whatever the case, and pages without skipping or repeating", async () => {
    const alphabetical = ["Album X", "alpha", "Beta", "Echo", "mid", "Zeta"];
    const byCreator = ["mid", "Beta", "Album X", "Echo", "alpha", "Zeta"]; // Bob, Carol, Delta, Echo, Me, Me
    for (const first of [1, 2, 4, 50]) {
      expect(byName((await all("ALPHABETICAL", first)).ids)).toEqual(alphabetical);
      expect(byName((await all("CREATOR", first)).ids)).toEqual(byCreator);
      expect(byName((await all("RECENTLY_ADDED", first)).ids)).toEqual([
        "alpha",
        "Echo",
        "Album X",
        "Beta",
        "mid",
        "Zeta",
      ]);
    }
  });

  it("filters by kind, and counts what it shows", async () => {
    const playlists = await all("ALPHABETICAL", 2, ["PLAYLIST"]);
    expect(byName(playlists.ids)).toEqual(["alpha", "Beta", "mid", "Zeta"]);
    expect(playlists.total).toBe(4);
    const rest = await all("ALPHABETICAL", 10, ["RELEASE", "ARTIST"]);
    expect(byName(rest.ids)).toEqual(["Album X", "Echo"]);
    expect(rest.total).toBe(2);
  });

  it("costs the same statements for a page of 2 as for a page of 6", async () => {
    const count = lib.countSql();
    await run(LIBRARY, { first: 2 });
    const two = count();
    const again = lib.countSql();
    await run(LIBRARY, { first: 6 });
    expect(again()).toBe(two);
  });

  it("needs a signed-in caller, and refuses a forged cursor or one of another sort", async () => {
    const res = await lib.query(LIBRARY, {}, { viewer: null });
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const { yourLibrary } = await run(LIBRARY, { first: 1, sort: "RECENTLY_ADDED" });
    for (const [sort, after] of [
      ["ALPHABETICAL", yourLibrary.pageInfo.endCursor],
      ["RECENTLY_ADDED", Buffer.from(JSON.stringify(["x", randomUUID()])).toString("base64url")],
    ]) {
      const bad = await lib.query(LIBRARY, { sort, after }, { viewer: me });
      expect(bad.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
  });
});
