// Who sees what (DESIGN.md §4), through the router as the app asks: a listener sees only what
// is public and visible, all the way up; managers and admins see everything; a hidden item
// answers exactly like one that never existed, and never leaks through lists, search or counts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.ts";
import { gql, register, type TestAccount } from "../support/graphql.ts";
import { accountWithRole, createArtist, createCollection, createSong, publish, publishedAlbum } from "../support/catalog.ts";

let stack: Stack;
let url: string;
let owner: TestAccount;
let admin: TestAccount;
let listener: TestAccount;
beforeAll(async () => {
  stack = await startStack({ router: true });
  url = stack.router!.url;
  [owner, admin, listener] = await Promise.all([accountWithRole(stack, url, "ARTIST"), accountWithRole(stack, url, "ADMIN"), register(url)]);
});
afterAll(() => stack.stop());

const SONG = `query($id: ID!) { song(id: $id) { id title isPublic isVisible } }`;
const COLLECTION = `query($id: ID!) { collection(id: $id) { id trackCount totalDurationMs tracks { trackNumber song { id } } } }`;
const ARTIST = `query($id: ID!) { artist(id: $id) { id discography { albums { totalCount edges { node { id trackCount } } } } } }`;

async function setVisible(kind: "Artist" | "Collection" | "Song", id: string, isVisible: boolean) {
  const field = `set${kind}Visible`;
  const key = `${kind.toLowerCase()}Id`;
  const res = await gql(url, `mutation($id: ID!, $v: Boolean!) { ${field}(input: { ${key}: $id, isVisible: $v }) { userErrors { code } } }`, { id, v: isVisible }, { token: admin.accessToken });
  expect(res.data[field].userErrors).toEqual([]);
}

describe("a draft", () => {
  it("is invisible to listeners and anonymous callers, exactly like an id that never existed", async () => {
    const artist = await createArtist(url, owner.accessToken);
    const collectionId = await createCollection(url, owner.accessToken, artist.id);
    const songId = await createSong(url, owner.accessToken, collectionId, 1);
    const never = "00000000-0000-4000-8000-000000000000";
    for (const token of [listener.accessToken, undefined]) {
      const hidden = await gql(url, SONG, { id: songId }, { token });
      const missing = await gql(url, SONG, { id: never }, { token });
      expect(hidden).toMatchObject({ data: { song: null } });
      expect(hidden.errors).toEqual(missing.errors);
      expect((await gql(url, COLLECTION, { id: collectionId }, { token })).data.collection).toBeNull();
      expect((await gql(url, ARTIST, { id: artist.id }, { token })).data.artist).toBeNull();
    }
  });

  it("is visible to its artist's managers and to admins", async () => {
    const artist = await createArtist(url, owner.accessToken);
    const collectionId = await createCollection(url, owner.accessToken, artist.id);
    const songId = await createSong(url, owner.accessToken, collectionId, 1);
    for (const token of [owner.accessToken, admin.accessToken]) {
      expect((await gql(url, SONG, { id: songId }, { token })).data.song).toEqual({ id: songId, title: "Track 1", isPublic: false, isVisible: true });
      expect((await gql(url, COLLECTION, { id: collectionId }, { token })).data.collection.trackCount).toBe(1);
    }
    const otherArtist = await accountWithRole(stack, url, "ARTIST");
    expect((await gql(url, SONG, { id: songId }, { token: otherArtist.accessToken })).data.song).toBeNull();
  });
});

