// Who sees what: a listener sees only what is public and visible, all the way
// up; managers and admins see everything; a hidden item answers exactly like one that never
// existed, and never leaks through lists, search or counts. The catalog's own rules run in
// process with the caller given (visibilityRule.test.ts checks the rule in every combination);
// what needs tokens and both subgraphs goes through the router.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.ts";
import { codes, gql, register, type TestAccount } from "../support/graphql.ts";
import { accountWithRole, contentBy, createArtist, publishedAlbum } from "../support/catalog.ts";
import { inProcessCatalog, type InProcessCatalog, viewerWith, type TestViewer } from "../support/inProcess.ts";

let catalog: InProcessCatalog;
const [owner, admin, listener] = [viewerWith("ARTIST"), viewerWith("ADMIN"), viewerWith("USER")];
beforeAll(async () => {
  catalog = await inProcessCatalog();
});
afterAll(() => catalog?.stop());

/** Content made, or switches set, by this caller. */
const by = (viewer: TestViewer) => contentBy(catalog.as(viewer));

const SONG = `query($id: ID!) { song(id: $id) { id title isPublic isVisible } }`;
const COLLECTION = `query($id: ID!) { collection(id: $id) { id trackCount totalDurationMs tracks { trackNumber song { id } } } }`;
const ARTIST = `query($id: ID!) { artist(id: $id) { id discography { albums { totalCount edges { node { id trackCount } } } } } }`;

describe("a draft", () => {
  it("is invisible to listeners and anonymous callers, exactly like an id that never existed", async () => {
    const artist = await by(owner).createArtist();
    const collectionId = await by(owner).createCollection(artist.id);
    const songId = await by(owner).createSong(collectionId, 1);
    const never = "00000000-0000-4000-8000-000000000000";
    for (const viewer of [listener, null]) {
      const hidden = await catalog.query(SONG, { id: songId }, { viewer });
      const missing = await catalog.query(SONG, { id: never }, { viewer });
      expect(hidden).toMatchObject({ data: { song: null } });
      expect(hidden.errors).toEqual(missing.errors);
      expect((await catalog.query(COLLECTION, { id: collectionId }, { viewer })).data.collection).toBeNull();
      expect((await catalog.query(ARTIST, { id: artist.id }, { viewer })).data.artist).toBeNull();
    }
  });

  it("is visible to its artist's managers and to admins", async () => {
    const artist = await by(owner).createArtist();
    const collectionId = await by(owner).createCollection(artist.id);
    const songId = await by(owner).createSong(collectionId, 1);
    for (const viewer of [owner, admin]) {
      expect((await catalog.query(SONG, { id: songId }, { viewer })).data.song).toEqual({
        id: songId,
        title: "Track 1",
        isPublic: false,
        isVisible: true,
      });
      expect((await catalog.query(COLLECTION, { id: collectionId }, { viewer })).data.collection.trackCount).toBe(1);
    }
    const otherArtist = viewerWith("ARTIST");
    expect((await catalog.query(SONG, { id: songId }, { viewer: otherArtist })).data.song).toBeNull();
  });
});

