// A subgraph in the test process without a port: built once per test file on the run's database
// (as the service's own role) and Redis (a key prefix of the file's own), each operation run
// with an explicit caller. Answers are what a client would read, errors masked the same way.
// No token is signed or checked here: the viewer is given as the subgraph would have verified
// it; token verification is covered by the HTTP and router tests (tests/router/auth.test.ts).
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildSubgraph, type CreatedSubgraph, type OperationResult, type RequestBase, type Role } from "@melodi/kit";
import { createCatalog, type CatalogConfig } from "../../subgraphs/catalog/src/service.ts";
import { createLibrary } from "../../subgraphs/library/src/service.ts";
import { createNotifications } from "../../subgraphs/notifications/src/service.ts";
import { createMetrics } from "../../subgraphs/metrics/src/service.ts";
import type { PushConfig } from "../../subgraphs/notifications/src/push/config.ts";
import { sqlLog, subgraphTestConfig, testRedisPrefix } from "./config.ts";
import { testKeys } from "./keys.ts";
import type { Send } from "./catalog.ts";

/** Who calls: null is signed out. */
export type TestViewer = { id: string; role: Role } | null;

/** A caller with this role and a new id. */
export const viewerWith = (role: Role): NonNullable<TestViewer> => ({ id: randomUUID(), role });

export interface InProcess<TServices, TContext> {
  services: TServices;
  query<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    opts?: { viewer?: TestViewer; signal?: AbortSignal },
  ): Promise<OperationResult<T>>;
  /** Operations as one caller (for the content builders of support/catalog.ts). */
  as(viewer: TestViewer): Send;
  /** A request's context as the subgraph makes it, to call its own functions (access rules) directly. */
  context(viewer: TestViewer): TContext;
  stop(): Promise<void>;
}

async function inProcess<TContext extends RequestBase, TServices>(
  created: CreatedSubgraph<TContext, TServices>,
  cleanUp = () => {},
) {
  const built = await buildSubgraph(created.subgraph);
  const base = (viewer: TestViewer = null, signal?: AbortSignal): RequestBase => {
    const requestId = randomUUID();
    return {
      viewer: viewer && { ...viewer, sessionId: randomUUID() },
      requestId,
      log: created.subgraph.log.child({ requestId }),
      clientIp: "127.0.0.1",
      signal,
    };
  };
  const query = <T>(
    query: string,
    variables?: Record<string, unknown>,
    opts: { viewer?: TestViewer; signal?: AbortSignal } = {},
  ) => built.execute<T>({ query, variables }, base(opts.viewer, opts.signal));
  const running: InProcess<TServices, TContext> = {
    services: created.services,
    query,
    as: (viewer) => (doc, variables) => query(doc, variables, { viewer }),
    context: (viewer) => created.subgraph.createContext(base(viewer)),
    async stop() {
      await built.stop();
      await created.subgraph.onStop?.();
      cleanUp();
    },
  };
  return running;
}

/** The catalog subgraph in process (no transcoding worker), counting the SQL statements it sends. */
export async function inProcessCatalog() {
  const sql = sqlLog();
  const mediaDir = mkdtempSync(path.join(os.tmpdir(), "melodi-media-"));
  // No token is verified in process (the viewer is given), so any key set will do.
  const config = await subgraphTestConfig("catalog", {
    keys: testKeys(),
    redisKeyPrefix: testRedisPrefix(),
    onQuery: sql.onQuery,
    mediaDir,
  });
  const running = await inProcess(await createCatalog(config as CatalogConfig), () =>
    rmSync(mediaDir, { recursive: true, force: true }),
  );
  return {
    ...running,
    /** Resets the statement counter and returns a function that reads it. */
    countSql: () => sql.reset(),
  };
}

export type InProcessCatalog = Awaited<ReturnType<typeof inProcessCatalog>>;

/** The library subgraph in process, counting the SQL statements it sends. */
export async function inProcessLibrary() {
  const sql = sqlLog();
  const config = await subgraphTestConfig("library", {
    keys: testKeys(),
    redisKeyPrefix: testRedisPrefix(),
    onQuery: sql.onQuery,
    mediaDir: "",
  });
  const running = await inProcess(await createLibrary(config));
  return {
    ...running,
    /** Resets the statement counter and returns a function that reads it. */
    countSql: () => sql.reset(),
    sql,
  };
}

export type InProcessLibrary = Awaited<ReturnType<typeof inProcessLibrary>>;

/** The notifications subgraph in process, counting the SQL statements it sends. */
export async function inProcessNotifications(opts: { push?: Partial<PushConfig> } = {}) {
  const sql = sqlLog();
  const config = await subgraphTestConfig("notifications", {
    keys: testKeys(),
    redisKeyPrefix: testRedisPrefix(),
    onQuery: sql.onQuery,
    mediaDir: "",
    push: opts.push,
  });
  const running = await inProcess(await createNotifications(config));
  return { ...running, countSql: () => sql.reset() };
}

/** The metrics subgraph in process (its rollup job not running: tests call rollUp), counting its SQL. */
export async function inProcessMetrics() {
  const sql = sqlLog();
  const config = await subgraphTestConfig("metrics", {
    keys: testKeys(),
    redisKeyPrefix: testRedisPrefix(),
    onQuery: sql.onQuery,
    mediaDir: "",
  });
  const running = await inProcess(await createMetrics({ ...config, rollupWorker: false }));
  return { ...running, countSql: () => sql.reset() };
}
