// Events between subgraphs (kit/src/events.ts, ARCHITECTURE.md §6): the outbox written with the
// change, the relay to BullMQ, and subscribers that apply each event once. The first test goes
// end to end: an admin deletes an account in users, and catalog stops naming it as a manager.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { applyEvent, createOutbox, queueOf, type DomainEvent, type EventHandlers } from "@melodi/kit";
import { startStack, type Stack } from "../support/stack.ts";
import { gql } from "../support/graphql.ts";
import { accountWithRole, createArtist } from "../support/catalog.ts";
import { signInAdmin } from "../support/admin.ts";
import { createDb as createUsersDb } from "../../subgraphs/users/src/db.ts";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = await startStack({ router: true });
  url = stack.router!.url;
});
afterAll(() => stack?.stop());

const silent = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child() {
    return silent;
  },
} as never;
const usersDb = () => stack.users.services.db;
const catalogDb = () => stack.catalog!.services.db;

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() - started > timeoutMs) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("user.deleted, from users to catalog", () => {
  it("drops a deleted account from the artists it managed; the artist's page keeps working", async () => {
    const admin = await signInAdmin(stack, url);
    const manager = await accountWithRole(stack, url, "ARTIST");
    const coManager = await accountWithRole(stack, url, "ARTIST");
    const artist = await createArtist(url, admin.accessToken, { managerUserIds: [manager.id, coManager.id] });
    // A field only users can answer: a manager users no longer knows would make the list, and
    // with it the artist, null (this is what happened before the event existed).
    const MANAGERS = `query($id: ID!) { artist(id: $id) { id managers { id role } } }`;
    const before = await gql(url, MANAGERS, { id: artist.id }, { token: admin.accessToken });
    expect(before.data.artist.managers.map((m: { id: string }) => m.id).sort()).toEqual(
      [manager.id, coManager.id].sort(),
    );

    const deleted = await gql(
      url,
      `mutation($input: DeleteUserInput!) { deleteUser(input: $input) { deletedUserId userErrors { code } } }`,
      { input: { userId: manager.id } },
      { token: admin.accessToken },
    );
    expect(deleted.data.deleteUser.deletedUserId).toBe(manager.id);

    const rows = await eventually(
      () =>
        stack.catalog!.services.db.artistManager.findMany({ where: { artistId: artist.id }, select: { userId: true } }),
      (found) => found.length === 1,
    );
    expect(rows).toEqual([{ userId: coManager.id }]);
    const after = await gql(url, MANAGERS, { id: artist.id }, { token: admin.accessToken });
    expect(after.errors).toBeUndefined();
    expect(after.data.artist.managers).toEqual([{ id: coManager.id, role: "ARTIST" }]);
    // The event is marked delivered in the users outbox, and recorded as applied in catalog.
    const [outboxRow] = await usersDb().$queryRawUnsafe<{ id: string; deliveredAt: Date | null }[]>(
      `SELECT "id"::text AS id, "deliveredAt" FROM "users"."OutboxEvent" WHERE "type" = 'user.deleted' AND "payload"->>'userId' = $1`,
      manager.id,
    );
    expect(outboxRow?.deliveredAt).toBeInstanceOf(Date);
    expect(await stack.catalog!.services.db.processedEvent.count({ where: { id: outboxRow!.id } })).toBe(1);
  });
});

