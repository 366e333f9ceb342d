// Likes, saves and follows in the library subgraph, in process on the real database: idempotent,
// typed errors for unknown targets, private lists only for their owner (FORBIDDEN for others),
// hidden things kept as unavailable, the fields library adds to other subgraphs' entities, and
// the follow events (artist.followed, artist.unfollowed) with artist.followed's back-fill.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessLibrary, viewerWith, type InProcessLibrary, type TestViewer } from "../support/inProcess.ts";
import { events } from "../../subgraphs/library/src/events.ts";
import { catalogRelease, deliver, ok, playlistOf, setSong } from "../support/library.ts";

let lib: InProcessLibrary;
let release: Awaited<ReturnType<typeof catalogRelease>>;
const fan = viewerWith("USER");
const other = viewerWith("USER");
beforeAll(async () => {
  lib = await inProcessLibrary();
  release = await catalogRelease(lib, 3);
});
afterAll(() => lib.stop());

const m = (name: string, input: string, target: string) =>
  `mutation ($input: ${input}!) { ${name}(input: $input) { ${target} { id } userErrors { code field message } } }`;
const LIKE = m("likeSong", "LikeSongInput", "song");
const UNLIKE = m("unlikeSong", "UnlikeSongInput", "song");
const SAVE = m("saveCollection", "SaveCollectionInput", "collection");
const UNSAVE = m("unsaveCollection", "UnsaveCollectionInput", "collection");
const FOLLOW = m("followArtist", "FollowArtistInput", "artist");
const UNFOLLOW = m("unfollowArtist", "UnfollowArtistInput", "artist");
const SAVE_PLAYLIST = m("savePlaylist", "SavePlaylistInput", "playlist");
const UNSAVE_PLAYLIST = m("unsavePlaylist", "UnsavePlaylistInput", "playlist");

const entities = (typename: string, ids: string[], fields: string) => ({
  query: `query ($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { id ${fields} } } }`,
  variables: { r: ids.map((id) => ({ __typename: typename, id })) },
});
async function entity(viewer: TestViewer, typename: string, id: string, fields: string) {
  const { query, variables } = entities(typename, [id], fields);
  return (await ok(lib, viewer, query, variables))._entities[0];
}
const LISTS = `query ($id: ID!) { _entities(representations: [{ __typename: "User", id: $id }]) { ... on User {
  likedSongs { edges { node { id } isAvailable likedAt } totalCount }
  savedCollections { edges { node { id } isAvailable } totalCount }
  followedArtists { edges { node { id } } totalCount } } } }`;

