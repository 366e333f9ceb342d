// The events catalog produces (subgraphs/catalog/src/events.ts; written by the triggers of the
// catalog_events migration): song.changed, collection.changed and artist.changed, each with its
// entity's current state and a version that only grows. Changes go through the API as an artist
// or an admin would make them; the outbox is read back from the database.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { backfill, createJobs, parseManifest, queueOf, type DomainEvent, type EventPayloads } from "@melodi/kit";
import { startStack, type Stack } from "../support/stack.ts";
import { gql, type TestAccount } from "../support/graphql.ts";
import { accountWithRole, contentBy, overHttp } from "../support/catalog.ts";
import { signInAdmin } from "../support/admin.ts";
import { logRecorder } from "../support/logRecorder.ts";
import { events } from "../../subgraphs/catalog/src/events.ts";
import { createDb } from "../../subgraphs/catalog/src/db.ts";

type Produced = "song.changed" | "collection.changed" | "artist.changed";
const KEY = { "song.changed": "songId", "collection.changed": "collectionId", "artist.changed": "artistId" } as const;

let stack: Stack;
let url: string;
let owner: TestAccount;
let admin: { accessToken: string };
const db = () => stack.catalog!.services.db;
beforeAll(async () => {
  stack = await startStack({ router: true });
  url = stack.router!.url;
  owner = await accountWithRole(stack, url, "ARTIST");
  admin = await signInAdmin(stack, url);
});
afterAll(() => stack?.stop());

const asOwner = () => contentBy(overHttp(url, owner.accessToken));
const asAdmin = () => contentBy(overHttp(url, admin.accessToken));

interface Row<T extends Produced> {
  id: string;
  payload: EventPayloads[T];
  deliveredAt: Date | null;
}

/** The outbox's events about one entity, oldest version first. */
async function eventsOf<T extends Produced>(type: T, id: string): Promise<Row<T>[]> {
  return db().$queryRawUnsafe<Row<T>[]>(
    `SELECT "id"::text AS id, "payload", "deliveredAt" FROM "catalog"."OutboxEvent"
     WHERE "type" = $1 AND "payload"->>$2 = $3 ORDER BY ("payload"->>'version')::int`,
    type,
    KEY[type],
    id,
  );
}
const latest = async <T extends Produced>(type: T, id: string) => (await eventsOf(type, id)).at(-1)?.payload;
const versionOf = async (table: "Song" | "Collection" | "Artist", id: string) =>
  (
    await db().$queryRawUnsafe<{ version: number }[]>(
      `SELECT "version" FROM "catalog"."${table}" WHERE id = $1::uuid`,
      id,
    )
  )[0]!.version;

async function genreIds(...slugs: string[]) {
  const rows = await db().genre.findMany({ where: { slug: { in: slugs } }, select: { id: true } });
  return rows.map((r) => r.id).sort();
}

async function mutate(query: string, input: Record<string, unknown>, token = owner.accessToken) {
  const res = await gql(url, query, { input }, { token });
  expect(res.errors).toBeUndefined();
  const [field] = Object.keys(res.data);
  expect(res.data[field!].userErrors).toEqual([]);
}
const UPDATE_SONG = `mutation($input: UpdateSongInput!) { updateSong(input: $input) { userErrors { code } } }`;
const UPDATE_COLLECTION = `mutation($input: UpdateCollectionInput!) { updateCollection(input: $input) { userErrors { code } } }`;

