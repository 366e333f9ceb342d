// What the library tests need around the library subgraph: catalog's songs, releases and artists
// as library learns them (catalog's events, applied by library's own handlers exactly as its
// queue worker applies them), and short calls for the mutations every test makes.
import { randomUUID } from "node:crypto";
import type { EventPayloads } from "@melodi/kit";
import { consumerOf } from "./events.ts";
import { expect } from "vitest";
import { events } from "../../subgraphs/library/src/events.ts";
import type { InProcessLibrary, TestViewer } from "./inProcess.ts";
import type { Stack } from "./stack.ts";
import { until } from "./wait.ts";

let version = 1;

/** Delivers one event to library as its consumer would (once per id; replays are skipped). */
export function deliver<T extends keyof EventPayloads>(
  lib: InProcessLibrary,
  type: T,
  payload: EventPayloads[T],
  id: string = randomUUID(),
): Promise<boolean> {
  return consumerOf("library", lib.services.db, events.handlers)(type, payload, { id });
}

export interface KnownSong {
  songId: string;
  collectionId: string;
  artistId: string;
  durationMs: number;
}

/** A listed artist, release and `count` songs of it, as catalog's events would tell library. */
export async function catalogRelease(
  lib: InProcessLibrary,
  count: number,
  durationMs = 200_000,
  names: { artist?: string; release?: string } = {},
) {
  const artistId = randomUUID();
  const collectionId = randomUUID();
  await deliver(lib, "artist.changed", {
    artistId,
    name: names.artist ?? "An artist",
    listed: true,
    version: version++,
  });
  await deliver(lib, "collection.changed", {
    collectionId,
    artistId,
    title: names.release ?? "A release",
    listed: true,
    coverUrl: `https://img.example/${collectionId}.jpg`,
    version: version++,
  });
  const songs: KnownSong[] = [];
  for (let i = 0; i < count; i++) {
    const songId = randomUUID();
    await setSong(lib, { songId, collectionId, artistId, durationMs }, true);
    songs.push({ songId, collectionId, artistId, durationMs });
  }
  return { artistId, collectionId, songs, songIds: songs.map((s) => s.songId) };
}

/** Catalog says a song is (un)listed now. */
export async function setSong(lib: InProcessLibrary, song: KnownSong, listed: boolean) {
  await deliver(lib, "song.changed", {
    songId: song.songId,
    collectionId: song.collectionId,
    artistIds: [song.artistId],
    genreIds: [],
    durationMs: song.durationMs,
    listed,
    version: version++,
  });
}

/** Runs an operation and fails the test on any GraphQL error; returns its data. */
export async function ok<T = any>(
  lib: InProcessLibrary,
  viewer: TestViewer,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const res = await lib.query<T>(query, variables, { viewer });
  expect(res.errors).toBeUndefined();
  return res.data as T;
}

export const CREATE = /* GraphQL */ `
  mutation ($input: CreatePlaylistInput!) {
    createPlaylist(input: $input) { playlist { id title isPublic isCollaborative } userErrors { code field message } }
  }
`;

/** A playlist of `owner`'s, with these songs; returns its id. */
export async function playlistOf(
  lib: InProcessLibrary,
  owner: TestViewer,
  input: { title?: string; songIds?: string[]; isPublic?: boolean; isCollaborative?: boolean } = {},
): Promise<string> {
  const data = await ok(lib, owner, CREATE, { input: { title: "Mix", ...input } });
  expect(data.createPlaylist.userErrors).toEqual([]);
  return data.createPlaylist.playlist.id;
}

export const ITEMS = /* GraphQL */ `
  query ($id: ID!) {
    playlist(id: $id) { items(first: 100) { edges { node { id isAvailable song { id } } } totalCount } }
  }
`;

/** The playlist's items in order: [item id, song id or null]. */
export async function itemsOf(lib: InProcessLibrary, viewer: TestViewer, playlistId: string) {
  const data = await ok(lib, viewer, ITEMS, { id: playlistId });
  return (data.playlist.items.edges as { node: { id: string; song: { id: string } | null } }[]).map((e) => ({
    itemId: e.node.id,
    songId: e.node.song?.id ?? null,
  }));
}

let userVersion = 1;

/** Tells library these callers' accounts exist, as users' `user.changed` would. */
export async function introduce(lib: InProcessLibrary, ...viewers: TestViewer[]): Promise<void> {
  for (const viewer of viewers) {
    if (!viewer) continue;
    await deliver(lib, "user.changed", {
      userId: viewer.id,
      handle: `h${viewer.id.slice(0, 8)}`,
      displayName: `User ${viewer.id.slice(0, 4)}`,
      role: viewer.role,
      blocked: false,
      version: userVersion++,
    });
  }
}

/** Until the stack's library has heard, through catalog's events, that these songs are listed. */
export function libraryKnows(stack: Stack, songIds: string[]): Promise<void> {
  const known = () => stack.library!.services.db.catalogSong.count({ where: { id: { in: songIds }, listed: true } });
  return until(async () => (await known()) === songIds.length, "library learning of the songs");
}
