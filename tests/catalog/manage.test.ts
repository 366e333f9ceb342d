// Managing the catalog: who may edit what, and every mutation with bad input (typed userErrors,
// nothing written). In process, on the catalog's schema: callers are given as viewers (tokens
// and the router are the HTTP tests' part).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessCatalog, type InProcessCatalog, viewerWith, type TestViewer } from "../support/inProcess.ts";
import { codes } from "../support/graphql.ts";
import { contentBy, slug } from "../support/catalog.ts";

let catalog: InProcessCatalog;
const [owner, otherArtist, admin, listener] = [
  viewerWith("ARTIST"),
  viewerWith("ARTIST"),
  viewerWith("ADMIN"),
  viewerWith("USER"),
];
beforeAll(async () => {
  catalog = await inProcessCatalog();
});
afterAll(() => catalog?.stop());

/** Content made by this caller. */
const by = (viewer: TestViewer) => contentBy(catalog.as(viewer));
const db = () => catalog.services.db;
const CREATE_ARTIST = `mutation($input: CreateArtistInput!) { createArtist(input: $input) { artist { id slug genres { slug } managers { id } } userErrors { field code } } }`;
const UPDATE_ARTIST = `mutation($input: UpdateArtistInput!) { updateArtist(input: $input) { artist { id name slug } userErrors { field code } } }`;
const CREATE_SONG = `mutation($input: CreateSongInput!) { createSong(input: $input) { song { id } userErrors { field code } } }`;
const REORDER = `mutation($input: ReorderTracksInput!) { reorderTracks(input: $input) { collection { tracks { discNumber trackNumber song { id } } } userErrors { field code } } }`;

describe("creating artists", () => {
  it("an ARTIST creates an artist they manage, with genres, unpublished", async () => {
    const res = await catalog.query(
      CREATE_ARTIST,
      { input: { name: "Los Ejemplos", genreSlugs: ["rock", "latin"] } },
      { viewer: owner },
    );
    expect(res.data.createArtist.userErrors).toEqual([]);
    expect(res.data.createArtist.artist).toMatchObject({
      slug: "los-ejemplos",
      genres: [{ slug: "latin" }, { slug: "rock" }],
      managers: [{ id: owner.id }],
    });
    const row = await db().artist.findUniqueOrThrow({ where: { id: res.data.createArtist.artist.id } });
    expect(row).toMatchObject({ isPublic: false, isVisible: true, searchText: "los ejemplos" });
  });

  it("makes an ASCII slug from any name, in the form explicit slugs must have", async () => {
    const tag = slug();
    for (const [name, expected] of [
      [`Søren Lopez ${tag}`, `soren-lopez-${tag}`],
      [`Æsir & Straße ${tag}`, `aesir-strasse-${tag}`],
      [`Łódź Đorđe Þór ${tag}`, `lodz-dorde-thor-${tag}`],
      [`Beyoncé — 東京 ${tag}`, `beyonce-${tag}`],
    ]) {
      const res = await catalog.query(CREATE_ARTIST, { input: { name } }, { viewer: owner });
      expect(res.data.createArtist.userErrors, name).toEqual([]);
      expect(res.data.createArtist.artist.slug).toBe(expected);
      expect(expected).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    }
    // Nothing left to make a slug from: the caller is asked for one.
    const none = await catalog.query(CREATE_ARTIST, { input: { name: "東京" } }, { viewer: owner });
    expect(none.data.createArtist.userErrors).toEqual([{ field: ["input", "slug"], code: "INVALID_SLUG" }]);
  });

  it("an ADMIN names the managers; an ARTIST may not", async () => {
    const res = await catalog.query(
      CREATE_ARTIST,
      { input: { name: "Managed", slug: slug(), managerUserIds: [otherArtist.id] } },
      { viewer: admin },
    );
    expect(res.data.createArtist.artist.managers).toEqual([{ id: otherArtist.id }]);
    expect(
      codes(
        await catalog.query(
          CREATE_ARTIST,
          { input: { name: "X", slug: slug(), managerUserIds: [otherArtist.id] } },
          { viewer: owner },
        ),
      ),
    ).toEqual(["FORBIDDEN"]);
  });

  it("a USER gets FORBIDDEN and anonymous gets UNAUTHENTICATED", async () => {
    expect(codes(await catalog.query(CREATE_ARTIST, { input: { name: "Nope" } }, { viewer: listener }))).toEqual([
      "FORBIDDEN",
    ]);
    expect(codes(await catalog.query(CREATE_ARTIST, { input: { name: "Nope" } }))).toEqual(["UNAUTHENTICATED"]);
  });

  it.each([
    ["a duplicate slug", "TAKEN" as const, "SLUG_TAKEN", ["input", "slug"]],
    ["an empty name", { name: "   " }, "TOO_SHORT", ["input", "name"]],
    ["an over-long name", { name: "n".repeat(121) }, "TOO_LONG", ["input", "name"]],
    ["a bad slug", { slug: "Not A Slug!" }, "INVALID_SLUG", ["input", "slug"]],
    ["a non-http image", { imageUrl: "ftp://x/y.png" }, "INVALID_URL", ["input", "imageUrl"]],
    ["an unknown genre", { genreSlugs: ["no-such-genre"] }, "GENRE_NOT_FOUND", ["input", "genreSlugs"]],
  ])("rejects %s and writes nothing", async (_what, input, code, field) => {
    const taken = await by(owner).createArtist();
    const name = `Unwritten ${slug()}`;
    const res = await catalog.query(
      CREATE_ARTIST,
      {
        input:
          input === "TAKEN"
            ? { name, slug: taken.slug }
            : { name, slug: slug(), ...(input as Record<string, unknown>) },
      },
      { viewer: owner },
    );
    expect(res.data.createArtist.artist).toBeNull();
    expect(res.data.createArtist.userErrors).toContainEqual({ code, field });
    expect(
      await db().artist.count({
        where: { name: input === "TAKEN" ? name : ((input as { name?: string }).name ?? name) },
      }),
    ).toBe(0);
  });
});