describe("song.changed", () => {
  it("is sent when a song is created, with its artists, genres, duration and listing, once", async () => {
    const content = asOwner();
    const artist = await content.createArtist();
    const guest = await content.createArtist();
    const other = await content.createArtist();
    const collectionId = await content.createCollection(artist.id);
    const songId = await content.createSong(collectionId, 1, {
      durationMs: 201_000,
      featuredArtistIds: [other.id, guest.id],
      genreSlugs: ["rock", "pop"],
    });
    // The song, its featured artists and its genres are three statements: one event, the last state.
    const sent = await eventsOf("song.changed", songId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.payload).toEqual({
      songId,
      collectionId,
      artistIds: [artist.id, other.id, guest.id],
      genreIds: await genreIds("pop", "rock"),
      durationMs: 201_000,
      listed: false,
      version: await versionOf("Song", songId),
    });
    expect(await latest("collection.changed", collectionId)).toEqual({
      collectionId,
      artistId: artist.id,
      title: "Test Album",
      listed: false,
      coverUrl: null,
      version: 1,
    });
    expect(await latest("artist.changed", artist.id)).toEqual({
      artistId: artist.id,
      name: artist.name,
      listed: false,
      version: 1,
    });
    // The relay knows these types and delivers them (library consumes them).
    await expect
      .poll(async () => (await eventsOf("song.changed", songId))[0]!.deliveredAt, { timeout: 10_000 })
      .toBeInstanceOf(Date);
  });

  it("follows a duration change; a title change alone sends nothing", async () => {
    const { collectionId } = await asOwner().publishedAlbum(0);
    const songId = await asOwner().createSong(collectionId, 1);
    const before = await latest("song.changed", songId);
    await mutate(UPDATE_SONG, { songId, title: "Renamed" });
    expect(await eventsOf("song.changed", songId)).toHaveLength(1);
    await mutate(UPDATE_SONG, { songId, durationMs: 99_000 });
    const after = await latest("song.changed", songId);
    expect(after).toEqual({ ...before, durationMs: 99_000, version: before!.version + 1 });
    // Any path, not only mutations: the transcoder sets the duration of the audio it finished.
    await db().song.update({ where: { id: songId }, data: { durationMs: 98_500, audioStatus: "READY" } });
    expect(await latest("song.changed", songId)).toMatchObject({ durationMs: 98_500, version: before!.version + 2 });
  });

  it("follows publishing, unpublishing and an admin hiding the song", async () => {
    const { collectionId } = await asOwner().publishedAlbum(0);
    const songId = await asOwner().createSong(collectionId, 1);
    expect(await latest("song.changed", songId)).toMatchObject({ listed: false });
    const v = await versionOf("Song", songId);
    await asOwner().publish({ songId });
    expect(await latest("song.changed", songId)).toMatchObject({ listed: true, version: v + 1 });
    await asOwner().publish({ songId }, false);
    expect(await latest("song.changed", songId)).toMatchObject({ listed: false, version: v + 2 });
    await asOwner().publish({ songId });
    await asAdmin().setVisible({ songId }, false);
    expect(await latest("song.changed", songId)).toMatchObject({ listed: false, version: v + 4 });
    // Publishing while the admin keeps it hidden changes nothing a listener sees: no event.
    await asOwner().publish({ songId }, false);
    await asOwner().publish({ songId });
    expect(await versionOf("Song", songId)).toBe(v + 4);
    expect(await eventsOf("song.changed", songId)).toHaveLength(5);
  });

  it("follows featured artists added and removed, and genres replaced: one event per mutation", async () => {
    const content = asOwner();
    const { artist, collectionId, songIds } = await content.publishedAlbum(1);
    const songId = songIds[0]!;
    const [a, b] = [await content.createArtist(), await content.createArtist()];
    const count = async () => (await eventsOf("song.changed", songId)).length;
    const n = await count();
    await mutate(UPDATE_SONG, { songId, featuredArtistIds: [b.id, a.id] });
    expect(await latest("song.changed", songId)).toMatchObject({ artistIds: [artist.id, b.id, a.id] });
    await mutate(UPDATE_SONG, { songId, featuredArtistIds: [a.id] });
    expect(await latest("song.changed", songId)).toMatchObject({ artistIds: [artist.id, a.id] });
    await mutate(UPDATE_SONG, { songId, featuredArtistIds: [] });
    expect(await latest("song.changed", songId)).toMatchObject({ artistIds: [artist.id] });
    // Genres and featured artists and the duration together: still one event.
    await mutate(UPDATE_SONG, { songId, genreSlugs: ["jazz", "soul"], featuredArtistIds: [a.id], durationMs: 123_000 });
    expect(await count()).toBe(n + 4);
    expect(await latest("song.changed", songId)).toEqual({
      songId,
      collectionId,
      artistIds: [artist.id, a.id],
      genreIds: await genreIds("jazz", "soul"),
      durationMs: 123_000,
      listed: true,
      version: await versionOf("Song", songId),
    });
  });
});

