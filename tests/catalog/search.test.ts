// Search: ranked, tolerant of typos and accents, never showing hidden items, and safe with any
// input. In process, on the catalog's schema (search reads the catalog only).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes } from "../support/graphql.ts";
import { contentBy } from "../support/catalog.ts";
import { inProcessCatalog, type InProcessCatalog, viewerWith } from "../support/inProcess.ts";
import { findHits } from "../../subgraphs/catalog/src/search/ranking.ts";

let catalog: InProcessCatalog;
const owner = viewerWith("ARTIST");
/** Content made by the owner. */
const mine = () => contentBy(catalog.as(owner));
// Made-up words so other test files' content never matches.
const word = `qorvex${Date.now().toString(36)}`;
let artistId: string;
let albumId: string;
let songIds: string[];
beforeAll(async () => {
  catalog = await inProcessCatalog();
  const made = await mine().publishedAlbum(0, { name: `Beyoncé ${word}` }, { title: `Canción ${word}` });
  artistId = made.artist.id;
  albumId = made.collectionId;
  songIds = [];
  for (const [i, title] of [`Corazón ${word}`, `Lluvia ${word}`].entries()) {
    const id = await mine().createSong(albumId, i + 1, { title });
    await mine().publish({ songId: id });
    songIds.push(id);
  }
});
afterAll(() => catalog?.stop());

const SEARCH = `query($q: String!, $types: [SearchType!], $first: Int, $after: String) {
  search(query: $q, types: $types, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { score node { __typename ... on Song { id title } ... on Artist { id name } ... on Collection { id title } } }
  }
}`;

const ids = (res: any) => res.data.search.edges.map((e: any) => e.node.id);

/**
 * A published artist and release with many published songs, written straight into the database
 * (far faster than one mutation per song; the triggers still index them for search).
 */
async function albumWithSongs(artistName: string, albumTitle: string, songs: { title: string; searchText: string }[]) {
  const artist = await mine().createArtist({ name: artistName });
  const album = await mine().createCollection(artist.id, { title: albumTitle });
  await mine().publish({ artistId: artist.id, collectionId: album });
  await catalog.services.db.song.createMany({
    data: songs.map((song, i) => ({
      ...song,
      durationMs: 60_000,
      trackNumber: i + 1,
      collectionId: album,
      primaryArtistId: artist.id,
      isPublic: true,
    })),
  });
  return album;
}

