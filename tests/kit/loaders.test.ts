// The kit's loader shapes (kit/src/loaders.ts) on the real database: one statement per batch,
// none where the answer is known without one. A table of their own, in a schema of their own.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { byIds, grouped, viewerSet, type Viewer } from "@melodi/kit";
import { createDb } from "../../subgraphs/users/src/db.ts";

const schema = `loaders_test_${randomBytes(6)
  .toString("hex")
  .replace(/[0-9]/g, (d) => "abcdefghij"[Number(d)]!)}`;
const statements: string[] = [];
const db = createDb({ databaseUrl: inject("databaseUrl"), onQuery: (sql) => statements.push(sql) });
const counted = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  statements.length = 0;
  const value = await work();
  return [value, statements.length];
};

interface Item {
  id: string;
  parent: string;
  owner: string;
}
const ids = [randomUUID(), randomUUID(), randomUUID()];
const owner = randomUUID();
const items: Item[] = [
  { id: ids[0]!, parent: "a", owner },
  { id: ids[1]!, parent: "a", owner: randomUUID() },
  { id: ids[2]!, parent: "b", owner },
];
const select = (where: string, ...values: unknown[]) =>
  db.$queryRawUnsafe<Item[]>(
    `SELECT "id"::text AS id, "parent", "owner"::text AS owner FROM "${schema}"."Item" WHERE ${where} ORDER BY "id"`,
    ...values,
  );

beforeAll(async () => {
  await db.$executeRawUnsafe(`CREATE SCHEMA "${schema}"`);
  await db.$executeRawUnsafe(
    `CREATE TABLE "${schema}"."Item" ("id" uuid PRIMARY KEY, "parent" text NOT NULL, "owner" uuid NOT NULL)`,
  );
  for (const item of items)
    await db.$executeRawUnsafe(
      `INSERT INTO "${schema}"."Item" VALUES ($1::uuid, $2, $3::uuid)`,
      item.id,
      item.parent,
      item.owner,
    );
});
afterAll(async () => {
  await db.$executeRawUnsafe(`DROP SCHEMA "${schema}" CASCADE`);
  await db.$disconnect();
});

describe("byIds", () => {
  const loader = () => byIds<Item>((wanted) => select(`"id" = ANY($1::uuid[])`, wanted));

  it("answers every id of a tick with one statement, null for unknown and malformed ids", async () => {
    const missing = randomUUID();
    const [rows, n] = await counted(() => loader().loadMany([ids[1]!, "not-a-uuid", missing, ids[0]!]));
    expect(rows).toEqual([items[1], null, null, items[0]]);
    expect(n).toBe(1);
  });

  it("sends no statement when no id could name a row", async () => {
    const [rows, n] = await counted(() => loader().loadMany(["", "42", "x' OR 1=1 --"]));
    expect(rows).toEqual([null, null, null]);
    expect(n).toBe(0);
  });
});

describe("grouped", () => {
  it("gives each key its rows in load order, [] for a key with none, in one statement", async () => {
    const children = grouped(
      (row: Item) => row.parent,
      (parents: string[]) => select(`"parent" = ANY($1::text[])`, parents),
    );
    const [lists, n] = await counted(() => Promise.all(["b", "none", "a"].map((key) => children.load(key))));
    expect(lists).toEqual([
      [items[2]],
      [],
      items.filter((i) => i.parent === "a").sort((x, y) => x.id.localeCompare(y.id)),
    ]);
    expect(n).toBe(1);
  });

  it("folds each key's rows into one value (a count), the empty value for a key with none", async () => {
    const counts = grouped(
      (row: { parent: string; n: number }) => row.parent,
      (parents: string[]) => {
        const sql = `SELECT "parent", count(*)::int AS n FROM "${schema}"."Item" WHERE "parent" = ANY($1::text[]) GROUP BY "parent"`;
        return db.$queryRawUnsafe<{ parent: string; n: number }[]>(sql, parents);
      },
      (rows) => rows[0]?.n ?? 0,
    );
    const [values, n] = await counted(() => counts.loadMany(["a", "b", "none"]));
    expect(values).toEqual([2, 1, 0]);
    expect(n).toBe(1);
  });
});

describe("viewerSet", () => {
  const owns = (viewer: Viewer | null) =>
    viewerSet(viewer, async (viewerId, wanted) =>
      (await select(`"owner" = $1::uuid AND "id" = ANY($2::uuid[])`, viewerId, wanted)).map((row) => row.id),
    );

  it("tells, per id, whether it is in the viewer's set, in one statement", async () => {
    const [answers, n] = await counted(() => owns({ id: owner, role: "USER", sessionId: randomUUID() }).loadMany(ids));
    expect(answers).toEqual([true, false, true]);
    expect(n).toBe(1);
  });

  it("answers false without a viewer, and sends nothing", async () => {
    const [answers, n] = await counted(() => owns(null).loadMany(ids));
    expect(answers).toEqual([false, false, false]);
    expect(n).toBe(0);
  });
});
