// What library does with other subgraphs' events, through its own handlers on the real database:
// catalog's state arriving twice or out of order (the newest version wins), and a deleted
// account's library removed while what it gave others stays.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handlerMismatch } from "@melodi/kit";
import { events } from "../../subgraphs/library/src/events.ts";
import { inProcessLibrary, viewerWith, type InProcessLibrary } from "../support/inProcess.ts";
import { catalogRelease, deliver, introduce, itemsOf, ok, playlistOf } from "../support/library.ts";

let lib: InProcessLibrary;
beforeAll(async () => {
  lib = await inProcessLibrary();
});
afterAll(() => lib.stop());

const song = (version: number, listed: boolean, durationMs = 100_000) => ({
  songId: "",
  collectionId: randomUUID(),
  artistIds: [randomUUID()],
  genreIds: [randomUUID()],
  durationMs,
  listed,
  version,
});

describe("catalog's events", () => {
  it("has a handler for exactly what subgraphs.json says library consumes", () => {
    expect(handlerMismatch("library", events.handlers)).toEqual({ unhandled: [], undeclared: [] });
  });

  it("keeps the state of the highest version, whatever the order of arrival, and skips a replay", async () => {
    const songId = randomUUID();
    const v3 = { ...song(3, false, 300_000), songId };
    const v2 = { ...song(2, true, 200_000), songId };
    const v5 = { ...song(5, true, 500_000), songId };
    const id3 = randomUUID();
    expect(await deliver(lib, "song.changed", v3, id3)).toBe(true);
    await deliver(lib, "song.changed", v2);
    let row = await lib.services.db.catalogSong.findUniqueOrThrow({ where: { id: songId } });
    expect(row).toMatchObject({ version: 3n, listed: false, durationMs: 300_000, artistIds: v3.artistIds });
    await deliver(lib, "song.changed", v5);
    // The same event again (a retried job) is skipped as already applied.
    expect(await deliver(lib, "song.changed", v3, id3)).toBe(false);
    row = await lib.services.db.catalogSong.findUniqueOrThrow({ where: { id: songId } });
    expect(row).toMatchObject({ version: 5n, listed: true, durationMs: 500_000, genreIds: v5.genreIds });

    const collectionId = randomUUID();
    const artistId = randomUUID();
    await deliver(lib, "collection.changed", {
      collectionId,
      artistId,
      title: "A release",
      listed: true,
      coverUrl: "https://a",
      version: 9,
    });
    await deliver(lib, "collection.changed", {
      collectionId,
      artistId,
      title: "A release",
      listed: false,
      coverUrl: null,
      version: 8,
    });
    expect(await lib.services.db.catalogCollection.findUniqueOrThrow({ where: { id: collectionId } })).toMatchObject({
      listed: true,
      coverUrl: "https://a",
    });
    await deliver(lib, "artist.changed", { artistId, name: "An artist", listed: false, version: 2 });
    await deliver(lib, "artist.changed", { artistId, name: "An artist", listed: true, version: 1 });
    expect((await lib.services.db.catalogArtist.findUniqueOrThrow({ where: { id: artistId } })).listed).toBe(false);
  });
});

describe("users' events", () => {
  it("keeps the newest user.changed, and a deleted account stays deleted whatever arrives late", async () => {
    const userId = randomUUID();
    const change = (version: number, displayName: string) =>
      deliver(lib, "user.changed", { userId, handle: "h", displayName, role: "USER", blocked: false, version });
    await change(4, "Four");
    await change(3, "Three");
    const profile = () => lib.services.db.userProfile.findUniqueOrThrow({ where: { id: userId } });
    expect(await profile()).toMatchObject({ displayName: "Four", version: 4n, deleted: false });
    await deliver(lib, "user.deleted", { userId });
    await change(9, "Nine");
    expect(await profile()).toMatchObject({ displayName: "Four", deleted: true });
  });
});

describe("user.deleted", () => {
  it("removes the account's playlists, likes, saves, follows and editing, and leaves what it added to others'", async () => {
    const { songIds, collectionId, artistId } = await catalogRelease(lib, 3);
    const gone = viewerWith("USER");
    const friend = viewerWith("USER");
    await introduce(lib, gone, friend);
    const own = await playlistOf(lib, gone, { isPublic: true, songIds });
    const shared = await playlistOf(lib, friend, { isCollaborative: true, songIds: [songIds[0]!] });
    await ok(
      lib,
      friend,
      `mutation ($i: AddPlaylistEditorInput!) { addPlaylistEditor(input: $i) { userErrors { code } } }`,
      {
        i: { playlistId: shared, userId: gone!.id },
      },
    );
    await ok(
      lib,
      gone,
      `mutation ($i: AddSongsToPlaylistInput!) { addSongsToPlaylist(input: $i) { userErrors { code } } }`,
      {
        i: { playlistId: shared, songIds: [songIds[1]] },
      },
    );
    await ok(lib, friend, `mutation ($i: SavePlaylistInput!) { savePlaylist(input: $i) { userErrors { code } } }`, {
      i: { playlistId: own },
    });
    await ok(
      lib,
      gone,
      `mutation { a: likeSong(input: { songId: "${songIds[0]}" }) { userErrors { code } }
      b: saveCollection(input: { collectionId: "${collectionId}" }) { userErrors { code } }
      c: followArtist(input: { artistId: "${artistId}" }) { userErrors { code } } }`,
    );

    expect(await deliver(lib, "user.deleted", { userId: gone!.id })).toBe(true);
    const db = lib.services.db;
    expect(await db.playlist.count({ where: { ownerId: gone!.id } })).toBe(0);
    // Other people's saves of the deleted playlist go with it.
    expect(await db.playlistSave.count({ where: { playlistId: own } })).toBe(0);
    for (const count of [
      db.likedSong.count({ where: { userId: gone!.id } }),
      db.savedCollection.count({ where: { userId: gone!.id } }),
      db.followedArtist.count({ where: { userId: gone!.id } }),
      db.playlistEditor.count({ where: { userId: gone!.id } }),
    ])
      expect(await count).toBe(0);
    // What it added to a friend's playlist stays there.
    expect((await itemsOf(lib, friend, shared)).map((i) => i.songId)).toEqual([songIds[0], songIds[1]]);
  });
});
