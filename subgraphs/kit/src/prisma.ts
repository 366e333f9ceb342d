// What every subgraph needs of Prisma: its client on the subgraph's own schema, and its errors.
import { PrismaPg } from "@prisma/adapter-pg";

/**
 * Whether an error is Prisma's unique-constraint violation (P2002) on a constraint that
 * mentions `column`: how "already taken" reaches us, race-free, from the database itself.
 */
export function isUniqueViolation(err: unknown, column: string): boolean {
  if (!err || typeof err !== "object" || (err as { code?: unknown }).code !== "P2002") return false;
  return JSON.stringify((err as { meta?: unknown }).meta ?? {}).includes(column);
}

export interface DbOptions {
  databaseUrl: string;
  /** Called for every SQL statement; tests use it to count statements per request. */
  onQuery?: (sql: string) => void;
  poolSize?: number;
}

/** What a generated PrismaClient's constructor takes, as far as the kit sets it. */
interface ClientOptions {
  adapter: PrismaPg;
  log: { emit: "event"; level: "query" }[];
}

/**
 * A subgraph's Prisma client, on its own Postgres schema through the pg driver adapter (a pool of
 * `poolSize`, 10 by default), reporting each statement to `onQuery` when given. `pgOptions` are
 * the connection's startup options (e.g. a search_path).
 */
export function createPrismaClient<C>(
  Client: new (options: ClientOptions) => C,
  schema: string,
  opts: DbOptions,
  pgOptions?: string,
): C {
  const adapter = new PrismaPg(
    { connectionString: opts.databaseUrl, max: opts.poolSize ?? 10, ...(pgOptions ? { options: pgOptions } : {}) },
    { schema },
  );
  const db = new Client({ adapter, log: opts.onQuery ? [{ emit: "event", level: "query" }] : [] });
  if (opts.onQuery) {
    const onQuery = opts.onQuery;
    (db as unknown as { $on(event: "query", cb: (e: { query: string }) => void): void }).$on("query", (e) =>
      onQuery(e.query),
    );
  }
  return db;
}
