// Back-fill (kit/src/backfill.ts, `pnpm events:backfill`) on the real database and Redis: a
// consumer that subscribed late gets the producers' retained events in its queue, applies each
// once, and skips one it already applied when it is replayed; a producer's current-state source
// replaces its outbox for that type.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { backfill, createJobs, defineEvents, parseManifest, queueOf, type DomainEvent } from "@melodi/kit";
import { logRecorder } from "../support/logRecorder.ts";
import { runBackfill } from "../../scripts/events/backfill.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { accountWithRole, createArtist, publishedAlbum } from "../support/catalog.ts";
import { signInAdmin } from "../support/admin.ts";
import { createDb as createUsersDb } from "../../subgraphs/users/src/db.ts";
import { eventually } from "../support/wait.ts";

const silent = logRecorder().log;

describe("events:backfill", () => {
  const catalogLog = logRecorder();
  let stack: Stack;
  const owner = createUsersDb({ databaseUrl: inject("databaseUrl") });
  beforeAll(async () => {
    stack = await startStack({ router: true, logs: { catalog: catalogLog.log } });
  });
  afterAll(async () => {
    await stack?.stop();
    await owner.$disconnect();
  });

  it("replays a delivered user.deleted to catalog, which applies it once and skips the replay", async () => {
    const url = stack.router!.url;
    const admin = await signInAdmin(stack, url);
    const manager = await accountWithRole(stack, url, "ARTIST");
    const artist = await createArtist(url, admin.accessToken, { managerUserIds: [manager.id] });
    // An event users delivered a day ago, before catalog consumed it (so catalog never saw it).
    const eventId = randomUUID();
    await owner.$executeRawUnsafe(
      `INSERT INTO "users"."OutboxEvent" ("id", "type", "payload", "createdAt", "deliveredAt")
       VALUES ($1::uuid, 'user.deleted', $2::jsonb, now() - interval '1 day', now() - interval '1 day')`,
      eventId,
      JSON.stringify({ userId: manager.id }),
    );
    const managers = () =>
      stack.catalog!.services.db.artistManager.count({ where: { artistId: artist.id, userId: manager.id } });
    const keyPrefix = stack.catalogConfig.redisKeyPrefix;
    const run = () =>
      runBackfill({
        consumer: "catalog",
        databaseUrl: inject("databaseUrl"),
        redisUrl: inject("redisUrl"),
        keyPrefix,
        log: silent,
      });

    const [report] = await run();
    expect(report).toMatchObject({ producer: "users", source: "outbox", types: ["user.deleted"] });
    expect(report!.events).toBeGreaterThanOrEqual(1);
    expect(await eventually(async () => (await managers()) === 0)).toBe(true);
    expect(await stack.catalog!.services.db.processedEvent.count({ where: { id: eventId } })).toBe(1);

    // Replayed by a second run (each run queues under job ids of its own): the consumer must
    // skip it, so the manager added back since stays.
    await stack.catalog!.services.db.artistManager.create({ data: { artistId: artist.id, userId: manager.id } });
    await run();
    const skipped = () => catalogLog.lines.some((l) => l.obj.eventId === eventId && l.obj.applied === false);
    expect(await eventually(skipped)).toBe(true);
    expect(await managers()).toBe(1);
  });

  it("fills a library that lost what it knew of the catalog and of users from their current state", async () => {
    const url = stack.router!.url;
    const artist = await accountWithRole(stack, url, "ARTIST");
    const album = await publishedAlbum(url, artist.accessToken, 3);
    const library = stack.library!.services.db;
    const knows = async () =>
      (await library.catalogSong.count({ where: { id: { in: album.songIds }, listed: true } })) === 3 &&
      (await library.catalogCollection.count({ where: { id: album.collectionId, listed: true } })) === 1 &&
      (await library.userProfile.count({ where: { id: artist.id } })) === 1;
    expect(await eventually(knows)).toBe(true);
    // As a fresh library database would be for these: no record, no applied event. (Only this
    // test's rows: other files share the database.)
    const outboxIds = await owner.$queryRawUnsafe<{ id: string }[]>(
      `SELECT "id"::text FROM "catalog"."OutboxEvent" WHERE "payload"->>'songId' = ANY($1) OR "payload"->>'collectionId' = $2`,
      album.songIds,
      album.collectionId,
    );
    await owner.$executeRawUnsafe(`DELETE FROM "library"."CatalogSong" WHERE "id" = ANY($1::uuid[])`, album.songIds);
    await owner.$executeRawUnsafe(
      `DELETE FROM "library"."CatalogCollection" WHERE "id" = $1::uuid`,
      album.collectionId,
    );
    await owner.$executeRawUnsafe(`DELETE FROM "library"."UserProfile" WHERE "id" = $1::uuid`, artist.id);
    await owner.$executeRawUnsafe(
      `DELETE FROM "library"."ProcessedEvent" WHERE "id" = ANY($1::uuid[])`,
      outboxIds.map((r) => r.id),
    );
    expect(await knows()).toBe(false);

    const reports = await runBackfill({
      consumer: "library",
      databaseUrl: inject("databaseUrl"),
      redisUrl: inject("redisUrl"),
      keyPrefix: stack.redisKeyPrefix,
      log: silent,
    });
    // Catalog's three types and users' user.changed from current state; user.deleted from the outbox.
    expect(new Set(reports.map((r) => `${r.producer}: ${r.source}`))).toEqual(
      new Set(["catalog: current state", "users: current state", "users: outbox"]),
    );
    expect(await eventually(knows)).toBe(true);
    const song = await library.catalogSong.findUniqueOrThrow({ where: { id: album.songIds[0]! } });
    expect(song).toMatchObject({ collectionId: album.collectionId, artistIds: [album.artist.id], listed: true });
  });
});

