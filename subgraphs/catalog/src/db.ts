// The catalog subgraph's Prisma client, on its own Postgres schema through the pg driver adapter.
import { createPrismaClient, type DbOptions } from "@melodi/kit";
import { PrismaClient } from "./generated/prisma/client.ts";

export type Db = PrismaClient;
export { Prisma } from "./generated/prisma/client.ts";
export type { CollectionType } from "./generated/prisma/client.ts";

export type { DbOptions };

export function createDb(opts: DbOptions): Db {
  // search_path: raw search SQL calls pg_trgm's functions, installed in "catalog".
  return createPrismaClient(PrismaClient, "catalog", opts, "-c search_path=catalog");
}
