// The order of playlist items (subgraphs/library/src/playlists/order.ts): one edit writes one item
// row, a crowded spot is spread out locally and rarely, and editors changing the same playlist at
// once never lose or duplicate an item and leave one order everyone reads. Real Postgres.
import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { GAP, spread } from "../../subgraphs/library/src/playlists/order.ts";
import { inProcessLibrary, viewerWith, type InProcessLibrary } from "../support/inProcess.ts";
import { catalogRelease, introduce, itemsOf, ok, playlistOf } from "../support/library.ts";

let lib: InProcessLibrary;
let songIds: string[];
const owner = viewerWith("USER");
beforeAll(async () => {
  lib = await inProcessLibrary();
  songIds = (await catalogRelease(lib, 20)).songIds;
});
afterAll(() => lib.stop());

const ADD = `mutation ($input: AddSongsToPlaylistInput!) { addSongsToPlaylist(input: $input) { items { id } userErrors { code } } }`;
const MOVE = `mutation ($input: MovePlaylistItemInput!) { movePlaylistItem(input: $input) { item { id } userErrors { code } } }`;
const EDITOR = `mutation ($input: AddPlaylistEditorInput!) { addPlaylistEditor(input: $input) { userErrors { code } } }`;

/** Item rows written by the statements since `reset` (INSERTs and UPDATEs of PlaylistItem, by row count of the SQL). */
const writes = (statements: string[]) =>
  statements.filter(
    (s) =>
      /^(INSERT INTO|UPDATE) "library"\."PlaylistItem"/.test(s.trim()) ||
      /UPDATE "library"\."PlaylistItem" AS item/.test(s),
  );

describe("spread", () => {
  it("places new positions strictly between neighbours, GAP apart at open ends", () => {
    expect(spread(null, null, 3)).toEqual([0n, GAP, 2n * GAP]);
    expect(spread(10n, null, 2)).toEqual([10n + GAP, 10n + 2n * GAP]);
    expect(spread(null, 10n, 2)).toEqual([10n - 2n * GAP, 10n - GAP]);
    expect(spread(0n, 9n, 2)).toEqual([3n, 6n]);
    expect(spread(0n, 2n, 1)).toEqual([1n]);
    expect(spread(0n, 1n, 1)).toBeNull();
    expect(spread(0n, 100n, 1, 1024n)).toBeNull();
  });
});

describe("positions in the database", () => {
  it("writes one item row per insertion at the same spot until the gap runs out, then spreads a few neighbours", async () => {
    const id = await playlistOf(lib, owner, { songIds: songIds.slice(0, 10) });
    const expected = (await itemsOf(lib, owner, id)).map((i) => i.songId);
    const rebalances: number[] = [];
    for (let n = 0; n < 40; n++) {
      lib.countSql();
      const data = await ok(lib, owner, ADD, {
        input: { playlistId: id, songIds: [songIds[10 + (n % 10)]], position: 5 },
      });
      expect(data.addSongsToPlaylist.userErrors).toEqual([]);
      expected.splice(5, 0, songIds[10 + (n % 10)]!);
      const spreads = lib.sql.statements.filter((s) => s.includes('UPDATE "library"."PlaylistItem" AS item'));
      if (spreads.length) rebalances.push(n);
    }
    // 65536 halves 16 times before two neighbours touch: a spread now and then, not every time.
    expect(rebalances.length).toBeGreaterThan(0);
    expect(rebalances.length).toBeLessThan(8);
    expect((await itemsOf(lib, owner, id)).map((i) => i.songId)).toEqual(expected);
    // A spread renumbers a window around the spot, never the whole playlist.
    const rows = await lib.services.db.playlistItem.findMany({
      where: { playlistId: id },
      orderBy: { position: "asc" },
    });
    expect(new Set(rows.map((r) => r.position)).size).toBe(rows.length);
  });

  it("moves an item by writing that item alone", async () => {
    const id = await playlistOf(lib, owner, { songIds: songIds.slice(0, 8) });
    const items = await itemsOf(lib, owner, id);
    lib.countSql();
    await ok(lib, owner, MOVE, { input: { playlistId: id, itemId: items[6]!.itemId, afterItemId: items[1]!.itemId } });
    const itemWrites = writes(lib.sql.statements);
    expect(itemWrites).toHaveLength(1);
    const order = (await itemsOf(lib, owner, id)).map((i) => i.itemId);
    expect(order).toEqual([0, 1, 6, 2, 3, 4, 5, 7].map((i) => items[i]!.itemId));
  });

  it("lets two editors move and add at once: every item once, one order for everyone", async () => {
    const editor = viewerWith("USER");
    await introduce(lib, editor);
    const id = await playlistOf(lib, owner, { songIds: songIds.slice(0, 12), isCollaborative: true });
    await ok(lib, owner, EDITOR, { input: { playlistId: id, userId: editor!.id } });
    const items = await itemsOf(lib, owner, id);
    // 30 concurrent moves (half each), crossing each other, plus adds at the same spot.
    const edits = Array.from({ length: 30 }, (_, n) => {
      const viewer = n % 2 ? owner : editor;
      if (n % 5 === 0)
        return lib.query(ADD, { input: { playlistId: id, songIds: [songIds[n % 20]], position: 3 } }, { viewer });
      const item = items[(n * 7) % items.length]!;
      const after = items[(n * 5 + 3) % items.length]!;
      return lib.query(
        MOVE,
        {
          input: {
            playlistId: id,
            itemId: item.itemId,
            afterItemId: after.itemId === item.itemId ? null : after.itemId,
          },
        },
        { viewer },
      );
    });
    const results = await Promise.all(edits);
    for (const res of results) {
      expect(res.errors).toBeUndefined();
      const payload = (res.data as any).movePlaylistItem ?? (res.data as any).addSongsToPlaylist;
      expect(payload.userErrors).toEqual([]);
    }
    const seenByOwner = await itemsOf(lib, owner, id);
    const seenByEditor = await itemsOf(lib, editor, id);
    expect(seenByEditor).toEqual(seenByOwner);
    expect(seenByOwner).toHaveLength(12 + 6);
    expect(new Set(seenByOwner.map((i) => i.itemId)).size).toBe(18);
    for (const item of items) expect(seenByOwner.map((i) => i.itemId)).toContain(item.itemId);
  });
});
