// No N+1 (ARCHITECTURE.md §10): the artist page and a release page, through the router, cost the same
// number of catalog SQL statements whatever their size.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.ts";
import { gql, type TestAccount } from "../support/graphql.ts";
import { accountWithRole, createArtist, createCollection, createSong, publish } from "../support/catalog.ts";

let stack: Stack;
let url: string;
let owner: TestAccount;
beforeAll(async () => {
  stack = await startStack({ router: true });
  url = stack.router!.url;
  owner = await accountWithRole(stack, url, "ARTIST");
});
afterAll(() => stack.stop());

/** A published artist with `releases` albums of `tracks` songs each, made straight in the database. */
async function catalogOf(releases: number, tracks: number) {
  const artist = await createArtist(url, owner.accessToken, { genreSlugs: ["pop", "rock"] });
  const guest = await createArtist(url, owner.accessToken);
  await publish(url, owner.accessToken, { artistId: artist.id });
  await publish(url, owner.accessToken, { artistId: guest.id });
  const db = stack.catalog!.services.db;
  const collectionIds: string[] = [];
  for (let r = 0; r < releases; r++) {
    const collectionId = await createCollection(url, owner.accessToken, artist.id, {
      title: `Album ${r}`,
      releaseDate: `20${10 + r}-01-01`,
      featuredArtistIds: [guest.id],
    });
    await db.collection.update({ where: { id: collectionId }, data: { isPublic: true } });
    const genre = await db.genre.findUniqueOrThrow({ where: { slug: "pop" } });
    await db.song.createMany({
      data: Array.from({ length: tracks }, (_, i) => ({
        title: `Song ${i}`,
        durationMs: 200_000,
        trackNumber: i + 1,
        collectionId,
        primaryArtistId: artist.id,
        isPublic: true,
        searchText: `song ${i}`,
      })),
    });
    const songs = await db.song.findMany({ where: { collectionId }, select: { id: true } });
    await db.songGenre.createMany({ data: songs.map((s) => ({ songId: s.id, genreId: genre.id })) });
    await db.songArtist.createMany({ data: songs.map((s) => ({ songId: s.id, artistId: guest.id, position: 0 })) });
    collectionIds.push(collectionId);
  }
  await createSong(url, owner.accessToken, collectionIds[0]!, tracks + 1).then((id) =>
    publish(url, owner.accessToken, { songId: id }),
  );
  return { artistId: artist.id, collectionIds };
}

const COLLECTION_PAGE = `query($id: ID!) {
  collection(id: $id) {
    title type releaseDate coverUrl trackCount totalDurationMs
    primaryArtist { id name slug }
    featuredArtists { id name }
    tracks { discNumber trackNumber song { id title durationMs explicit genres { slug } featuredArtists { id name } primaryArtist { name } } }
  }
}`;

const ARTIST_PAGE = `query($id: ID!) {
  artist(id: $id) {
    name slug imageUrl isVerified genres { name }
    about { biography images { url caption } }
    picks { note item { __typename } }
    discography {
      albums(first: 50) { totalCount edges { node { id title releaseDate coverUrl trackCount totalDurationMs featuredArtists { name } } } }
      eps(first: 50) { totalCount edges { node { id title } } }
      singles(first: 50) { totalCount edges { node { id title } } }
    }
  }
}`;

async function statements(query: string, id: string): Promise<{ count: number; data: any }> {
  const read = stack.countCatalogSql();
  const res = await gql(url, query, { id }, { token: owner.accessToken });
  expect(res.errors).toBeUndefined();
  return { count: read(), data: res.data };
}

it("a 100-track release page costs the same statements as a 10-track one", async () => {
  const small = await catalogOf(1, 10);
  const large = await catalogOf(1, 100);
  const a = await statements(COLLECTION_PAGE, small.collectionIds[0]!);
  const b = await statements(COLLECTION_PAGE, large.collectionIds[0]!);
  expect(a.data.collection.tracks).toHaveLength(11);
  expect(b.data.collection.tracks).toHaveLength(101);
  expect(b.data.collection.tracks[5].song.featuredArtists).toHaveLength(1);
  console.log(`release page statements: ${a.count} (11 tracks) vs ${b.count} (101 tracks)`);
  expect(b.count).toBe(a.count);
  expect(b.count).toBeLessThanOrEqual(12);
});

it("an artist page with 12 releases costs the same statements as one with 2", async () => {
  const small = await catalogOf(2, 3);
  const large = await catalogOf(12, 3);
  const a = await statements(ARTIST_PAGE, small.artistId);
  const b = await statements(ARTIST_PAGE, large.artistId);
  expect(a.data.artist.discography.albums.totalCount).toBe(2);
  expect(b.data.artist.discography.albums.totalCount).toBe(12);
  expect(b.data.artist.discography.albums.edges[0].node.title).toBe("Album 11");
  console.log(`artist page statements: ${a.count} (2 releases) vs ${b.count} (12 releases)`);
  expect(b.count).toBe(a.count);
  expect(b.count).toBeLessThanOrEqual(15);
});
