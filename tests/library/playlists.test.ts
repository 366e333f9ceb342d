// Playlists in the library subgraph, in process on the real database: making and editing them,
// who may see and change what (every protected field and mutation with the wrong caller), bad
// input (typed userErrors, nothing written), and what a hidden song becomes in a playlist.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessLibrary, viewerWith, type InProcessLibrary } from "../support/inProcess.ts";
import { catalogRelease, CREATE, deliver, introduce, itemsOf, ok, playlistOf, setSong } from "../support/library.ts";

let lib: InProcessLibrary;
const owner = viewerWith("USER");
const editor = viewerWith("USER");
const stranger = viewerWith("USER");
let release: Awaited<ReturnType<typeof catalogRelease>>;

beforeAll(async () => {
  lib = await inProcessLibrary();
  release = await catalogRelease(lib, 6);
  await introduce(lib, owner, editor, stranger);
});
afterAll(() => lib.stop());

const PLAYLIST = /* GraphQL */ `
  query ($id: ID!) {
    playlist(id: $id) {
      id title description isPublic isCollaborative owner { id }
      itemCount availableSongCount durationSeconds coverReleases { id }
      viewerCanEdit viewerIsOwner isSaved saveCount
      editors { edges { node { id } } totalCount }
    }
  }
`;
const ADD = /* GraphQL */ `
  mutation ($input: AddSongsToPlaylistInput!) {
    addSongsToPlaylist(input: $input) { playlist { id itemCount } items { id song { id } } userErrors { code field } }
  }
`;
const UPDATE = /* GraphQL */ `
  mutation ($input: UpdatePlaylistInput!) {
    updatePlaylist(input: $input) { playlist { id title description isPublic isCollaborative } userErrors { code field } }
  }
`;
const EDITOR = /* GraphQL */ `
  mutation ($input: AddPlaylistEditorInput!) {
    addPlaylistEditor(input: $input) { playlist { id editors { totalCount } } userErrors { code field } }
  }
`;
const REMOVE_EDITOR = /* GraphQL */ `
  mutation ($input: RemovePlaylistEditorInput!) {
    removePlaylistEditor(input: $input) { playlist { id } userErrors { code field } }
  }
`;
const LEAVE = /* GraphQL */ `
  mutation ($input: LeavePlaylistInput!) { leavePlaylist(input: $input) { playlist { id } userErrors { code field } } }
`;
const REMOVE = /* GraphQL */ `
  mutation ($input: RemovePlaylistItemsInput!) {
    removePlaylistItems(input: $input) { playlist { itemCount } removedItemIds userErrors { code field } }
  }
`;
const MOVE = /* GraphQL */ `
  mutation ($input: MovePlaylistItemInput!) {
    movePlaylistItem(input: $input) { item { id } userErrors { code field } }
  }
`;
const DELETE = /* GraphQL */ `
  mutation ($input: DeletePlaylistInput!) { deletePlaylist(input: $input) { deletedPlaylistId userErrors { code field } } }
`;