describe("search", () => {
  it("finds songs, artists and releases, best match first", async () => {
    const res = await catalog.query(SEARCH, { q: `corazon ${word}` });
    expect(res.errors).toBeUndefined();
    expect(res.data.search.edges[0].node).toEqual({ __typename: "Song", id: songIds[0], title: `Corazón ${word}` });
    const scores = res.data.search.edges.map((e: any) => e.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(ids(await catalog.query(SEARCH, { q: word }))).toEqual(
      expect.arrayContaining([artistId, albumId, ...songIds]),
    );
  });

  it("ignores accents both ways and tolerates a typo", async () => {
    expect(ids(await catalog.query(SEARCH, { q: `beyonce ${word}`, types: ["ARTIST"] }))).toEqual([artistId]);
    expect(ids(await catalog.query(SEARCH, { q: `CANCIÓN ${word}`, types: ["COLLECTION"] }))).toEqual([albumId]);
    const typo = word.slice(0, 3) + word.slice(4); // one letter dropped
    expect(ids(await catalog.query(SEARCH, { q: `lluvia ${typo}`, types: ["SONG"] }))[0]).toBe(songIds[1]);
  });

  it("filters by type and pages with cursors", async () => {
    const first = await catalog.query(SEARCH, { q: word, types: ["SONG"], first: 1 });
    expect(first.data.search.pageInfo.hasNextPage).toBe(true);
    const second = await catalog.query(SEARCH, {
      q: word,
      types: ["SONG"],
      first: 1,
      after: first.data.search.pageInfo.endCursor,
    });
    expect(second.data.search.pageInfo.hasNextPage).toBe(false);
    expect([...ids(first), ...ids(second)].sort()).toEqual([...songIds].sort());
  });

  it("never shows unpublished or hidden items, even to their owner", async () => {
    const draft = await mine().createArtist({ name: `Draft ${word}` });
    await mine().createSong(await mine().createCollection(draft.id, { title: `Draft album ${word}` }), 1, {
      title: `Draft song ${word}`,
    });
    for (const viewer of [null, owner]) {
      expect(ids(await catalog.query(SEARCH, { q: `draft ${word}` }, { viewer }))).toEqual([]);
      const all = ids(await catalog.query(SEARCH, { q: word, first: 50 }, { viewer }));
      expect(all).toEqual(expect.arrayContaining([artistId, albumId, ...songIds]));
      expect(all).not.toContain(draft.id);
    }
  });

  it("ranks the exact title first among many matches, and pages through all of them once", async () => {
    const common = `zumbel${Date.now().toString(36)}`;
    const album = await albumWithSongs(
      "Many Matches",
      "Box Set",
      Array.from({ length: 120 }, (_, i) => ({
        title: `${common} variation number ${i}`,
        searchText: `${common} variation number ${i} many matches`,
      })),
    );
    const exact = await mine().createSong(album, 121, { title: common });
    await mine().publish({ songId: exact });

    const first = await catalog.query(SEARCH, { q: common, types: ["SONG"], first: 50 });
    expect(first.data.search.edges[0].node).toMatchObject({ id: exact, title: common });
    const seen: string[] = ids(first);
    const scores: number[] = first.data.search.edges.map((e: any) => e.score);
    let after = first.data.search.pageInfo.endCursor;
    for (let page = 0; page < 3 && after; page++) {
      const next = await catalog.query(SEARCH, { q: common, types: ["SONG"], first: 50, after });
      seen.push(...ids(next));
      scores.push(...next.data.search.edges.map((e: any) => e.score));
      after = next.data.search.pageInfo.hasNextPage ? next.data.search.pageInfo.endCursor : null;
    }
    expect(seen).toHaveLength(121);
    expect(new Set(seen).size).toBe(121);
    expect(first.data.search.edges[0].score).toBeGreaterThan(0.5);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("ranks the same whether the best matches come from walking the rank index or from sorting every match", async () => {
    const tune = `vantor${Date.now().toString(36)}`;
    // 40 texts with the word as typed and 40 with a longer word it is the prefix of, of
    // assorted lengths, in no particular order.
    const texts = Array.from(
      { length: 80 },
      (_, i) => `${i % 2 ? tune : `${tune}x`} take ${(i * 37) % 80}${" la".repeat(i % 7)}`,
    );
    await albumWithSongs(
      "Window Tester",
      "Takes",
      texts.map((text) => ({ title: text, searchText: text })),
    );
    const db = catalog.services.db;
    const ranked = async (window: number, offset: number) =>
      (await findHits(db, { q: tune, kinds: ["SONG"], limit: 20, offset, window })).map((hit) => hit.id);

    // Sorting every match (window 0) is the reference.
    const reference: string[] = [];
    for (let offset = 0; offset < 80; offset += 20) reference.push(...(await ranked(0, offset)).slice(0, 20));
    expect(new Set(reference).size).toBe(80);
    // Scores follow the order: never rising, across pages; above 0.5 exactly for the texts
    // that hold the word as typed.
    const scores: number[] = [];
    for (let offset = 0; offset < 80; offset += 20)
      scores.push(
        ...(await findHits(db, { q: tune, kinds: ["SONG"], limit: 20, offset, window: 0 }))
          .slice(0, 20)
          .map((hit) => hit.score),
      );
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores.map((score) => score > 0.5)).toEqual([...Array(40).fill(true), ...Array(40).fill(false)]);
    const rows = await db.song.findMany({ where: { id: { in: reference } }, select: { id: true, searchText: true } });
    const text = new Map(rows.map((row) => [row.id, row.searchText]));
    const exact = reference.map((id) => text.get(id)!.startsWith(`${tune} `));
    expect(exact).toEqual([...Array(40).fill(true), ...Array(40).fill(false)]);
    for (const part of [reference.slice(0, 40), reference.slice(40)]) {
      const lengths = part.map((id) => text.get(id)!.length);
      expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    }

    // A window that holds the page answers from the walk alone (one statement after the
    // dictionary look-up); a smaller one falls back to sorting (one more); both rank the same.
    for (const window of [1, 7, 1000]) {
      for (const offset of [0, 20, 40, 60]) {
        const statements = catalog.countSql();
        expect(await ranked(window, offset), `window ${window}, offset ${offset}`).toEqual(
          reference.slice(offset, offset + 21),
        );
        if (offset === 0) expect(statements()).toBe(window === 1000 ? 2 : 3);
      }
    }
  });

  it("follows publishing: a release unpublished takes its songs out of search, republished brings them back", async () => {
    const tune = `plimtar${Date.now().toString(36)}`;
    const made = await mine().publishedAlbum(0, { name: `Relister ${tune}` }, { title: `Record ${tune}` });
    const songId = await mine().createSong(made.collectionId, 1, { title: `Song ${tune}` });
    await mine().publish({ songId });
    const found = async () => ids(await catalog.query(SEARCH, { q: tune }));
    expect(await found()).toEqual(expect.arrayContaining([made.artist.id, made.collectionId, songId]));
    await mine().publish({ collectionId: made.collectionId }, false);
    expect(await found()).toEqual([made.artist.id]);
    await mine().publish({ collectionId: made.collectionId });
    expect(await found()).toEqual(expect.arrayContaining([made.collectionId, songId]));
    await mine().publish({ artistId: made.artist.id }, false);
    expect(await found()).toEqual([]);
  });

  it("serves a repeated search from the cache, and never a hidden item, even one hidden behind its back", async () => {
    const tune = `quendor${Date.now().toString(36)}`;
    const made = await mine().publishedAlbum(0, {}, { title: `Cached ${tune}` });
    const songId = await mine().createSong(made.collectionId, 1, { title: `Cached song ${tune}` });
    await mine().publish({ songId });
    const first = catalog.countSql();
    expect(ids(await catalog.query(SEARCH, { q: tune }))).toContain(songId);
    const cold = first();
    const second = catalog.countSql();
    expect(ids(await catalog.query(SEARCH, { q: tune }))).toContain(songId);
    expect(second()).toBeLessThan(cold);

    // Hidden straight in the database: no version bump, the cached entry still names the song.
    await catalog.services.db.song.update({ where: { id: songId }, data: { isPublic: false } });
    expect(ids(await catalog.query(SEARCH, { q: tune }))).not.toContain(songId);
  });

  it("finds an artist's songs and releases by the artist's new name after a rename", async () => {
    // Unlike names (typo tolerance would otherwise match one for the other).
    const before = `amber${Math.random().toString(36).slice(2, 8)}`;
    const after = `violet${Math.random().toString(36).slice(2, 8)}`;
    const made = await mine().publishedAlbum(0, { name: before }, { title: "Untitled Record" });
    const songId = await mine().createSong(made.collectionId, 1, { title: "Untitled Song" });
    await mine().publish({ songId });
    expect(ids(await catalog.query(SEARCH, { q: `untitled song ${before}`, types: ["SONG"] }))).toEqual([songId]);
    const renamed = await catalog.query(
      `mutation($input: UpdateArtistInput!) { updateArtist(input: $input) { userErrors { code } } }`,
      { input: { artistId: made.artist.id, name: after } },
      { viewer: owner },
    );
    expect(renamed.data.updateArtist.userErrors).toEqual([]);
    expect(ids(await catalog.query(SEARCH, { q: `untitled song ${after}`, types: ["SONG"] }))).toEqual([songId]);
    expect(ids(await catalog.query(SEARCH, { q: `untitled record ${after}`, types: ["COLLECTION"] }))).toEqual([
      made.collectionId,
    ]);
    expect(ids(await catalog.query(SEARCH, { q: `untitled song ${before}`, types: ["SONG"] }))).toEqual([]);
  });

  it("answers an empty or punctuation-only query with no results", async () => {
    for (const q of ["", "   ", "%_*'\""]) {
      const res = await catalog.query(SEARCH, { q });
      expect(res.errors).toBeUndefined();
      expect(res.data.search.edges).toEqual([]);
    }
  });

  it("treats SQL metacharacters as text", async () => {
    for (const q of [`'; DROP TABLE "catalog"."Song"; --`, `${word}%' OR 1=1 --`, "\\x00 <% %> ::uuid"]) {
      const res = await catalog.query(SEARCH, { q });
      expect(res.errors, q).toBeUndefined();
    }
    expect(await catalog.services.db.song.count({ where: { id: { in: songIds } } })).toBe(2);
  });

  it("rejects a 1,000-character query and a forged cursor with BAD_USER_INPUT", async () => {
    expect(codes(await catalog.query(SEARCH, { q: "x".repeat(1000) }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await catalog.query(SEARCH, { q: word, after: "bm9wZQ" }))).toEqual(["BAD_USER_INPUT"]);
  });
});