describe("editing", () => {
  it("managers and admins edit; another ARTIST and a USER get FORBIDDEN", async () => {
    const artist = await by(owner).createArtist();
    await by(owner).publish({ artistId: artist.id });
    expect(
      (await catalog.query(UPDATE_ARTIST, { input: { artistId: artist.id, name: "Renamed" } }, { viewer: owner })).data
        .updateArtist.artist.name,
    ).toBe("Renamed");
    expect(
      (await catalog.query(UPDATE_ARTIST, { input: { artistId: artist.id, name: "By Admin" } }, { viewer: admin })).data
        .updateArtist.artist.name,
    ).toBe("By Admin");
    for (const viewer of [otherArtist, listener])
      expect(
        codes(await catalog.query(UPDATE_ARTIST, { input: { artistId: artist.id, name: "Hijack" } }, { viewer })),
      ).toEqual(["FORBIDDEN"]);
    expect((await db().artist.findUniqueOrThrow({ where: { id: artist.id } })).name).toBe("By Admin");
  });

  it.each([
    [
      "setArtistVisible",
      `mutation($id: ID!) { setArtistVisible(input: { artistId: $id, isVisible: false }) { userErrors { code } } }`,
    ],
    [
      "setArtistVerified",
      `mutation($id: ID!) { setArtistVerified(input: { artistId: $id, isVerified: true }) { userErrors { code } } }`,
    ],
  ])("%s is for admins only: the artist's own manager gets FORBIDDEN", async (_name, mutation) => {
    const artist = await by(owner).createArtist();
    expect(codes(await catalog.query(mutation, { id: artist.id }, { viewer: owner }))).toEqual(["FORBIDDEN"]);
    expect(codes(await catalog.query(mutation, { id: artist.id }, { viewer: listener }))).toEqual(["FORBIDDEN"]);
    expect((await catalog.query(mutation, { id: artist.id }, { viewer: admin })).errors).toBeUndefined();
  });

  it("Artist.managers is FORBIDDEN to anyone but managers and admins", async () => {
    const artist = await by(owner).createArtist();
    await catalog.query(
      `mutation($id: ID!) { setArtistPublic(input: { artistId: $id, isPublic: true }) { userErrors { code } } }`,
      { id: artist.id },
      { viewer: owner },
    );
    const q = `query($id: ID!) { artist(id: $id) { name managers { id } } }`;
    expect(codes(await catalog.query(q, { id: artist.id }, { viewer: listener }))).toEqual(["FORBIDDEN"]);
    expect(codes(await catalog.query(q, { id: artist.id }))).toEqual(["UNAUTHENTICATED"]);
    expect((await catalog.query(q, { id: artist.id }, { viewer: admin })).data.artist.managers).toEqual([
      { id: owner.id },
    ]);
  });

  it("the about page: biography and an ordered gallery; over-long text is a typed error", async () => {
    const artist = await by(owner).createArtist();
    const m = `mutation($input: UpdateArtistAboutInput!) { updateArtistAbout(input: $input) { artist { about { biography images { url caption } } } userErrors { field code } } }`;
    const images = [
      { url: "https://cdn.example.com/1.jpg", caption: "Live" },
      { url: "https://cdn.example.com/2.jpg" },
    ];
    const res = await catalog.query(
      m,
      { input: { artistId: artist.id, biography: "From Sevilla.", images } },
      { viewer: owner },
    );
    expect(res.data.updateArtistAbout.artist.about).toEqual({
      biography: "From Sevilla.",
      images: [images[0], { ...images[1], caption: "" }],
    });
    const bad = await catalog.query(
      m,
      { input: { artistId: artist.id, biography: "b".repeat(5001) } },
      { viewer: owner },
    );
    expect(bad.data.updateArtistAbout.userErrors).toEqual([{ code: "TOO_LONG", field: ["input", "biography"] }]);
    expect((await db().artist.findUniqueOrThrow({ where: { id: artist.id } })).biography).toBe("From Sevilla.");
  });
});

