// Building catalog content through the API, as an artist would in the app.
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { Stack } from "./stack.ts";
import { gql, login, register, type TestAccount } from "./graphql.ts";

/** A signed-in account with the given role (the role is set the way an admin would). */
export async function accountWithRole(stack: Stack, url: string, role: "USER" | "ARTIST" | "ADMIN"): Promise<TestAccount> {
  const account = await register(url);
  if (role === "USER") return account;
  await stack.users.services.db.user.update({ where: { id: account.id }, data: { role } });
  const res = await login(url, account.email, account.password);
  return { ...account, accessToken: res.data.login.session.accessToken, refreshToken: res.data.login.session.refreshToken };
}

function ok<T>(res: { errors?: unknown; data?: any }, field: string): T {
  expect(res.errors).toBeUndefined();
  expect(res.data[field].userErrors).toEqual([]);
  return res.data[field];
}

export const slug = (prefix = "artist") => `${prefix}-${randomBytes(4).toString("hex")}`;

export async function createArtist(url: string, token: string, input: Record<string, unknown> = {}): Promise<{ id: string; slug: string; name: string }> {
  const res = await gql(url, `mutation($input: CreateArtistInput!) { createArtist(input: $input) { artist { id slug name } userErrors { field message code } } }`, { input: { name: "Test Artist", slug: slug(), ...input } }, { token });
  return ok<{ artist: { id: string; slug: string; name: string } }>(res, "createArtist").artist;
}

export async function createCollection(url: string, token: string, artistId: string, input: Record<string, unknown> = {}): Promise<string> {
  const res = await gql(url, `mutation($input: CreateCollectionInput!) { createCollection(input: $input) { collection { id } userErrors { field message code } } }`, { input: { artistId, type: "ALBUM", title: "Test Album", releaseDate: "2024-05-01", ...input } }, { token });
  return ok<{ collection: { id: string } }>(res, "createCollection").collection.id;
}

export async function createSong(url: string, token: string, collectionId: string, trackNumber: number, input: Record<string, unknown> = {}): Promise<string> {
  const res = await gql(url, `mutation($input: CreateSongInput!) { createSong(input: $input) { song { id } userErrors { field message code } } }`, { input: { collectionId, title: `Track ${trackNumber}`, durationMs: 180_000, trackNumber, ...input } }, { token });
  return ok<{ song: { id: string } }>(res, "createSong").song.id;
}

export async function publish(url: string, token: string, what: { artistId?: string; collectionId?: string; songId?: string }, isPublic = true): Promise<void> {
  if (what.artistId) ok(await gql(url, `mutation($id: ID!, $p: Boolean!) { setArtistPublic(input: { artistId: $id, isPublic: $p }) { userErrors { code } } }`, { id: what.artistId, p: isPublic }, { token }), "setArtistPublic");
  if (what.collectionId) ok(await gql(url, `mutation($id: ID!, $p: Boolean!) { setCollectionPublic(input: { collectionId: $id, isPublic: $p }) { userErrors { code } } }`, { id: what.collectionId, p: isPublic }, { token }), "setCollectionPublic");
  if (what.songId) ok(await gql(url, `mutation($id: ID!, $p: Boolean!) { setSongPublic(input: { songId: $id, isPublic: $p }) { userErrors { code } } }`, { id: what.songId, p: isPublic }, { token }), "setSongPublic");
}

/** A published artist with one published album of `tracks` published songs. */
export async function publishedAlbum(url: string, token: string, tracks: number, artistInput: Record<string, unknown> = {}, albumInput: Record<string, unknown> = {}) {
  const artist = await createArtist(url, token, artistInput);
  const collectionId = await createCollection(url, token, artist.id, albumInput);
  const songIds: string[] = [];
  for (let i = 1; i <= tracks; i++) songIds.push(await createSong(url, token, collectionId, i));
  await publish(url, token, { artistId: artist.id, collectionId });
  for (const songId of songIds) await publish(url, token, { songId });
  return { artist, collectionId, songIds };
}
