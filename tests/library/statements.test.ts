// No N+1 (ARCHITECTURE.md §10): a playlist page, a list of playlists and the fields library adds
// to other subgraphs' entities cost the same number of SQL statements whatever their size.
import { afterAll, beforeAll, expect, it } from "vitest";
import { inProcessLibrary, viewerWith, type InProcessLibrary } from "../support/inProcess.ts";
import { catalogRelease, ok, playlistOf } from "../support/library.ts";

let lib: InProcessLibrary;
let songIds: string[];
const viewer = viewerWith("USER");
beforeAll(async () => {
  lib = await inProcessLibrary();
  songIds = [];
  for (let r = 0; r < 5; r++) songIds.push(...(await catalogRelease(lib, 10)).songIds);
});
afterAll(() => lib.stop());

const PAGE = /* GraphQL */ `
  query ($id: ID!) {
    playlist(id: $id) {
      title itemCount availableSongCount durationSeconds coverReleases { id } isSaved saveCount viewerCanEdit
      owner { id } editors { totalCount edges { node { id } } }
      items(first: 100) { totalCount edges { cursor node { id isAvailable song { id } addedBy { id } addedAt } } }
    }
  }
`;

async function statementsFor(query: string, variables: Record<string, unknown>) {
  const count = lib.countSql();
  await ok(lib, viewer, query, variables);
  return count();
}

it("reads a playlist page in the same statements for 5 items as for 50", async () => {
  const small = await playlistOf(lib, viewer, { songIds: songIds.slice(0, 5), isCollaborative: true });
  const big = await playlistOf(lib, viewer, { songIds: songIds.slice(0, 50), isCollaborative: true });
  const few = await statementsFor(PAGE, { id: small });
  const many = await statementsFor(PAGE, { id: big });
  expect(many).toBe(few);
  expect(few).toBeLessThanOrEqual(9);
});

it("reads a user's playlists with their totals and covers in the same statements for 2 as for 20", async () => {
  const LIST = `query ($id: ID!) { _entities(representations: [{ __typename: "User", id: $id }]) { ... on User {
    playlists(first: 50) { totalCount edges { node { id itemCount durationSeconds coverReleases { id } isSaved saveCount viewerCanEdit } } } } } }`;
  const few = viewerWith("USER");
  const lots = viewerWith("USER");
  for (let i = 0; i < 2; i++) await playlistOf(lib, few, { isPublic: true, songIds: songIds.slice(i, i + 3) });
  for (let i = 0; i < 20; i++) await playlistOf(lib, lots, { isPublic: true, songIds: songIds.slice(i, i + 3) });
  const a = await statementsFor(LIST, { id: few!.id });
  const b = await statementsFor(LIST, { id: lots!.id });
  expect(b).toBe(a);
});

it("answers 50 song, release and artist references in one statement per field", async () => {
  const reps = (typename: string, ids: string[]) => ids.map((id) => ({ __typename: typename, id }));
  const Q = `query ($r: [_Any!]!) { _entities(representations: $r) {
    ... on Song { isLiked } ... on Collection { isSaved } ... on Artist { isFollowed followerCount } } }`;
  const artists = await lib.services.db.catalogArtist.findMany({ take: 5, select: { id: true } });
  const collections = await lib.services.db.catalogCollection.findMany({ take: 5, select: { id: true } });
  const one = await statementsFor(Q, {
    r: [
      ...reps("Song", songIds.slice(0, 1)),
      ...reps("Collection", [collections[0]!.id]),
      ...reps("Artist", [artists[0]!.id]),
    ],
  });
  const fifty = await statementsFor(Q, {
    r: [
      ...reps("Song", songIds),
      ...reps(
        "Collection",
        collections.map((c) => c.id),
      ),
      ...reps(
        "Artist",
        artists.map((a) => a.id),
      ),
    ],
  });
  expect(fifty).toBe(one);
  expect(one).toBe(4);
});