describe("published content", () => {
  it("is visible to everyone once the song, its release and its artist are all public", async () => {
    const { artist, collectionId, songIds } = await by(owner).publishedAlbum(2);
    const res = await catalog.query(COLLECTION, { id: collectionId });
    expect(res.data.collection).toEqual({
      id: collectionId,
      trackCount: 2,
      totalDurationMs: 360_000,
      tracks: songIds.map((id, i) => ({ trackNumber: i + 1, song: { id } })),
    });
    expect((await catalog.query(ARTIST, { id: artist.id })).data.artist.discography.albums.totalCount).toBe(1);
  });

  it("an unpublished song leaves the release's tracks, counts and duration", async () => {
    const { collectionId, songIds } = await by(owner).publishedAlbum(3);
    await by(owner).publish({ songId: songIds[1] }, false);
    const res = await catalog.query(COLLECTION, { id: collectionId }, { viewer: listener });
    expect(res.data.collection.trackCount).toBe(2);
    expect(res.data.collection.totalDurationMs).toBe(360_000);
    expect(res.data.collection.tracks.map((t: any) => t.song.id)).toEqual([songIds[0], songIds[2]]);
  });

  it("an admin hiding the artist hides everything of theirs, whatever the artist's switches", async () => {
    const unique = `Zyxquor${Date.now()}`;
    const { artist, collectionId, songIds } = await by(owner).publishedAlbum(
      1,
      { name: `${unique} Band` },
      { title: `${unique} Record` },
    );
    await by(admin).setVisible({ artistId: artist.id }, false);
    expect((await catalog.query(SONG, { id: songIds[0] })).data.song).toBeNull();
    expect((await catalog.query(COLLECTION, { id: collectionId })).data.collection).toBeNull();
    expect((await catalog.query(ARTIST, { id: artist.id })).data.artist).toBeNull();
    const releases = await catalog.query(`{ newReleases(first: 100) { edges { node { id } } } }`);
    expect(releases.data.newReleases.edges.map((e: any) => e.node.id)).not.toContain(collectionId);
    const search = await catalog.query(`query($q: String!) { search(query: $q) { edges { node { __typename } } } }`, {
      q: unique,
    });
    expect(search.data.search.edges).toEqual([]);
    // The owner still sees it all, flagged.
    expect(
      (
        await catalog.query(
          `query($id: ID!) { artist(id: $id) { isPublic isVisible } }`,
          { id: artist.id },
          { viewer: owner },
        )
      ).data.artist,
    ).toEqual({ isPublic: true, isVisible: false });

    await by(admin).setVisible({ artistId: artist.id }, true);
    expect((await catalog.query(SONG, { id: songIds[0] })).data.song.id).toBe(songIds[0]);
  });

  it("an admin hiding one song removes it from the release for listeners only", async () => {
    const { collectionId, songIds } = await by(owner).publishedAlbum(2);
    await by(admin).setVisible({ songId: songIds[0]! }, false);
    expect(
      (await catalog.query(COLLECTION, { id: collectionId }, { viewer: listener })).data.collection.trackCount,
    ).toBe(1);
    expect((await catalog.query(COLLECTION, { id: collectionId }, { viewer: owner })).data.collection.trackCount).toBe(
      2,
    );
  });

  it("hidden picks and featured artists are left out for listeners", async () => {
    const { artist, songIds } = await by(owner).publishedAlbum(2);
    const guest = await by(owner).createArtist({ name: "Unpublished Guest" });
    const setPicks = await catalog.query(
      `mutation($input: SetArtistPicksInput!) { setArtistPicks(input: $input) { userErrors { code field } } }`,
      {
        input: { artistId: artist.id, picks: [{ songId: songIds[0], note: "Our favourite" }, { songId: songIds[1] }] },
      },
      { viewer: owner },
    );
    expect(setPicks.data.setArtistPicks.userErrors).toEqual([]);
    await catalog.query(
      `mutation($id: ID!, $f: [ID!]) { updateSong(input: { songId: $id, featuredArtistIds: $f }) { userErrors { code } } }`,
      { id: songIds[0], f: [guest.id] },
      { viewer: owner },
    );
    await by(owner).publish({ songId: songIds[1] }, false);

    const q = `query($id: ID!, $song: ID!) { artist(id: $id) { picks { note item { __typename ... on Song { id } } } } song(id: $song) { featuredArtists { id } } }`;
    const seen = await catalog.query(q, { id: artist.id, song: songIds[0] }, { viewer: listener });
    expect(seen.data.artist.picks).toEqual([{ note: "Our favourite", item: { __typename: "Song", id: songIds[0] } }]);
    expect(seen.data.song.featuredArtists).toEqual([]);
    const owned = await catalog.query(q, { id: artist.id, song: songIds[0] }, { viewer: owner });
    expect(owned.data.artist.picks).toHaveLength(2);
    expect(owned.data.song.featuredArtists).toEqual([{ id: guest.id }]);
  });
});

describe("through the router", () => {
  let stack: Stack;
  let url: string;
  let reader: TestAccount;
  beforeAll(async () => {
    stack = await startStack({ router: true });
    url = stack.router!.url;
    reader = await register(url);
  });
  afterAll(() => stack?.stop());

  describe("User.artistProfiles (federated from users)", () => {
    it("lists the artists an account manages, hiding unpublished ones from others", async () => {
      const manager = await accountWithRole(stack, url, "ARTIST");
      const published = (await publishedAlbum(url, manager.accessToken, 1)).artist;
      const draft = await createArtist(url, manager.accessToken);
      const q = `query($id: ID!) { user(id: $id) { profile { handle } artistProfiles { id } } }`;
      const own = await gql(url, q, { id: manager.id }, { token: manager.accessToken });
      expect(own.data.user.artistProfiles.map((a: any) => a.id).sort()).toEqual([published.id, draft.id].sort());
      const other = await gql(url, q, { id: manager.id }, { token: reader.accessToken });
      expect(other.data.user).toEqual({ profile: { handle: manager.handle }, artistProfiles: [{ id: published.id }] });
    });
  });

  // The in-process tests take the caller as given; this is the same rule with the role read from
  // the token the catalog verifies.
  it("the role in the token reaches the catalog: a USER gets FORBIDDEN, anonymous UNAUTHENTICATED", async () => {
    const m = `mutation($input: CreateArtistInput!) { createArtist(input: $input) { artist { id } userErrors { code } } }`;
    expect(codes(await gql(url, m, { input: { name: "Nope" } }, { token: reader.accessToken }))).toEqual(["FORBIDDEN"]);
    expect(codes(await gql(url, m, { input: { name: "Nope" } }))).toEqual(["UNAUTHENTICATED"]);
  });
});
