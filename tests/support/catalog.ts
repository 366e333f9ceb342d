// Building catalog content through the API, as an artist would in the app.
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { Stack } from "./stack.ts";
import { gql, login, register, type TestAccount } from "./graphql.ts";

/** A signed-in account with the given role (the role is set the way an admin would). */
export async function accountWithRole(
  stack: Stack,
  url: string,
  role: "USER" | "ARTIST" | "ADMIN",
): Promise<TestAccount> {
  const account = await register(url);
  if (role === "USER") return account;
  await stack.users.services.db.user.update({ where: { id: account.id }, data: { role } });
  const res = await login(url, account.email, account.password);
  return {
    ...account,
    accessToken: res.data.login.session.accessToken,
    refreshToken: res.data.login.session.refreshToken,
  };
}

function ok<T>(res: { errors?: unknown; data?: any }, field: string): T {
  expect(res.errors).toBeUndefined();
  expect(res.data[field].userErrors).toEqual([]);
  return res.data[field];
}

export const slug = (prefix = "artist") => `${prefix}-${randomBytes(4).toString("hex")}`;

/** Sends one operation as some caller: over HTTP with a token, or in process as a viewer. */
export type Send = (query: string, variables?: Record<string, unknown>) => Promise<{ errors?: unknown; data?: any }>;

export const overHttp =
  (url: string, token?: string): Send =>
  (query, variables) =>
    gql(url, query, variables, { token });

type Items = { artistId?: string; collectionId?: string; songId?: string };

/** Builds content as the caller `send` speaks for. */
export function contentBy(send: Send) {
  async function createArtist(
    input: Record<string, unknown> = {},
  ): Promise<{ id: string; slug: string; name: string }> {
    const mutation = `mutation($input: CreateArtistInput!) { createArtist(input: $input) { artist { id slug name } userErrors { field message code } } }`;
    const res = await send(mutation, { input: { name: "Test Artist", slug: slug(), ...input } });
    return ok<{ artist: { id: string; slug: string; name: string } }>(res, "createArtist").artist;
  }

  async function createCollection(artistId: string, input: Record<string, unknown> = {}): Promise<string> {
    const mutation = `mutation($input: CreateCollectionInput!) { createCollection(input: $input) { collection { id } userErrors { field message code } } }`;
    const res = await send(mutation, {
      input: { artistId, type: "ALBUM", title: "Test Album", releaseDate: "2024-05-01", ...input },
    });
    return ok<{ collection: { id: string } }>(res, "createCollection").collection.id;
  }

  async function createSong(
    collectionId: string,
    trackNumber: number,
    input: Record<string, unknown> = {},
  ): Promise<string> {
    const mutation = `mutation($input: CreateSongInput!) { createSong(input: $input) { song { id } userErrors { field message code } } }`;
    const res = await send(mutation, {
      input: { collectionId, title: `Track ${trackNumber}`, durationMs: 180_000, trackNumber, ...input },
    });
    return ok<{ song: { id: string } }>(res, "createSong").song.id;
  }

  /** One of the two switches (`Public`: the artist's, `Visible`: an admin's) on each item named. */
  async function setSwitch(which: "Public" | "Visible", what: Items, on: boolean): Promise<void> {
    for (const [kind, id] of [
      ["Artist", what.artistId],
      ["Collection", what.collectionId],
      ["Song", what.songId],
    ] as const) {
      if (!id) continue;
      const field = `set${kind}${which}`;
      const key = `${kind.toLowerCase()}Id`;
      ok(
        await send(
          `mutation($id: ID!, $on: Boolean!) { ${field}(input: { ${key}: $id, is${which}: $on }) { userErrors { code } } }`,
          { id, on },
        ),
        field,
      );
    }
  }
  const publish = (what: Items, isPublic = true) => setSwitch("Public", what, isPublic);
  const setVisible = (what: Items, isVisible: boolean) => setSwitch("Visible", what, isVisible);

  /** A published artist with one published album of `tracks` published songs. */
  async function publishedAlbum(
    tracks: number,
    artistInput: Record<string, unknown> = {},
    albumInput: Record<string, unknown> = {},
  ) {
    const artist = await createArtist(artistInput);
    const collectionId = await createCollection(artist.id, albumInput);
    const songIds: string[] = [];
    for (let i = 1; i <= tracks; i++) songIds.push(await createSong(collectionId, i));
    await publish({ artistId: artist.id, collectionId });
    for (const songId of songIds) await publish({ songId });
    return { artist, collectionId, songIds };
  }

  return { createArtist, createCollection, createSong, publish, setVisible, publishedAlbum };
}

type Content = ReturnType<typeof contentBy>;

// The same over HTTP, as most tests call them.
const http = (url: string, token: string) => contentBy(overHttp(url, token));
export const createArtist = (url: string, token: string, ...rest: Parameters<Content["createArtist"]>) =>
  http(url, token).createArtist(...rest);
export const createCollection = (url: string, token: string, ...rest: Parameters<Content["createCollection"]>) =>
  http(url, token).createCollection(...rest);
export const createSong = (url: string, token: string, ...rest: Parameters<Content["createSong"]>) =>
  http(url, token).createSong(...rest);
export const publish = (url: string, token: string, ...rest: Parameters<Content["publish"]>) =>
  http(url, token).publish(...rest);
export const publishedAlbum = (url: string, token: string, ...rest: Parameters<Content["publishedAlbum"]>) =>
  http(url, token).publishedAlbum(...rest);
