// The metrics subgraph's Prisma client, on its own Postgres schema through the pg driver adapter.
import { createPrismaClient, type DbOptions } from "@melodi/kit";
import { PrismaClient } from "./generated/prisma/client.ts";

export type Db = PrismaClient;
export { Prisma } from "./generated/prisma/client.ts";
export type {
  Play as PlayRow,
  SongRecord as SongRecordRow,
  Ranking as RankingRow,
} from "./generated/prisma/client.ts";

export type { DbOptions };

/** Today (UTC) in SQL: the day every rollup is keyed by. */
export const TODAY = "(now() AT TIME ZONE 'UTC')::date";

export function createDb(opts: DbOptions): Db {
  return createPrismaClient(PrismaClient, "metrics", opts);
}