describe("cascades", () => {
  it("a release hidden by an admin, then unpublished, relists each of its songs", async () => {
    const { collectionId, songIds } = await asOwner().publishedAlbum(3);
    const c = await versionOf("Collection", collectionId);
    await asAdmin().setVisible({ collectionId }, false);
    expect(await latest("collection.changed", collectionId)).toMatchObject({ listed: false, version: c + 1 });
    for (const songId of songIds) expect(await latest("song.changed", songId)).toMatchObject({ listed: false });
    await asAdmin().setVisible({ collectionId }, true);
    for (const songId of songIds) expect(await latest("song.changed", songId)).toMatchObject({ listed: true });
    await asOwner().publish({ collectionId }, false);
    expect(await latest("collection.changed", collectionId)).toMatchObject({ listed: false, version: c + 3 });
    for (const songId of songIds) expect(await latest("song.changed", songId)).toMatchObject({ listed: false });
  });

  it("a title or cover changed sends the release; its release date alone does not", async () => {
    const collectionId = await asOwner().createCollection((await asOwner().createArtist()).id);
    await mutate(UPDATE_COLLECTION, { collectionId, releaseDate: "2020-02-02" });
    expect(await eventsOf("collection.changed", collectionId)).toHaveLength(1);
    await mutate(UPDATE_COLLECTION, { collectionId, title: "Other title" });
    expect(await latest("collection.changed", collectionId)).toMatchObject({ title: "Other title", version: 2 });
    await mutate(UPDATE_COLLECTION, { collectionId, coverUrl: "https://example.com/cover.jpg" });
    expect(await latest("collection.changed", collectionId)).toMatchObject({
      coverUrl: "https://example.com/cover.jpg",
      title: "Other title",
      version: 3,
    });
  });

  it("an artist renamed sends the artist with its name; its image alone does not", async () => {
    const artist = await asOwner().createArtist({ name: "Before" });
    const UPDATE_ARTIST = `mutation($input: UpdateArtistInput!) { updateArtist(input: $input) { userErrors { code } } }`;
    await mutate(UPDATE_ARTIST, { artistId: artist.id, imageUrl: "https://example.com/a.jpg" });
    expect(await eventsOf("artist.changed", artist.id)).toHaveLength(1);
    await mutate(UPDATE_ARTIST, { artistId: artist.id, name: "After" });
    expect(await latest("artist.changed", artist.id)).toMatchObject({ name: "After", version: 2 });
  });

  it("an artist hidden relists every release and song of theirs, in O(1) statements", async () => {
    const content = asOwner();
    const small = await content.publishedAlbum(1);
    const large = await content.publishedAlbum(10);
    for (let i = 0; i < 3; i++) {
      const collectionId = await content.createCollection(large.artist.id, { title: `More ${i}` });
      const songIds = [await content.createSong(collectionId, 1), await content.createSong(collectionId, 2)];
      await content.publish({ collectionId });
      for (const songId of songIds) await content.publish({ songId });
      large.songIds.push(...songIds);
    }
    const hide = async (artistId: string) => {
      const read = stack.countCatalogSql();
      await asAdmin().setVisible({ artistId }, false);
      return read();
    };
    const few = await hide(small.artist.id);
    const many = await hide(large.artist.id);
    console.log(`artist hidden: ${few} catalog statements (1 song) vs ${many} (16 songs on 4 releases)`);
    expect(many).toBe(few);

    expect(await latest("artist.changed", large.artist.id)).toMatchObject({ listed: false, version: 3 });
    const collections = await db().collection.findMany({ where: { primaryArtistId: large.artist.id } });
    expect(collections).toHaveLength(4);
    for (const { id } of collections)
      expect(await latest("collection.changed", id)).toMatchObject({ listed: false, version: 3 });
    expect(large.songIds).toHaveLength(16);
    for (const songId of large.songIds)
      expect(await latest("song.changed", songId)).toMatchObject({
        listed: false,
        version: await versionOf("Song", songId),
      });

    // Shown again: every song is listed again, one more version each.
    await asAdmin().setVisible({ artistId: large.artist.id }, true);
    for (const songId of large.songIds) expect(await latest("song.changed", songId)).toMatchObject({ listed: true });
  });
});

describe("versions", () => {
  /** Runs `first` in a transaction held open until `second` (another transaction) waits on its lock. */
  async function race(first: (tx: any) => Promise<unknown>, second: (tx: any) => Promise<unknown>) {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const firstWrote = new Promise<void>((resolve) => {
      started = resolve;
    });
    const one = db().$transaction(async (tx) => {
      await first(tx);
      started();
      await held;
    });
    await firstWrote;
    const two = db().$transaction(async (tx) => second(tx));
    // The second waits on the first's row lock; the first commits only then.
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await Promise.all([one, two]);
  }

  it("two transactions on one song: the highest version is the final state", async () => {
    const { songIds } = await asOwner().publishedAlbum(1);
    const songId = songIds[0]!;
    const v = await versionOf("Song", songId);
    await race(
      (tx) => tx.song.update({ where: { id: songId }, data: { durationMs: 111_000 } }),
      (tx) => tx.song.update({ where: { id: songId }, data: { durationMs: 222_000 } }),
    );
    const sent = (await eventsOf("song.changed", songId)).map((e) => e.payload);
    expect(sent.slice(-2).map((p) => [p.version, p.durationMs])).toEqual([
      [v + 1, 111_000],
      [v + 2, 222_000],
    ]);
    expect((await db().song.findUniqueOrThrow({ where: { id: songId } })).durationMs).toBe(222_000);
  });

  it("two transactions on one artist, hiding and showing it: the highest versions are the final state", async () => {
    const { artist, collectionId, songIds } = await asOwner().publishedAlbum(2);
    await race(
      (tx) => tx.artist.update({ where: { id: artist.id }, data: { isVisible: false } }),
      (tx) => tx.artist.update({ where: { id: artist.id }, data: { isVisible: true } }),
    );
    const artistEvents = (await eventsOf("artist.changed", artist.id)).map((e) => e.payload);
    expect(artistEvents.map((p) => [p.version, p.listed])).toEqual([
      [1, false],
      [2, true],
      [3, false],
      [4, true],
    ]);
    expect(await latest("collection.changed", collectionId)).toMatchObject({
      listed: true,
      version: await versionOf("Collection", collectionId),
    });
    for (const songId of songIds) {
      const sent = (await eventsOf("song.changed", songId)).map((e) => e.payload);
      const versions = sent.map((p) => p.version);
      expect(versions).toEqual([...versions].sort((x, y) => x - y));
      expect(new Set(versions).size).toBe(versions.length);
      expect(sent.at(-1)).toMatchObject({ listed: true, version: await versionOf("Song", songId) });
    }
  });
});