describe("releases and tracks", () => {
  it("an empty title and an unknown artist are typed errors", async () => {
    const artist = await by(owner).createArtist();
    const m = `mutation($input: CreateCollectionInput!) { createCollection(input: $input) { collection { id } userErrors { field code } } }`;
    const empty = await catalog.query(
      m,
      { input: { artistId: artist.id, type: "EP", title: "  ", releaseDate: "2024-01-01" } },
      { viewer: owner },
    );
    expect(empty.data.createCollection.userErrors).toEqual([{ code: "TOO_SHORT", field: ["input", "title"] }]);
    const unknown = await catalog.query(
      m,
      {
        input: { artistId: "00000000-0000-4000-8000-000000000000", type: "EP", title: "X", releaseDate: "2024-01-01" },
      },
      { viewer: owner },
    );
    expect(unknown.data.createCollection.userErrors).toEqual([
      { code: "ARTIST_NOT_FOUND", field: ["input", "artistId"] },
    ]);
    expect(
      codes(
        await catalog.query(
          m,
          { input: { artistId: artist.id, type: "EP", title: "X", releaseDate: "2024-02-30" } },
          { viewer: owner },
        ),
      ),
    ).toEqual(["BAD_USER_INPUT"]);
    expect(await db().collection.count({ where: { primaryArtistId: artist.id } })).toBe(0);
  });

  it("another ARTIST cannot add a song to someone else's release", async () => {
    const artist = await by(owner).createArtist();
    const collectionId = await by(owner).createCollection(artist.id);
    await by(owner).publish({ artistId: artist.id, collectionId });
    expect(
      codes(
        await catalog.query(
          CREATE_SONG,
          { input: { collectionId, title: "Intruder", durationMs: 60_000, trackNumber: 1 } },
          { viewer: otherArtist },
        ),
      ),
    ).toEqual(["FORBIDDEN"]);
    expect(await db().song.count({ where: { collectionId } })).toBe(0);
  });

  it("track numbers that collide, bad durations and empty titles are typed errors", async () => {
    const artist = await by(owner).createArtist();
    const collectionId = await by(owner).createCollection(artist.id);
    await by(owner).createSong(collectionId, 1);
    const cases: [Record<string, unknown>, string, string[]][] = [
      [{ title: "Same slot", trackNumber: 1 }, "TRACK_POSITION_TAKEN", ["input", "trackNumber"]],
      [{ title: "", trackNumber: 2 }, "TOO_SHORT", ["input", "title"]],
      [{ title: "Too short", trackNumber: 2, durationMs: 10 }, "INVALID", ["input", "durationMs"]],
      [{ title: "Track zero", trackNumber: 0 }, "INVALID", ["input", "trackNumber"]],
    ];
    for (const [input, code, field] of cases) {
      const res = await catalog.query(
        CREATE_SONG,
        { input: { collectionId, durationMs: 60_000, ...input } },
        { viewer: owner },
      );
      expect(res.data.createSong.userErrors, JSON.stringify(input)).toEqual([{ code, field }]);
    }
    expect(await db().song.count({ where: { collectionId } })).toBe(1);
  });

  it("reorders every track at once", async () => {
    const artist = await by(owner).createArtist();
    const collectionId = await by(owner).createCollection(artist.id);
    const [a, b, c] = [
      await by(owner).createSong(collectionId, 1),
      await by(owner).createSong(collectionId, 2),
      await by(owner).createSong(collectionId, 3),
    ];
    const res = await catalog.query(
      REORDER,
      {
        input: {
          collectionId,
          tracks: [
            { songId: c, trackNumber: 1 },
            { songId: a, trackNumber: 2 },
            { songId: b, discNumber: 2, trackNumber: 1 },
          ],
        },
      },
      { viewer: owner },
    );
    expect(res.data.reorderTracks.userErrors).toEqual([]);
    expect(res.data.reorderTracks.collection.tracks).toEqual([
      { discNumber: 1, trackNumber: 1, song: { id: c } },
      { discNumber: 1, trackNumber: 2, song: { id: a } },
      { discNumber: 2, trackNumber: 1, song: { id: b } },
    ]);
  });

  it("a song in two positions, two songs in one position, a missing song or a foreign one: typed errors, order unchanged", async () => {
    const artist = await by(owner).createArtist();
    const collectionId = await by(owner).createCollection(artist.id);
    const [a, b] = [await by(owner).createSong(collectionId, 1), await by(owner).createSong(collectionId, 2)];
    const elsewhere = await by(owner).createSong(await by(owner).createCollection(artist.id), 1);
    const cases: [unknown[], string, string[]][] = [
      [
        [
          { songId: a, trackNumber: 1 },
          { songId: a, trackNumber: 2 },
        ],
        "DUPLICATE_SONG",
        ["input", "tracks", "1", "songId"],
      ],
      [
        [
          { songId: a, trackNumber: 1 },
          { songId: b, trackNumber: 1 },
        ],
        "TRACK_POSITION_TAKEN",
        ["input", "tracks", "1", "trackNumber"],
      ],
      [[{ songId: a, trackNumber: 1 }], "TRACKS_INCOMPLETE", ["input", "tracks"]],
      [
        [
          { songId: a, trackNumber: 1 },
          { songId: elsewhere, trackNumber: 2 },
        ],
        "SONG_NOT_FOUND",
        ["input", "tracks", "1", "songId"],
      ],
    ];
    for (const [tracks, code, field] of cases) {
      const res = await catalog.query(REORDER, { input: { collectionId, tracks } }, { viewer: owner });
      expect(res.data.reorderTracks.userErrors, code).toEqual([{ code, field }]);
    }
    const rows = await db().song.findMany({
      where: { collectionId },
      orderBy: { trackNumber: "asc" },
      select: { id: true, trackNumber: true },
    });
    expect(rows).toEqual([
      { id: a, trackNumber: 1 },
      { id: b, trackNumber: 2 },
    ]);
  });

  it("picks: at most five, only the artist's own songs and releases", async () => {
    const artist = await by(owner).createArtist();
    await by(owner).publish({ artistId: artist.id });
    const songId = await by(owner).createSong(await by(owner).createCollection(artist.id), 1);
    const foreignArtist = await by(otherArtist).createArtist();
    const foreignSong = await by(otherArtist).createSong(await by(otherArtist).createCollection(foreignArtist.id), 1);
    const m = `mutation($input: SetArtistPicksInput!) { setArtistPicks(input: $input) { userErrors { field code } } }`;
    const six = Array.from({ length: 6 }, () => ({ songId }));
    expect(
      (await catalog.query(m, { input: { artistId: artist.id, picks: six } }, { viewer: owner })).data.setArtistPicks
        .userErrors,
    ).toEqual([{ code: "TOO_MANY", field: ["input", "picks"] }]);
    expect(
      (await catalog.query(m, { input: { artistId: artist.id, picks: [{ songId: foreignSong }] } }, { viewer: owner }))
        .data.setArtistPicks.userErrors,
    ).toEqual([{ code: "SONG_NOT_FOUND", field: ["input", "picks", "0", "songId"] }]);
    expect(
      (
        await catalog.query(
          m,
          { input: { artistId: artist.id, picks: [{ note: "nothing picked" }] } },
          { viewer: owner },
        )
      ).data.setArtistPicks.userErrors,
    ).toEqual([{ code: "INVALID", field: ["input", "picks", "0"] }]);
    expect(
      codes(await catalog.query(m, { input: { artistId: artist.id, picks: [] } }, { viewer: otherArtist })),
    ).toEqual(["FORBIDDEN"]);
    expect(await db().artistPick.count({ where: { artistId: artist.id } })).toBe(0);
  });
});

