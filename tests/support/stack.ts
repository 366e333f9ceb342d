// Starts real services in the test process (users subgraph, optionally the router) against the
// run's database and Redis, with a Redis key prefix of their own so test files never share
// state, and counts the SQL statements the subgraph sends.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { startUsers } from "../../subgraphs/users/src/service.ts";
import type { AuthLimitSettings } from "../../subgraphs/users/src/accounts/limits.ts";
import { startRouter } from "../../router/src/router.ts";
import { startCatalog, type CatalogConfig } from "../../subgraphs/catalog/src/service.ts";
import type { MediaConfig } from "../../subgraphs/catalog/src/media/config.ts";
import type { QueryLimits } from "../../router/src/queryLimits.ts";
import { testKeys } from "./keys.ts";
import { RELAY_TAG, type Logger } from "@melodi/kit";

export interface StackOptions {
  router?: boolean;
  /** Start the catalog subgraph (always on with the router: the supergraph needs it). */
  catalog?: boolean;
  limits?: AuthLimitSettings;
  requestsPerMinute?: number;
  trustedProxyHops?: number;
  queryLimits?: QueryLimits;
  usersPort?: number;
  /**
   * Catalog media settings. Media always lives in a temporary folder of the stack's own; the
   * transcoding worker runs only when this is given (and `worker` is not false).
   */
  media?: Partial<MediaConfig>;
  /** Loggers for the services (default: silent). */
  logs?: { users?: Logger; router?: Logger; catalog?: Logger };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

export const ROOT = path.resolve(import.meta.dirname, "../..");

export async function startStack(opts: StackOptions = {}) {
  const keys = testKeys();
  const redisKeyPrefix = `test:${randomBytes(4).toString("hex")}:`;
  // Each service as its own role, as deployed (tests/setup/global.ts).
  const serviceUrls = inject("serviceDatabaseUrls");
  const redisUrl = inject("redisUrl");
  const sql = { count: 0, statements: [] as string[] };
  const catalogSql = { count: 0, statements: [] as string[] };
  const usersConfig = {
    port: opts.usersPort ?? 0,
    databaseUrl: serviceUrls.users!,
    redisUrl,
    redisKeyPrefix,
    signingKey: keys.signingKey,
    publicKeys: keys.publicKeys,
    limits: opts.limits ?? { loginPerIpPerMinute: 1000, failedLoginsPerAccount: 1000, registerPerIpPerHour: 1000 },
    development: false,
    log: opts.logs?.users,
    onQuery: (statement: string) => {
      // The outbox relay polls in the background (every second): not part of any request.
      if (statement.includes(RELAY_TAG)) return;
      sql.count += 1;
      sql.statements.push(statement);
    },
  };
  let users = await startUsers(usersConfig);
  const mediaDir = mkdtempSync(path.join(os.tmpdir(), "melodi-media-"));
  const catalogConfig: CatalogConfig = {
    port: 0,
    databaseUrl: serviceUrls.catalog!,
    redisUrl,
    redisKeyPrefix,
    publicKeys: keys.publicKeys,
    development: false,
    log: opts.logs?.catalog,
    media: { dir: mediaDir, urlSecret: "test-media-secret", maxAudioBytes: 2 * 1024 * 1024, maxImageBytes: 512 * 1024, jobBackoffMs: 50, worker: Boolean(opts.media), ...opts.media },
    onQuery: (statement: string) => {
      if (statement.includes(RELAY_TAG)) return; // catalog's outbox relay polls too
      catalogSql.count += 1;
      catalogSql.statements.push(statement);
    },
  };
  const catalog = opts.catalog || opts.router ? await startCatalog(catalogConfig) : undefined;
  const router = opts.router
    ? await startRouter({
        port: 0,
        supergraphPath: path.join(ROOT, "schema/supergraph.graphql"),
        subgraphUrls: { users: users.url, ...(catalog ? { catalog: catalog.url } : {}) },
        redisUrl,
        redisKeyPrefix,
        publicKeys: keys.publicKeys,
        development: false,
        requestsPerMinute: opts.requestsPerMinute ?? 100_000,
        trustedProxyHops: opts.trustedProxyHops,
        queryLimits: opts.queryLimits,
        maxBodyBytes: 256 * 1024,
        log: opts.logs?.router,
      })
    : undefined;

  return {
    keys,
    sql,
    get users() {
      return users;
    },
    router,
    catalog,
    /** How the catalog was started: another replica of it starts from the same (tests of scaling out). */
    catalogConfig,
    mediaDir,
    /** Resets the catalog's statement counter and returns a function that reads it. */
    countCatalogSql() {
      catalogSql.count = 0;
      catalogSql.statements = [];
      return () => catalogSql.count;
    },
    catalogSql,
    /** Resets the statement counter and returns a function that reads it. */
    countSql() {
      sql.count = 0;
      sql.statements = [];
      return () => sql.count;
    },
    /** Stops the users subgraph (for outage tests). */
    async stopUsers() {
      await users.stop();
    },
    /** Starts the users subgraph again on the same port. */
    async restartUsers() {
      users = await startUsers({ ...usersConfig, port: users.port });
    },
    async stop() {
      await router?.stop();
      await catalog?.stop();
      await users.stop().catch(() => {});
      rmSync(mediaDir, { recursive: true, force: true });
    },
  };
}