describe("making a playlist", () => {
  it("creates one with its first songs, in order, and totals that say what they count", async () => {
    const id = await playlistOf(lib, owner, { title: "  Road trip  ", songIds: release.songIds.slice(0, 3) });
    const { playlist } = await ok(lib, owner, PLAYLIST, { id });
    expect(playlist).toMatchObject({
      title: "Road trip",
      description: "",
      isPublic: false,
      isCollaborative: false,
      owner: { id: owner!.id },
      itemCount: 3,
      availableSongCount: 3,
      durationSeconds: 600,
      coverReleases: [{ id: release.collectionId }],
      viewerCanEdit: true,
      viewerIsOwner: true,
      editors: { edges: [], totalCount: 0 },
    });
    expect((await itemsOf(lib, owner, id)).map((i) => i.songId)).toEqual(release.songIds.slice(0, 3));
  });

  it("refuses bad input with typed userErrors and writes nothing", async () => {
    const mine = { where: { ownerId: owner!.id } };
    const before = await lib.services.db.playlist.count(mine);
    const cases: [object, string, string[]][] = [
      [{ title: "   " }, "INVALID", ["input", "title"]],
      [{ title: "x".repeat(101) }, "TOO_LONG", ["input", "title"]],
      [{ title: "ok", description: "d".repeat(301) }, "TOO_LONG", ["input", "description"]],
      [{ title: "ok", songIds: ["not-an-id"] }, "INVALID", ["input", "songIds", "0"]],
      [
        { title: "ok", songIds: Array.from({ length: 101 }, () => release.songIds[0]) },
        "TOO_MANY",
        ["input", "songIds"],
      ],
      [
        { title: "ok", songIds: [release.songIds[0], crypto.randomUUID()] },
        "SONG_NOT_FOUND",
        ["input", "songIds", "1"],
      ],
    ];
    for (const [input, code, field] of cases) {
      const data = await ok(lib, owner, CREATE, { input });
      expect(data.createPlaylist.playlist).toBeNull();
      expect(data.createPlaylist.userErrors[0]).toMatchObject({ code, field });
    }
    expect(await lib.services.db.playlist.count(mine)).toBe(before);
  });

  it("needs a signed-in caller", async () => {
    const res = await lib.query(CREATE, { input: { title: "x" } }, { viewer: null });
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("who sees and changes a playlist", () => {
  it("hides a private playlist from everyone but its owner and editors, as if it did not exist", async () => {
    const id = await playlistOf(lib, owner, { songIds: release.songIds.slice(0, 2) });
    expect((await ok(lib, stranger, PLAYLIST, { id })).playlist).toBeNull();
    expect((await ok(lib, null, PLAYLIST, { id })).playlist).toBeNull();
    // Every mutation answers a stranger exactly as for an unknown id.
    const unknown = { code: "PLAYLIST_NOT_FOUND", field: ["input", "playlistId"] };
    const tries = [
      [UPDATE, { playlistId: id, title: "mine" }, "updatePlaylist"],
      [ADD, { playlistId: id, songIds: [release.songIds[0]] }, "addSongsToPlaylist"],
      [DELETE, { playlistId: id }, "deletePlaylist"],
      [EDITOR, { playlistId: id, userId: stranger!.id }, "addPlaylistEditor"],
    ] as const;
    for (const [doc, input, field] of tries) {
      const data = await ok(lib, stranger, doc, { input });
      expect(data[field].userErrors).toEqual([unknown]);
    }
    const { playlist } = await ok(lib, owner, PLAYLIST, { id });
    expect(playlist).toMatchObject({ title: "Mix", itemCount: 2 });
  });

  it("lets anyone see a public playlist but only its owner change it (FORBIDDEN for others)", async () => {
    const id = await playlistOf(lib, owner, { isPublic: true, songIds: [release.songIds[0]!] });
    const seen = await ok(lib, stranger, PLAYLIST, { id });
    expect(seen.playlist).toMatchObject({ id, viewerCanEdit: false, viewerIsOwner: false });
    for (const [doc, input] of [
      [UPDATE, { playlistId: id, title: "taken" }],
      [ADD, { playlistId: id, songIds: [release.songIds[1]] }],
      [DELETE, { playlistId: id }],
    ] as const) {
      const res = await lib.query(doc, { input }, { viewer: stranger });
      expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
    expect((await ok(lib, owner, PLAYLIST, { id })).playlist).toMatchObject({ title: "Mix", itemCount: 1 });
  });

  it("lets the editors of a collaborative playlist change its items, not its details or editors", async () => {
    const id = await playlistOf(lib, owner, { isCollaborative: true });
    const invited = await ok(lib, owner, EDITOR, { input: { playlistId: id, userId: editor!.id } });
    expect(invited.addPlaylistEditor).toMatchObject({ playlist: { editors: { totalCount: 1 } }, userErrors: [] });
    const again = await ok(lib, owner, EDITOR, { input: { playlistId: id, userId: editor!.id } });
    expect(again.addPlaylistEditor.userErrors).toEqual([{ code: "ALREADY_EDITOR", field: ["input", "userId"] }]);
    const self = await ok(lib, owner, EDITOR, { input: { playlistId: id, userId: owner!.id } });
    expect(self.addPlaylistEditor.userErrors[0].code).toBe("CANNOT_TARGET_SELF");
    // Someone library never heard of, or whose account was deleted, cannot be invited.
    const deleted = viewerWith("USER");
    await introduce(lib, deleted);
    await deliver(lib, "user.deleted", { userId: deleted!.id });
    for (const userId of [crypto.randomUUID(), deleted!.id, "not-an-id"]) {
      const nobody = await ok(lib, owner, EDITOR, { input: { playlistId: id, userId } });
      expect(nobody.addPlaylistEditor.userErrors).toEqual([{ code: "USER_NOT_FOUND", field: ["input", "userId"] }]);
    }

    // The private playlist is the editor's to see and fill.
    expect((await ok(lib, editor, PLAYLIST, { id })).playlist).toMatchObject({
      viewerCanEdit: true,
      viewerIsOwner: false,
    });
    const added = await ok(lib, editor, ADD, { input: { playlistId: id, songIds: release.songIds.slice(0, 2) } });
    expect(added.addSongsToPlaylist).toMatchObject({ playlist: { itemCount: 2 }, userErrors: [] });
    for (const [doc, input] of [
      [UPDATE, { playlistId: id, title: "ours" }],
      [DELETE, { playlistId: id }],
      [EDITOR, { playlistId: id, userId: stranger!.id }],
      [REMOVE_EDITOR, { playlistId: id, userId: editor!.id }],
    ] as const) {
      const res = await lib.query(doc, { input }, { viewer: editor });
      expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }

    // Not collaborative any more: the editor may look, not change.
    await ok(lib, owner, UPDATE, { input: { playlistId: id, isCollaborative: false } });
    const refused = await lib.query(
      ADD,
      { input: { playlistId: id, songIds: [release.songIds[2]] } },
      { viewer: editor },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const notCollab = await ok(lib, owner, EDITOR, { input: { playlistId: id, userId: stranger!.id } });
    expect(notCollab.addPlaylistEditor.userErrors[0].code).toBe("NOT_COLLABORATIVE");
    await ok(lib, owner, UPDATE, { input: { playlistId: id, isCollaborative: true } });

    // Leaving: the private playlist is gone from the editor's view; a second leave is a typed error.
    const left = await ok(lib, editor, LEAVE, { input: { playlistId: id } });
    expect(left.leavePlaylist).toEqual({ playlist: null, userErrors: [] });
    expect((await ok(lib, editor, PLAYLIST, { id })).playlist).toBeNull();
    const again2 = await ok(lib, owner, LEAVE, { input: { playlistId: id } });
    expect(again2.leavePlaylist.userErrors).toEqual([{ code: "NOT_EDITOR", field: ["input", "playlistId"] }]);
    const notEditor = await ok(lib, owner, REMOVE_EDITOR, { input: { playlistId: id, userId: editor!.id } });
    expect(notEditor.removePlaylistEditor.userErrors[0].code).toBe("NOT_EDITOR");
  });

  it("lists a user's playlists: all for themself, the public ones for anyone else", async () => {
    const someone = viewerWith("USER");
    await playlistOf(lib, someone, { title: "Secret" });
    await playlistOf(lib, someone, { title: "Shared", isPublic: true });
    const LIST = `query ($id: ID!) { _entities(representations: [{ __typename: "User", id: $id }]) {
      ... on User { playlists { edges { node { title } } totalCount } } } }`;
    const mine = await ok(lib, someone, LIST, { id: someone!.id });
    expect(mine._entities[0].playlists.edges.map((e: any) => e.node.title)).toEqual(["Shared", "Secret"]);
    expect(mine._entities[0].playlists.totalCount).toBe(2);
    const theirs = await ok(lib, stranger, LIST, { id: someone!.id });
    expect(theirs._entities[0].playlists).toEqual({ edges: [{ node: { title: "Shared" } }], totalCount: 1 });
  });
});

describe("items", () => {
  it("adds at a position or the end, removes by item, moves after an item or to the start", async () => {
    const [a, b, c, d, e] = release.songIds;
    const id = await playlistOf(lib, owner, { songIds: [a!, b!] });
    await ok(lib, owner, ADD, { input: { playlistId: id, songIds: [c, d], position: 1 } });
    await ok(lib, owner, ADD, { input: { playlistId: id, songIds: [e], position: 0 } });
    await ok(lib, owner, ADD, { input: { playlistId: id, songIds: [a], position: 999 } });
    let items = await itemsOf(lib, owner, id);
    expect(items.map((i) => i.songId)).toEqual([e, a, c, d, b, a]);

    // Removing one copy of a song leaves the other.
    const removed = await ok(lib, owner, REMOVE, { input: { playlistId: id, itemIds: [items[1]!.itemId] } });
    expect(removed.removePlaylistItems).toMatchObject({ playlist: { itemCount: 5 }, userErrors: [] });
    items = await itemsOf(lib, owner, id);
    expect(items.map((i) => i.songId)).toEqual([e, c, d, b, a]);

    await ok(lib, owner, MOVE, { input: { playlistId: id, itemId: items[0]!.itemId, afterItemId: items[3]!.itemId } });
    await ok(lib, owner, MOVE, { input: { playlistId: id, itemId: items[4]!.itemId } });
    expect((await itemsOf(lib, owner, id)).map((i) => i.songId)).toEqual([a, c, d, b, e]);
  });

  it("answers bad item input with typed userErrors and changes nothing", async () => {
    const id = await playlistOf(lib, owner, { songIds: release.songIds.slice(0, 3) });
    const other = await playlistOf(lib, owner, { songIds: [release.songIds[0]!] });
    const [foreign] = await itemsOf(lib, owner, other);
    const items = await itemsOf(lib, owner, id);
    const cases: [string, object, string, string, string[]][] = [
      [ADD, { playlistId: id, songIds: [] }, "addSongsToPlaylist", "INVALID", ["input", "songIds"]],
      [
        ADD,
        { playlistId: id, songIds: [crypto.randomUUID()] },
        "addSongsToPlaylist",
        "SONG_NOT_FOUND",
        ["input", "songIds", "0"],
      ],
      [
        ADD,
        { playlistId: id, songIds: [release.songIds[0]], position: -1 },
        "addSongsToPlaylist",
        "INVALID_POSITION",
        ["input", "position"],
      ],
      [
        REMOVE,
        { playlistId: id, itemIds: [foreign!.itemId] },
        "removePlaylistItems",
        "ITEM_NOT_FOUND",
        ["input", "itemIds", "0"],
      ],
      [
        REMOVE,
        { playlistId: id, itemIds: [items[0]!.itemId, crypto.randomUUID()] },
        "removePlaylistItems",
        "ITEM_NOT_FOUND",
        ["input", "itemIds", "1"],
      ],
      [MOVE, { playlistId: id, itemId: foreign!.itemId }, "movePlaylistItem", "ITEM_NOT_FOUND", ["input", "itemId"]],
      [
        MOVE,
        { playlistId: id, itemId: items[0]!.itemId, afterItemId: foreign!.itemId },
        "movePlaylistItem",
        "ITEM_NOT_FOUND",
        ["input", "afterItemId"],
      ],
      [
        MOVE,
        { playlistId: id, itemId: items[0]!.itemId, afterItemId: items[0]!.itemId },
        "movePlaylistItem",
        "INVALID_POSITION",
        ["input", "afterItemId"],
      ],
      [MOVE, { playlistId: id, itemId: "nope" }, "movePlaylistItem", "ITEM_NOT_FOUND", ["input", "itemId"]],
    ];
    for (const [doc, input, field, code, path] of cases) {
      const data = await ok(lib, owner, doc, { input });
      expect(data[field].userErrors[0], JSON.stringify(input)).toMatchObject({ code, field: path });
    }
    expect(await itemsOf(lib, owner, id)).toEqual(items);
  });

  it("keeps a hidden song as an unavailable item that shows nothing of it, and brings it back", async () => {
    const own = await catalogRelease(lib, 2, 180_000);
    const id = await playlistOf(lib, owner, {
      isPublic: true,
      songIds: [own.songIds[0]!, own.songIds[1]!, release.songIds[0]!],
    });
    await setSong(lib, own.songs[0]!, false);
    const ITEMS = `query ($id: ID!) { playlist(id: $id) { itemCount availableSongCount durationSeconds coverReleases { id }
      items { edges { node { isAvailable song { id } } } } } }`;
    const hidden = await ok(lib, stranger, ITEMS, { id });
    expect(hidden.playlist).toEqual({
      itemCount: 3,
      availableSongCount: 2,
      durationSeconds: 380,
      coverReleases: [{ id: own.collectionId }, { id: release.collectionId }],
      items: {
        edges: [
          { node: { isAvailable: false, song: null } },
          { node: { isAvailable: true, song: { id: own.songIds[1] } } },
          { node: { isAvailable: true, song: { id: release.songIds[0] } } },
        ],
      },
    });
    // A hidden song cannot be added.
    const refused = await ok(lib, owner, ADD, { input: { playlistId: id, songIds: [own.songIds[0]] } });
    expect(refused.addSongsToPlaylist.userErrors[0].code).toBe("SONG_NOT_FOUND");
    await setSong(lib, own.songs[0]!, true);
    expect((await ok(lib, stranger, ITEMS, { id })).playlist.items.edges[0].node).toEqual({
      isAvailable: true,
      song: { id: own.songIds[0] },
    });
  });

  it("deletes a playlist with its items", async () => {
    const id = await playlistOf(lib, owner, { songIds: release.songIds.slice(0, 2) });
    const data = await ok(lib, owner, DELETE, { input: { playlistId: id } });
    expect(data.deletePlaylist).toEqual({ deletedPlaylistId: id, userErrors: [] });
    expect(await lib.services.db.playlistItem.count({ where: { playlistId: id } })).toBe(0);
    expect((await ok(lib, owner, PLAYLIST, { id })).playlist).toBeNull();
    const again = await ok(lib, owner, DELETE, { input: { playlistId: id } });
    expect(again.deletePlaylist.userErrors[0].code).toBe("PLAYLIST_NOT_FOUND");
  });

  it("refuses a forged item cursor as bad input", async () => {
    const id = await playlistOf(lib, owner, { songIds: [release.songIds[0]!] });
    const forged = Buffer.from(JSON.stringify(["1e5", crypto.randomUUID()])).toString("base64url");
    const res = await lib.query(
      `query ($id: ID!, $after: String) { playlist(id: $id) { items(after: $after) { totalCount } } }`,
      {
        id,
        after: forged,
      },
      { viewer: owner },
    );
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});
