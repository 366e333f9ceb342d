// The catalog's visibility rule is written four times: the TypeScript predicates of access.ts,
// the Prisma filters list queries use (listenerWhere), the `listed` column triggers keep on
// releases and songs (which search filters on), and search itself. This checks that they say
// the same, and what the API answers, for every combination of the six switches (artist,
// release and song, each isPublic and isVisible: 64 worlds) and every kind of caller. The rule:
// a listener sees a release or song when every switch above it is on; its artist's managers
// and admins see it all; search shows everyone only what listeners see. In 16 more worlds the
// song is by a guest artist on a fully public release of another artist (both artists' switches
// in every combination), so each of the two artist checks on a song must hold on its own.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { inProcessCatalog, type InProcessCatalog, viewerWith, type TestViewer } from "../support/inProcess.ts";
import { canSeeCollection, canSeeSong, listenerWhere } from "../../subgraphs/catalog/src/access.ts";
import { searchable } from "../../subgraphs/catalog/src/text.ts";

type Switches = { isPublic: boolean; isVisible: boolean };
type Level = "artist" | "release" | "song";
interface World {
  label: string;
  switches: Record<Level, Switches>;
  /** The song's own artist when it is not the release's (a guest), with its switches. */
  guest?: { artistId: string; switches: Switches };
  /** A word found in this world's texts only. */
  word: string;
  artistId: string;
  releaseId: string;
  songId: string;
}

const LEVELS: Level[] = ["artist", "release", "song"];
// Search words are letters and digits; a fixed-width suffix keeps one world's word from being
// a prefix of another's, and the run's tag keeps them apart from other test files' content.
const tag = randomBytes(3)
  .toString("hex")
  .replace(/\d/g, (d) => "ghijklmnop"[Number(d)]!);
const letters = (i: number) => String.fromCharCode(97 + Math.floor(i / 26)) + String.fromCharCode(97 + (i % 26));
const flags = (s: Switches) => `${s.isPublic ? "P" : "-"}${s.isVisible ? "V" : "-"}`;
const worlds: World[] = Array.from({ length: 64 }, (_, i) => {
  // Bits 0-1: the artist's isPublic and isVisible, 2-3 the release's, 4-5 the song's.
  const bit = (n: number) => Boolean(i & (1 << n));
  const switches = Object.fromEntries(
    LEVELS.map((level, l) => [level, { isPublic: bit(2 * l), isVisible: bit(2 * l + 1) }]),
  );
  const label = LEVELS.map((level) => `${level} ${flags(switches[level]!)}`).join(", ");
  const ids = { artistId: randomUUID(), releaseId: randomUUID(), songId: randomUUID() };
  return { label, switches: switches as World["switches"], word: `w${tag}${letters(i)}`, ...ids };
});
const on: Switches = { isPublic: true, isVisible: true };
const combos: Switches[] = [false, true].flatMap((isPublic) =>
  [false, true].map((isVisible) => ({ isPublic, isVisible })),
);
for (const artist of combos) {
  for (const guest of combos) {
    const i = worlds.length;
    worlds.push({
      label: `release artist ${flags(artist)}, release PV, song PV by a guest ${flags(guest)}`,
      switches: { artist, release: on, song: on },
      guest: { artistId: randomUUID(), switches: guest },
      word: `w${tag}${letters(i)}`,
      artistId: randomUUID(),
      releaseId: randomUUID(),
      songId: randomUUID(),
    });
  }
}
/** The rule as stated: a listener sees the item when every switch from the artist down to it is on. */
const listenerSees = (w: World, item: "release" | "song") =>
  LEVELS.slice(0, LEVELS.indexOf(item) + 1).every(
    (level) => w.switches[level].isPublic && w.switches[level].isVisible,
  ) &&
  (item === "release" || !w.guest || (w.guest.switches.isPublic && w.guest.switches.isVisible));

const manager = viewerWith("ARTIST");
const otherArtist = viewerWith("ARTIST");
/** Each kind of caller, and whether they see everything of these artists. */
const viewers: [string, TestViewer, boolean][] = [
  ["signed out", null, false],
  ["a listener", viewerWith("USER"), false],
  ["the artist's manager", manager, true],
  ["another artist", otherArtist, false],
  ["an admin", viewerWith("ADMIN"), true],
];

let catalog: InProcessCatalog;
const db = () => catalog.services.db;

/**
 * All 64 worlds in one transaction. Rows are written with every switch the other way round and
 * then set, songs first and artists last, so the final `listed` values have to come through the
 * triggers that pass a release's and an artist's changes down to their songs.
 */