describe("back-fill from a producer's current state", () => {
  it("queues the source's events instead of the outbox's, with their own ids", async () => {
    const prefix = `test:backfill:${randomUUID()}:bull`;
    const jobs = createJobs({ redisUrl: inject("redisUrl"), prefix, log: silent, failFast: true });
    const manifest = parseManifest(
      JSON.stringify({ router: { port: 1 }, subgraphs: [{ name: "probe", port: 2, consumes: ["user.deleted"] }] }),
    );
    const occurredAt = new Date().toISOString();
    const state = [0, 1, 2].map(
      (): DomainEvent<"user.deleted"> => ({
        id: randomUUID(),
        type: "user.deleted",
        payload: { userId: randomUUID() },
        occurredAt,
      }),
    );
    // The users outbox holds a user.deleted: with a current-state source, it is not replayed.
    const db = createUsersDb({ databaseUrl: inject("databaseUrl") });
    const inOutbox = randomUUID();
    const row = `INSERT INTO "users"."OutboxEvent" ("id", "type", "payload", "deliveredAt") VALUES ($1::uuid, 'user.deleted', '{}'::jsonb, now())`;
    await db.$executeRawUnsafe(row, inOutbox);
    const events = defineEvents({
      produces: ["user.deleted"],
      handlers: {},
      currentState: {
        async *"user.deleted"() {
          yield state.slice(0, 2);
          yield state.slice(2);
        },
      },
    });
    try {
      const reports = await backfill({
        consumer: "probe",
        producers: [{ name: "users", db, events }],
        jobs,
        log: silent,
        manifest,
      });
      expect(reports).toEqual([{ producer: "users", source: "current state", types: ["user.deleted"], events: 3 }]);
      const queued = await jobs.queue<DomainEvent>(queueOf("probe")).getWaiting();
      expect(queued.map((j) => j.data.id).sort()).toEqual(state.map((e) => e.id).sort());
      expect(queued.map((j) => j.data.id)).not.toContain(inOutbox);
      expect(queued.find((j) => j.data.id === state[0]!.id)?.data).toEqual(state[0]);
    } finally {
      await jobs.queue(queueOf("probe")).obliterate({ force: true });
      await jobs.close();
      await db.$disconnect();
    }
  });
});
