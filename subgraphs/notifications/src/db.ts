// The notifications subgraph's Prisma client, on its own Postgres schema through the pg driver adapter.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export type Db = PrismaClient;
export { Prisma } from "./generated/prisma/client.ts";
export type { Notification as NotificationRow } from "./generated/prisma/client.ts";

export interface DbOptions {
  databaseUrl: string;
  /** Called for every SQL statement; tests use it to count statements per request. */
  onQuery?: (sql: string) => void;
  poolSize?: number;
}

export function createDb(opts: DbOptions): Db {
  const adapter = new PrismaPg(
    { connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 },
    { schema: "notifications" },
  );
  const db = new PrismaClient({ adapter, log: opts.onQuery ? [{ emit: "event", level: "query" }] : [] });
  if (opts.onQuery) {
    const onQuery = opts.onQuery;
    (db as PrismaClient<"query">).$on("query", (e) => onQuery(e.query));
  }
  return db;
}