async function seed() {
  const flipped = (s: Switches) => ({ isPublic: !s.isPublic, isVisible: !s.isVisible });
  const ownArtist = randomUUID();
  await db().$transaction(async (tx) => {
    await tx.artist.createMany({
      data: [
        ...worlds.map((w) => ({
          id: w.artistId,
          name: `Artist ${w.word}`,
          slug: `artist-${w.word}`,
          searchText: searchable("Artist", w.word),
          ...flipped(w.switches.artist),
        })),
        ...worlds.flatMap((w) =>
          w.guest
            ? [
                {
                  id: w.guest.artistId,
                  name: `Guest ${w.word}`,
                  slug: `guest-${w.word}`,
                  searchText: searchable("Guest", w.word),
                  ...flipped(w.guest.switches),
                },
              ]
            : [],
        ),
        { id: ownArtist, name: "Another artist", slug: `another-${tag}`, searchText: "another artist", isPublic: true },
      ],
    });
    const managed = worlds
      .flatMap((w) => [w.artistId, ...(w.guest ? [w.guest.artistId] : [])])
      .map((artistId) => ({
        artistId,
        userId: manager.id,
      }));
    await tx.artistManager.createMany({ data: [...managed, { artistId: ownArtist, userId: otherArtist.id }] });
    await tx.collection.createMany({
      data: worlds.map((w) => ({
        id: w.releaseId,
        type: "ALBUM" as const,
        title: `Release ${w.word}`,
        releaseDate: new Date("2024-05-01"),
        primaryArtistId: w.artistId,
        searchText: searchable("Release", w.word, "Artist", w.word),
        ...flipped(w.switches.release),
      })),
    });
    await tx.song.createMany({
      data: worlds.map((w) => ({
        id: w.songId,
        title: `Song ${w.word}`,
        durationMs: 180_000,
        collectionId: w.releaseId,
        trackNumber: 1,
        primaryArtistId: w.guest?.artistId ?? w.artistId,
        searchText: searchable("Song", w.word, "Artist", w.word),
        ...flipped(w.switches.song),
      })),
    });
    const tables = {
      song: [tx.song, "songId"],
      release: [tx.collection, "releaseId"],
      artist: [tx.artist, "artistId"],
    } as const;
    for (const level of ["song", "release", "artist"] as const) {
      const [table, key] = tables[level];
      for (const isPublic of [false, true]) {
        for (const isVisible of [false, true]) {
          const matches = (s: Switches) => s.isPublic === isPublic && s.isVisible === isVisible;
          const ids = worlds.filter((w) => matches(w.switches[level])).map((w) => w[key]);
          // Guests are artists too: set last with the rest, through the same triggers.
          if (level === "artist")
            ids.push(...worlds.flatMap((w) => (w.guest && matches(w.guest.switches) ? [w.guest.artistId] : [])));
          await (table as typeof tx.song).updateMany({ where: { id: { in: ids } }, data: { isPublic, isVisible } });
        }
      }
    }
  });
  // Written behind the service's back: cached searches must not answer for the old catalog.
  await catalog.services.searchCache.changed();
}

/** What the listener-only encodings say, whoever asks: the Prisma filters and the `listed` column. */
let listenerSide: Map<string, { prisma: boolean; listed: boolean }>;

beforeAll(async () => {
  catalog = await inProcessCatalog();
  await seed();
  const [songs, releases, filteredSongs, filteredReleases] = await Promise.all([
    db().song.findMany({ where: { id: { in: worlds.map((w) => w.songId) } }, select: { id: true, listed: true } }),
    db().collection.findMany({
      where: { id: { in: worlds.map((w) => w.releaseId) } },
      select: { id: true, listed: true },
    }),
    db().song.findMany({
      where: { ...listenerWhere.song, id: { in: worlds.map((w) => w.songId) } },
      select: { id: true },
    }),
    db().collection.findMany({
      where: { ...listenerWhere.collection, id: { in: worlds.map((w) => w.releaseId) } },
      select: { id: true },
    }),
  ]);
  const filtered = new Set([...filteredSongs, ...filteredReleases].map((row) => row.id));
  listenerSide = new Map(
    [...songs, ...releases].map((row) => [row.id, { prisma: filtered.has(row.id), listed: row.listed }]),
  );
});
afterAll(() => catalog?.stop());

const ASK = `query($song: ID!, $release: ID!, $word: String!) {
  song(id: $song) { id }
  collection(id: $release) { id }
  search(query: $word, types: [SONG, COLLECTION], first: 20) { edges { node { ... on Song { id } ... on Collection { id } } } }
}`;

it.each(viewers)(
  "%s: the TypeScript rule, the Prisma filters, the listed column, search and the API agree in all 80 worlds",
  async (_who, viewer, seesAll) => {
    const ctx = catalog.context(viewer);
    const [songRows, releaseRows] = await Promise.all([
      db().song.findMany({ where: { id: { in: worlds.map((w) => w.songId) } } }),
      db().collection.findMany({ where: { id: { in: worlds.map((w) => w.releaseId) } } }),
    ]);
    const songs = new Map(songRows.map((row) => [row.id, row]));
    const releases = new Map(releaseRows.map((row) => [row.id, row]));

    const answers = await Promise.all(
      worlds.map(async (w) => {
        const res = await catalog.query(ASK, { song: w.songId, release: w.releaseId, word: w.word }, { viewer });
        expect(res.errors, w.label).toBeUndefined();
        const found = new Set(res.data.search.edges.map((e: { node: { id: string } }) => e.node.id));
        const say = async (id: string, ts: Promise<boolean>, api: boolean) => ({
          ts: await ts,
          api,
          search: found.has(id),
          ...listenerSide.get(id)!,
        });
        const song = await say(w.songId, canSeeSong(ctx, songs.get(w.songId)!), res.data.song?.id === w.songId);
        const release = await say(
          w.releaseId,
          canSeeCollection(ctx, releases.get(w.releaseId)!),
          res.data.collection?.id === w.releaseId,
        );
        return [w.label, { song, release }] as const;
      }),
    );

    // The listener-only encodings (filters, listed, search) say what a listener sees; the rule and
    // the API, what this caller sees: for signed-out callers and listeners, the same.
    const expected = worlds.map((w) => {
      const says = (item: "release" | "song") => {
        const listener = listenerSees(w, item);
        return {
          ts: seesAll || listener,
          api: seesAll || listener,
          search: listener,
          prisma: listener,
          listed: listener,
        };
      };
      return [w.label, { song: says("song"), release: says("release") }] as const;
    });
    expect(Object.fromEntries(answers)).toEqual(Object.fromEntries(expected));
  },
);