describe("the outbox relay", () => {
  // An outbox of its own (a copy of the users one), so the stack's relay never sees these rows,
  // and a BullMQ prefix of its own, so no subscriber takes the jobs before the test reads them.
  // Made and used as the database owner: the users service's role may not create schemas.
  const schema = `outbox_test_${randomBytes(6)
    .toString("hex")
    .replace(/[0-9]/g, (d) => "abcdefghij"[Number(d)]!)}`;
  const prefix = `test:outbox:${randomUUID()}:bull`;
  const owner = createUsersDb({ databaseUrl: inject("databaseUrl") });
  const ownerDb = () => owner;
  /** The test schema's outbox, relaying to `redis` (users' event types), with no timer. */
  const outbox = (redis: string) =>
    createOutbox({
      db: owner,
      schema,
      produces: ["user.deleted"],
      redisUrl: redis,
      prefix,
      log: silent,
      autostart: false,
    });
  beforeAll(async () => {
    await ownerDb().$executeRawUnsafe(`CREATE SCHEMA "${schema}"`);
    await ownerDb().$executeRawUnsafe(
      `CREATE TABLE "${schema}"."OutboxEvent" (LIKE "users"."OutboxEvent" INCLUDING ALL)`,
    );
  });
  afterAll(async () => {
    await ownerDb().$executeRawUnsafe(`DROP SCHEMA "${schema}" CASCADE`);
    await owner.$disconnect();
  });

  it("keeps an event while Redis cannot take it, and relays it once it can, to every subscriber", async () => {
    const userId = randomUUID();
    const down = outbox("redis://127.0.0.1:1");
    const id = await ownerDb().$transaction((tx) => down.record(tx, "user.deleted", { userId }));
    const undelivered = () =>
      ownerDb().$queryRawUnsafe<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM "${schema}"."OutboxEvent" WHERE "deliveredAt" IS NULL`,
      );

    await expect(down.flush()).rejects.toThrow();
    await down.close();
    expect(await undelivered()).toEqual([{ n: 1 }]);

    const up = outbox(redisUrl);
    expect(await up.flush()).toBe(1);
    expect(await up.flush()).toBe(0);
    await up.close();
    expect(await undelivered()).toEqual([{ n: 0 }]);

    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(queueOf("catalog"), { connection, prefix });
    try {
      const job = await queue.getJob(id);
      expect(job?.data).toMatchObject({ id, type: "user.deleted", payload: { userId } });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
  });
  it("leaves an event of a type it does not know (a newer producer's) undelivered", async () => {
    const id = randomUUID();
    await ownerDb().$executeRawUnsafe(
      `INSERT INTO "${schema}"."OutboxEvent" ("id", "type", "payload") VALUES ($1::uuid, 'song.remixed', '{}'::jsonb)`,
      id,
    );
    const relay = outbox(redisUrl);
    try {
      expect(await relay.flush()).toBe(0);
    } finally {
      await relay.close();
    }
    const [row] = await ownerDb().$queryRawUnsafe<{ deliveredAt: Date | null }[]>(
      `SELECT "deliveredAt" FROM "${schema}"."OutboxEvent" WHERE "id" = $1::uuid`,
      id,
    );
    expect(row).toEqual({ deliveredAt: null });
  });
});

describe("applying events", () => {
  const event = (): DomainEvent<"user.deleted"> => ({
    id: randomUUID(),
    type: "user.deleted",
    payload: { userId: randomUUID() },
    occurredAt: new Date().toISOString(),
  });

  it("applies an event once, however often it arrives", async () => {
    let calls = 0;
    const handlers: EventHandlers = { "user.deleted": async () => void calls++ };
    const e = event();
    expect(await applyEvent(catalogDb(), "catalog", handlers, e)).toBe(true);
    expect(await applyEvent(catalogDb(), "catalog", handlers, e)).toBe(false);
    expect(calls).toBe(1);
  });

  it("records nothing when its handler fails, so the retry applies it", async () => {
    const e = event();
    const failing: EventHandlers = {
      "user.deleted": async (_event, tx) => {
        await tx.$executeRawUnsafe(
          `DELETE FROM "catalog"."ArtistManager" WHERE "userId" = $1::uuid`,
          _event.payload.userId,
        );
        throw new Error("catalog hiccup");
      },
    };
    await expect(applyEvent(catalogDb(), "catalog", failing, e)).rejects.toThrow("catalog hiccup");
    expect(await stack.catalog!.services.db.processedEvent.count({ where: { id: e.id } })).toBe(0);
    let applied = 0;
    expect(await applyEvent(catalogDb(), "catalog", { "user.deleted": async () => void applied++ }, e)).toBe(true);
    expect(applied).toBe(1);
  });
});