describe("forged cursors", () => {
  const forged = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString("base64url");
  it.each([
    ["newReleases", `query($after: String) { newReleases(after: $after) { totalCount } }`],
    ["genre songs", `query($after: String) { genre(slug: "pop") { songs(after: $after) { totalCount } } }`],
    ["genre artists", `query($after: String) { genre(slug: "pop") { artists(after: $after) { totalCount } } }`],
  ])(
    "%s: a cursor with a non-id or an impossible time is BAD_USER_INPUT, not a database error",
    async (_what, query) => {
      for (const after of [
        forged([0, "not-a-uuid"]),
        forged([1e20, "00000000-0000-4000-8000-000000000000"]),
        forged(["x", "not-a-uuid"]),
        "%%%",
      ]) {
        expect(codes(await catalog.query(query, { after })), after).toEqual(["BAD_USER_INPUT"]);
      }
    },
  );
});

describe("every catalog mutation and the wrong caller", () => {
  const none = "00000000-0000-4000-8000-000000000000";
  type Target = { artistId: string; collectionId: string; songId: string };
  const managerMutations: [string, string, (t: Target) => Record<string, unknown>][] = [
    [
      "updateArtist",
      `mutation($input: UpdateArtistInput!) { updateArtist(input: $input) { userErrors { code } } }`,
      (t) => ({ artistId: t.artistId, name: "X" }),
    ],
    [
      "updateArtistAbout",
      `mutation($input: UpdateArtistAboutInput!) { updateArtistAbout(input: $input) { userErrors { code } } }`,
      (t) => ({ artistId: t.artistId, biography: "X" }),
    ],
    [
      "setArtistPublic",
      `mutation($input: SetArtistPublicInput!) { setArtistPublic(input: $input) { userErrors { code } } }`,
      (t) => ({ artistId: t.artistId, isPublic: false }),
    ],
    [
      "setArtistPicks",
      `mutation($input: SetArtistPicksInput!) { setArtistPicks(input: $input) { userErrors { code } } }`,
      (t) => ({ artistId: t.artistId, picks: [] }),
    ],
    [
      "createCollection",
      `mutation($input: CreateCollectionInput!) { createCollection(input: $input) { userErrors { code } } }`,
      (t) => ({ artistId: t.artistId, type: "EP", title: "X", releaseDate: "2024-01-01" }),
    ],
    [
      "updateCollection",
      `mutation($input: UpdateCollectionInput!) { updateCollection(input: $input) { userErrors { code } } }`,
      (t) => ({ collectionId: t.collectionId, title: "X" }),
    ],
    [
      "setCollectionPublic",
      `mutation($input: SetCollectionPublicInput!) { setCollectionPublic(input: $input) { userErrors { code } } }`,
      (t) => ({ collectionId: t.collectionId, isPublic: false }),
    ],
    [
      "reorderTracks",
      `mutation($input: ReorderTracksInput!) { reorderTracks(input: $input) { userErrors { code } } }`,
      (t) => ({ collectionId: t.collectionId, tracks: [{ songId: t.songId, trackNumber: 1 }] }),
    ],
    [
      "createSong",
      `mutation($input: CreateSongInput!) { createSong(input: $input) { userErrors { code } } }`,
      (t) => ({ collectionId: t.collectionId, title: "X", durationMs: 60_000, trackNumber: 9 }),
    ],
    [
      "updateSong",
      `mutation($input: UpdateSongInput!) { updateSong(input: $input) { userErrors { code } } }`,
      (t) => ({ songId: t.songId, title: "X" }),
    ],
    [
      "setSongPublic",
      `mutation($input: SetSongPublicInput!) { setSongPublic(input: $input) { userErrors { code } } }`,
      (t) => ({ songId: t.songId, isPublic: false }),
    ],
    [
      "attachArtistImage",
      `mutation($input: AttachArtistImageInput!) { attachArtistImage(input: $input) { userErrors { code } } }`,
      (t) => ({ artistId: t.artistId, uploadId: none }),
    ],
    [
      "attachCollectionCover",
      `mutation($input: AttachCollectionCoverInput!) { attachCollectionCover(input: $input) { userErrors { code } } }`,
      (t) => ({ collectionId: t.collectionId, uploadId: none }),
    ],
    [
      "attachSongAudio",
      `mutation($input: AttachSongAudioInput!) { attachSongAudio(input: $input) { userErrors { code } } }`,
      (t) => ({ songId: t.songId, uploadId: none }),
    ],
    [
      "addArtistAboutImage",
      `mutation($input: AddArtistAboutImageInput!) { addArtistAboutImage(input: $input) { userErrors { code } } }`,
      (t) => ({ artistId: t.artistId, uploadId: none }),
    ],
  ];
  const adminMutations: [string, string, (t: Target) => Record<string, unknown>][] = [
    [
      "setArtistVisible",
      `mutation($input: SetArtistVisibleInput!) { setArtistVisible(input: $input) { userErrors { code } } }`,
      (t) => ({ artistId: t.artistId, isVisible: false }),
    ],
    [
      "setArtistVerified",
      `mutation($input: SetArtistVerifiedInput!) { setArtistVerified(input: $input) { userErrors { code } } }`,
      (t) => ({ artistId: t.artistId, isVerified: true }),
    ],
    [
      "setCollectionVisible",
      `mutation($input: SetCollectionVisibleInput!) { setCollectionVisible(input: $input) { userErrors { code } } }`,
      (t) => ({ collectionId: t.collectionId, isVisible: false }),
    ],
    [
      "setSongVisible",
      `mutation($input: SetSongVisibleInput!) { setSongVisible(input: $input) { userErrors { code } } }`,
      (t) => ({ songId: t.songId, isVisible: false }),
    ],
  ];
  let published: Target;
  let hidden: Target;
  beforeAll(async () => {
    const made = await by(owner).publishedAlbum(1);
    published = { artistId: made.artist.id, collectionId: made.collectionId, songId: made.songIds[0]! };
    const draft = await by(owner).createArtist();
    const draftCollection = await by(owner).createCollection(draft.id);
    hidden = {
      artistId: draft.id,
      collectionId: draftCollection,
      songId: await by(owner).createSong(draftCollection, 1),
    };
  });

  it.each(managerMutations)(
    "%s: another ARTIST and a USER get FORBIDDEN, anonymous UNAUTHENTICATED, nothing changes",
    async (_name, mutation, input) => {
      for (const viewer of [otherArtist, listener])
        expect(codes(await catalog.query(mutation, { input: input(published) }, { viewer }))).toEqual(["FORBIDDEN"]);
      expect(codes(await catalog.query(mutation, { input: input(published) }))).toEqual(["UNAUTHENTICATED"]);
      expect(await db().artist.findUniqueOrThrow({ where: { id: published.artistId } })).toMatchObject({
        isPublic: true,
        name: "Test Artist",
      });
      expect(await db().song.findUniqueOrThrow({ where: { id: published.songId } })).toMatchObject({
        isPublic: true,
        title: "Track 1",
        trackNumber: 1,
      });
    },
  );

  it.each(managerMutations)(
    "%s: another ARTIST gets the same answer for a hidden item as for an id that never existed",
    async (name, mutation, input) => {
      const onHidden = await catalog.query(mutation, { input: input(hidden) }, { viewer: otherArtist });
      const onNothing = await catalog.query(
        mutation,
        { input: input({ artistId: none, collectionId: none, songId: none }) },
        { viewer: otherArtist },
      );
      expect(onHidden.errors).toBeUndefined();
      expect(onHidden.data[name].userErrors).toEqual(onNothing.data[name].userErrors);
      expect(onHidden.data[name].userErrors[0].code).toMatch(/_NOT_FOUND$/);
    },
  );

  it.each(adminMutations)(
    "%s: the artist's own manager gets FORBIDDEN; an admin with an unknown or malformed id gets a not-found userError",
    async (name, mutation, input) => {
      expect(codes(await catalog.query(mutation, { input: input(published) }, { viewer: owner }))).toEqual([
        "FORBIDDEN",
      ]);
      for (const id of [none, "not-an-id"]) {
        const res = await catalog.query(
          mutation,
          { input: input({ artistId: id, collectionId: id, songId: id }) },
          { viewer: admin },
        );
        expect(res.data[name].userErrors[0].code).toMatch(/_NOT_FOUND$/);
      }
    },
  );

  it.each(
    managerMutations.filter(
      ([name]) => !name.startsWith("create") && !name.startsWith("attach") && name !== "addArtistAboutImage",
    ),
  )("%s: the manager naming a malformed id gets a not-found userError, not a crash", async (name, mutation, input) => {
    const res = await catalog.query(
      mutation,
      { input: input({ artistId: "not-an-id", collectionId: "not-an-id", songId: "not-an-id" }) },
      { viewer: owner },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data[name].userErrors[0].code).toMatch(/_NOT_FOUND$/);
  });
});