describe("published content", () => {
  it("is visible to everyone once the song, its release and its artist are all public", async () => {
    const { artist, collectionId, songIds } = await publishedAlbum(url, owner.accessToken, 2);
    const res = await gql(url, COLLECTION, { id: collectionId });
    expect(res.data.collection).toEqual({ id: collectionId, trackCount: 2, totalDurationMs: 360_000, tracks: songIds.map((id, i) => ({ trackNumber: i + 1, song: { id } })) });
    expect((await gql(url, ARTIST, { id: artist.id })).data.artist.discography.albums.totalCount).toBe(1);
  });

  it("an unpublished song leaves the release's tracks, counts and duration", async () => {
    const { collectionId, songIds } = await publishedAlbum(url, owner.accessToken, 3);
    await publish(url, owner.accessToken, { songId: songIds[1] }, false);
    const res = await gql(url, COLLECTION, { id: collectionId }, { token: listener.accessToken });
    expect(res.data.collection.trackCount).toBe(2);
    expect(res.data.collection.totalDurationMs).toBe(360_000);
    expect(res.data.collection.tracks.map((t: any) => t.song.id)).toEqual([songIds[0], songIds[2]]);
  });

  it("an admin hiding the artist hides everything of theirs, whatever the artist's switches", async () => {
    const unique = `Zyxquor${Date.now()}`;
    const { artist, collectionId, songIds } = await publishedAlbum(url, owner.accessToken, 1, { name: `${unique} Band` }, { title: `${unique} Record` });
    await setVisible("Artist", artist.id, false);
    expect((await gql(url, SONG, { id: songIds[0] })).data.song).toBeNull();
    expect((await gql(url, COLLECTION, { id: collectionId })).data.collection).toBeNull();
    expect((await gql(url, ARTIST, { id: artist.id })).data.artist).toBeNull();
    const releases = await gql(url, `{ newReleases(first: 100) { edges { node { id } } } }`);
    expect(releases.data.newReleases.edges.map((e: any) => e.node.id)).not.toContain(collectionId);
    const search = await gql(url, `query($q: String!) { search(query: $q) { edges { node { __typename } } } }`, { q: unique });
    expect(search.data.search.edges).toEqual([]);
    // The owner still sees it all, flagged.
    expect((await gql(url, `query($id: ID!) { artist(id: $id) { isPublic isVisible } }`, { id: artist.id }, { token: owner.accessToken })).data.artist).toEqual({ isPublic: true, isVisible: false });

    await setVisible("Artist", artist.id, true);
    expect((await gql(url, SONG, { id: songIds[0] })).data.song.id).toBe(songIds[0]);
  });

  it("an admin hiding one song removes it from the release for listeners only", async () => {
    const { collectionId, songIds } = await publishedAlbum(url, owner.accessToken, 2);
    await setVisible("Song", songIds[0]!, false);
    expect((await gql(url, COLLECTION, { id: collectionId }, { token: listener.accessToken })).data.collection.trackCount).toBe(1);
    expect((await gql(url, COLLECTION, { id: collectionId }, { token: owner.accessToken })).data.collection.trackCount).toBe(2);
  });

  it("hidden picks and featured artists are left out for listeners", async () => {
    const { artist, songIds } = await publishedAlbum(url, owner.accessToken, 2);
    const guest = await createArtist(url, owner.accessToken, { name: "Unpublished Guest" });
    const setPicks = await gql(
      url,
      `mutation($input: SetArtistPicksInput!) { setArtistPicks(input: $input) { userErrors { code field } } }`,
      { input: { artistId: artist.id, picks: [{ songId: songIds[0], note: "Our favourite" }, { songId: songIds[1] }] } },
      { token: owner.accessToken },
    );
    expect(setPicks.data.setArtistPicks.userErrors).toEqual([]);
    await gql(url, `mutation($id: ID!, $f: [ID!]) { updateSong(input: { songId: $id, featuredArtistIds: $f }) { userErrors { code } } }`, { id: songIds[0], f: [guest.id] }, { token: owner.accessToken });
    await publish(url, owner.accessToken, { songId: songIds[1] }, false);

    const q = `query($id: ID!, $song: ID!) { artist(id: $id) { picks { note item { __typename ... on Song { id } } } } song(id: $song) { featuredArtists { id } } }`;
    const seen = await gql(url, q, { id: artist.id, song: songIds[0] }, { token: listener.accessToken });
    expect(seen.data.artist.picks).toEqual([{ note: "Our favourite", item: { __typename: "Song", id: songIds[0] } }]);
    expect(seen.data.song.featuredArtists).toEqual([]);
    const owned = await gql(url, q, { id: artist.id, song: songIds[0] }, { token: owner.accessToken });
    expect(owned.data.artist.picks).toHaveLength(2);
    expect(owned.data.song.featuredArtists).toEqual([{ id: guest.id }]);
  });
});

describe("User.artistProfiles (federated from users)", () => {
  it("lists the artists an account manages, hiding unpublished ones from others", async () => {
    const manager = await accountWithRole(stack, url, "ARTIST");
    const published = (await publishedAlbum(url, manager.accessToken, 1)).artist;
    const draft = await createArtist(url, manager.accessToken);
    const q = `query($id: ID!) { user(id: $id) { profile { handle } artistProfiles { id } } }`;
    const own = await gql(url, q, { id: manager.id }, { token: manager.accessToken });
    expect(own.data.user.artistProfiles.map((a: any) => a.id).sort()).toEqual([published.id, draft.id].sort());
    const other = await gql(url, q, { id: manager.id }, { token: listener.accessToken });
    expect(other.data.user).toEqual({ profile: { handle: manager.handle }, artistProfiles: [{ id: published.id }] });
  });
});