describe("likes, saves and follows", () => {
  it("are idempotent both ways and show on the entities", async () => {
    const songId = release.songIds[0]!;
    for (let i = 0; i < 2; i++) {
      expect((await ok(lib, fan, LIKE, { input: { songId } })).likeSong).toEqual({
        song: { id: songId },
        userErrors: [],
      });
      expect(
        (await ok(lib, fan, SAVE, { input: { collectionId: release.collectionId } })).saveCollection.userErrors,
      ).toEqual([]);
      expect((await ok(lib, fan, FOLLOW, { input: { artistId: release.artistId } })).followArtist.userErrors).toEqual(
        [],
      );
    }
    expect(await entity(fan, "Song", songId, "isLiked")).toEqual({ id: songId, isLiked: true });
    expect(await entity(other, "Song", songId, "isLiked")).toEqual({ id: songId, isLiked: false });
    expect(await entity(null, "Song", songId, "isLiked")).toEqual({ id: songId, isLiked: false });
    expect(await entity(fan, "Collection", release.collectionId, "isSaved")).toMatchObject({ isSaved: true });
    expect(await entity(fan, "Artist", release.artistId, "isFollowed followerCount")).toMatchObject({
      isFollowed: true,
      followerCount: 1,
    });
    // One follow event, not two.
    const followed = await lib.services.db.outboxEvent.findMany({ where: { type: "artist.followed" } });
    expect(followed.filter((e) => (e.payload as any).userId === fan!.id)).toHaveLength(1);

    for (let i = 0; i < 2; i++) {
      expect((await ok(lib, fan, UNLIKE, { input: { songId } })).unlikeSong.userErrors).toEqual([]);
      expect(
        (await ok(lib, fan, UNSAVE, { input: { collectionId: release.collectionId } })).unsaveCollection.userErrors,
      ).toEqual([]);
      expect(
        (await ok(lib, fan, UNFOLLOW, { input: { artistId: release.artistId } })).unfollowArtist.userErrors,
      ).toEqual([]);
    }
    expect(await entity(fan, "Song", songId, "isLiked")).toMatchObject({ isLiked: false });
    expect(await entity(fan, "Artist", release.artistId, "isFollowed followerCount")).toMatchObject({
      isFollowed: false,
      followerCount: 0,
    });
  });

  it("answer unknown or hidden targets with typed errors, and signed-out callers with UNAUTHENTICATED", async () => {
    const hidden = await catalogRelease(lib, 1);
    await setSong(lib, hidden.songs[0]!, false);
    await deliver(lib, "collection.changed", {
      collectionId: hidden.collectionId,
      artistId: hidden.artistId,
      title: "A release",
      listed: false,
      coverUrl: null,
      version: 1e9,
    });
    await deliver(lib, "artist.changed", { artistId: hidden.artistId, name: "An artist", listed: false, version: 1e9 });
    const cases: [string, string, object, string, string[]][] = [
      [LIKE, "likeSong", { songId: randomUUID() }, "SONG_NOT_FOUND", ["input", "songId"]],
      [LIKE, "likeSong", { songId: "x" }, "SONG_NOT_FOUND", ["input", "songId"]],
      [LIKE, "likeSong", { songId: hidden.songIds[0] }, "SONG_NOT_FOUND", ["input", "songId"]],
      [UNLIKE, "unlikeSong", { songId: randomUUID() }, "SONG_NOT_FOUND", ["input", "songId"]],
      [
        SAVE,
        "saveCollection",
        { collectionId: hidden.collectionId },
        "COLLECTION_NOT_FOUND",
        ["input", "collectionId"],
      ],
      [UNSAVE, "unsaveCollection", { collectionId: randomUUID() }, "COLLECTION_NOT_FOUND", ["input", "collectionId"]],
      [FOLLOW, "followArtist", { artistId: hidden.artistId }, "ARTIST_NOT_FOUND", ["input", "artistId"]],
      [UNFOLLOW, "unfollowArtist", { artistId: randomUUID() }, "ARTIST_NOT_FOUND", ["input", "artistId"]],
      [SAVE_PLAYLIST, "savePlaylist", { playlistId: randomUUID() }, "PLAYLIST_NOT_FOUND", ["input", "playlistId"]],
      [UNSAVE_PLAYLIST, "unsavePlaylist", { playlistId: randomUUID() }, "PLAYLIST_NOT_FOUND", ["input", "playlistId"]],
    ];
    for (const [doc, name, input, code, field] of cases) {
      const data = await ok(lib, fan, doc, { input });
      expect(data[name].userErrors, `${name} ${JSON.stringify(input)}`).toMatchObject([{ code, field }]);
      const res = await lib.query(doc, { input }, { viewer: null });
      expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    expect(await lib.services.db.likedSong.count({ where: { userId: fan!.id } })).toBe(0);
  });

  it("keeps a song hidden since it was liked as an unavailable like, and the lists private to their owner", async () => {
    const own = await catalogRelease(lib, 2);
    const liker = viewerWith("USER");
    for (const songId of own.songIds) await ok(lib, liker, LIKE, { input: { songId } });
    await ok(lib, liker, SAVE, { input: { collectionId: own.collectionId } });
    await ok(lib, liker, FOLLOW, { input: { artistId: own.artistId } });
    await setSong(lib, own.songs[0]!, false);
    const lists = (await ok(lib, liker, LISTS, { id: liker!.id }))._entities[0];
    expect(lists.likedSongs.totalCount).toBe(2);
    // Newest first: the first song was liked first, so it is last.
    expect(lists.likedSongs.edges.map((e: any) => [e.node, e.isAvailable])).toEqual([
      [{ id: own.songIds[1] }, true],
      [null, false],
    ]);
    expect(lists.savedCollections).toEqual({
      edges: [{ node: { id: own.collectionId }, isAvailable: true }],
      totalCount: 1,
    });
    expect(lists.followedArtists).toEqual({ edges: [{ node: { id: own.artistId } }], totalCount: 1 });
    // Unliking a hidden song works, and answers no song.
    expect((await ok(lib, liker, UNLIKE, { input: { songId: own.songIds[0] } })).unlikeSong).toEqual({
      song: null,
      userErrors: [],
    });

    // Someone else, or nobody, sees the follows (public) but not the likes or saves.
    for (const viewer of [other, null]) {
      const res = await lib.query(LISTS, { id: liker!.id }, { viewer });
      const user = (res.data as any)._entities[0];
      expect(user.likedSongs).toBeNull();
      expect(user.savedCollections).toBeNull();
      expect(user.followedArtists.totalCount).toBe(1);
      expect(res.errors?.map((e) => [e.path?.at(-1), e.extensions?.code])).toEqual([
        ["likedSongs", "FORBIDDEN"],
        ["savedCollections", "FORBIDDEN"],
      ]);
    }
  });

  it("pages liked songs newest first without skipping or repeating", async () => {
    const many = await catalogRelease(lib, 5);
    const liker = viewerWith("USER");
    for (const songId of many.songIds) {
      await ok(lib, liker, LIKE, { input: { songId } });
      await new Promise((r) => setTimeout(r, 3));
    }
    const PAGE = `query ($id: ID!, $after: String) { _entities(representations: [{ __typename: "User", id: $id }]) {
      ... on User { likedSongs(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const data: any = await ok(lib, liker, PAGE, { id: liker!.id, after });
      const liked = data._entities[0].likedSongs;
      seen.push(...liked.edges.map((e: any) => e.node.id));
      if (!liked.pageInfo.hasNextPage) break;
      after = liked.pageInfo.endCursor;
    }
    expect(seen).toEqual([...many.songIds].reverse());
  });

  it("saves others' playlists it may see, not its own, and counts the saves", async () => {
    const maker = viewerWith("USER");
    const open = await playlistOf(lib, maker, { isPublic: true });
    const closed = await playlistOf(lib, maker);
    for (let i = 0; i < 2; i++) {
      expect((await ok(lib, fan, SAVE_PLAYLIST, { input: { playlistId: open } })).savePlaylist).toEqual({
        playlist: { id: open },
        userErrors: [],
      });
    }
    await ok(lib, other, SAVE_PLAYLIST, { input: { playlistId: open } });
    expect((await ok(lib, fan, SAVE_PLAYLIST, { input: { playlistId: closed } })).savePlaylist.userErrors[0].code).toBe(
      "PLAYLIST_NOT_FOUND",
    );
    expect((await ok(lib, maker, SAVE_PLAYLIST, { input: { playlistId: open } })).savePlaylist.userErrors[0].code).toBe(
      "CANNOT_SAVE_OWN_PLAYLIST",
    );
    const seen = await ok(lib, fan, `query ($id: ID!) { playlist(id: $id) { isSaved saveCount } }`, { id: open });
    expect(seen.playlist).toEqual({ isSaved: true, saveCount: 2 });
    const events = await lib.services.db.outboxEvent.findMany({ where: { type: "playlist.saved" } });
    expect(
      events
        .filter((e) => (e.payload as any).playlistId === open)
        .map((e) => (e.payload as any).userId)
        .sort(),
    ).toEqual([fan!.id, other!.id].sort());
    // Made private since: it can still be unsaved, and then it is gone.
    await ok(
      lib,
      maker,
      `mutation ($input: UpdatePlaylistInput!) { updatePlaylist(input: $input) { userErrors { code } } }`,
      {
        input: { playlistId: open, isPublic: false },
      },
    );
    expect((await ok(lib, fan, UNSAVE_PLAYLIST, { input: { playlistId: open } })).unsavePlaylist).toEqual({
      playlist: null,
      userErrors: [],
    });
    expect(
      (await ok(lib, fan, UNSAVE_PLAYLIST, { input: { playlistId: open } })).unsavePlaylist.userErrors[0].code,
    ).toBe("PLAYLIST_NOT_FOUND");
  });

  it("tell others of a follow and of an unfollow, once each, and nothing for one that changes nothing", async () => {
    const own = await catalogRelease(lib, 1);
    const follower = viewerWith("USER");
    const followEvents = async () => {
      const rows = await lib.services.db.outboxEvent.findMany({
        where: { type: { in: ["artist.followed", "artist.unfollowed"] } },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      });
      return rows
        .map((r) => [r.type, r.payload as Record<string, string>] as const)
        .filter(([, p]) => p.userId === follower.id);
    };
    const follow = async () =>
      expect((await ok(lib, follower, FOLLOW, { input: { artistId: own.artistId } })).followArtist.userErrors).toEqual(
        [],
      );
    const unfollow = async () =>
      expect(
        (await ok(lib, follower, UNFOLLOW, { input: { artistId: own.artistId } })).unfollowArtist.userErrors,
      ).toEqual([]);

    await follow();
    const [row] = await lib.services.db.followedArtist.findMany({ where: { userId: follower.id } });
    await unfollow();
    // Unfollowing again changes nothing and says nothing.
    await unfollow();
    const recorded = await followEvents();
    expect(recorded).toEqual([
      ["artist.followed", { artistId: own.artistId, userId: follower.id, followedAt: row!.followedAt.toISOString() }],
      ["artist.unfollowed", { artistId: own.artistId, userId: follower.id, at: expect.any(String) }],
    ]);
    const at = recorded[1]![1].at!;
    expect(new Date(at).toISOString()).toBe(at);
    // Newest by time wins: the unfollow is later than the follow, a follow made again later still.
    expect(Date.parse(at)).toBeGreaterThan(row!.followedAt.getTime());
    await follow();
    const again = await followEvents();
    expect(again.map(([type]) => type)).toEqual(["artist.followed", "artist.unfollowed", "artist.followed"]);
    expect(Date.parse(again[2]![1].followedAt!)).toBeGreaterThan(Date.parse(at));
  });

  it("give every followed artist as current state for a back-fill, in pages, with ids stable between runs", async () => {
    const read = async () => {
      const all = [];
      for await (const page of events.currentState!["artist.followed"]!(lib.services.db)) all.push(...page);
      return all;
    };
    // More than a page of 500 follows, of listeners and artists of their own.
    const users: string[] = Array.from({ length: 26 }, () => randomUUID());
    const artists = Array.from({ length: 20 }, () => randomUUID());
    await lib.services.db.followedArtist.createMany({
      data: users.flatMap((userId, i) =>
        artists.map((artistId, j) => ({ userId, artistId, followedAt: new Date(Date.now() - (i * 20 + j) * 1000) })),
      ),
    });
    const [first, second] = [await read(), await read()];
    const mine = first.filter((e) => users.includes(e.payload.userId));
    expect(mine).toHaveLength(520);
    expect(new Set(mine.map((e) => `${e.payload.userId}:${e.payload.artistId}`)).size).toBe(520);
    const [row] = await lib.services.db.followedArtist.findMany({ where: { userId: users[3], artistId: artists[7] } });
    expect(mine.find((e) => e.payload.userId === users[3] && e.payload.artistId === artists[7])).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      type: "artist.followed",
      payload: { artistId: artists[7], userId: users[3], followedAt: row!.followedAt.toISOString() },
      occurredAt: row!.followedAt.toISOString(),
    });
    expect(second.map((e) => e.id)).toEqual(first.map((e) => e.id));
    expect(new Set(first.map((e) => e.id)).size).toBe(first.length);
  });
});