describe("back-fill from catalog's current state", () => {
  it("yields every song, release and artist at its current version, under the outbox's ids, stable between runs", async () => {
    const content = asOwner();
    const { artist, collectionId, songIds } = await content.publishedAlbum(3);
    await mutate(UPDATE_SONG, { songId: songIds[1], genreSlugs: ["jazz"] });
    const state = events.currentState!;
    const read = async <T extends Produced>(type: T) => {
      const all: DomainEvent<T>[] = [];
      for await (const page of state[type]!(db())) all.push(...(page as DomainEvent<T>[]));
      return all;
    };
    const counts = () => Promise.all([db().song.count(), db().collection.count(), db().artist.count()]);
    const before = await counts();
    const [songs, collections, artists] = await Promise.all([
      read("song.changed"),
      read("collection.changed"),
      read("artist.changed"),
    ]);
    const after = await counts();
    // Every row (other test files may add some meanwhile; nothing in catalog is deleted).
    [songs, collections, artists].forEach((list, i) => {
      expect(list.length).toBeGreaterThanOrEqual(before[i]!);
      expect(list.length).toBeLessThanOrEqual(after[i]!);
    });
    const check = async <T extends Produced>(sent: DomainEvent<T>[], type: T, id: string) => {
      const event = sent.find((e) => (e.payload as Record<string, unknown>)[KEY[type]] === id);
      const [outbox] = (await eventsOf(type, id)).slice(-1);
      // The same state and the same id as the outbox's event for this version.
      expect(event).toEqual({ id: outbox!.id, type, payload: outbox!.payload, occurredAt: expect.any(String) });
    };
    for (const songId of songIds) await check(songs, "song.changed", songId);
    await check(collections, "collection.changed", collectionId);
    await check(artists, "artist.changed", artist.id);
    // Again: the same ids, so a consumer skips what it applied.
    const again = await read("song.changed");
    const ids = (list: DomainEvent[]) => new Map(list.map((e) => [(e.payload as { songId: string }).songId, e.id]));
    for (const songId of songIds) expect(ids(again).get(songId)).toBe(ids(songs).get(songId));
  });

  it("queues them for a consumer of the three types (a test manifest of its own)", async () => {
    const prefix = `test:catalog-backfill:${randomUUID()}:bull`;
    const silent = logRecorder().log;
    const jobs = createJobs({ redisUrl: inject("redisUrl"), prefix, log: silent, failFast: true });
    const manifest = parseManifest(
      JSON.stringify({
        router: { port: 1 },
        subgraphs: [
          { name: "catalog", port: 2, consumes: [] },
          { name: "probe", port: 3, consumes: ["song.changed", "collection.changed", "artist.changed"] },
        ],
      }),
    );
    // As `pnpm events:backfill` reads it: catalog's client on the owner's connection.
    const ownerDb = createDb({ databaseUrl: inject("databaseUrl") });
    try {
      const { songIds } = await asOwner().publishedAlbum(2);
      const reports = await backfill({
        consumer: "probe",
        producers: [{ name: "catalog", db: ownerDb, events }],
        jobs,
        log: silent,
        manifest,
      });
      expect(reports.map((r) => [r.source, r.types])).toEqual([
        ["current state", ["song.changed"]],
        ["current state", ["collection.changed"]],
        ["current state", ["artist.changed"]],
      ]);
      expect(reports[0]!.events).toBeGreaterThanOrEqual(2);
      // Queued under the outbox's event ids (job ids are the run's own, kit/src/backfill.ts).
      const queued = await jobs.queue<DomainEvent>(queueOf("probe")).getWaiting(0, -1);
      for (const songId of songIds) {
        const [last] = (await eventsOf("song.changed", songId)).slice(-1);
        expect(queued.find((job) => job.data.id === last!.id)?.data.payload).toEqual(last!.payload);
      }
    } finally {
      await jobs.queue(queueOf("probe")).obliterate({ force: true });
      await jobs.close();
      await ownerDb.$disconnect();
    }
  });
});
