// How a test configures a subgraph, whether it listens (stack.ts) or runs in process
// (inProcess.ts): through the subgraph's own configFromEnv, as deployed, on the run's database
// (each service as its own role, tests/setup/global.ts) and Redis under a key prefix of the
// caller's own, so test files never share state; then the test's hooks (statement counter,
// logger) and the few settings only tests choose.
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { RELAY_TAG, type Logger, type ServiceConfig } from "@melodi/kit";
import type { AuthLimitSettings } from "../../subgraphs/users/src/accounts/limits.ts";
import type { CatalogConfig } from "../../subgraphs/catalog/src/service.ts";
import type { UsersConfig } from "../../subgraphs/users/src/service.ts";
import type { NotificationsConfig } from "../../subgraphs/notifications/src/service.ts";
import type { PushConfig } from "../../subgraphs/notifications/src/push/config.ts";
import type { MediaConfig } from "../../subgraphs/catalog/src/media/config.ts";
import { subgraphMain } from "../../scripts/stack.ts";
import { TEST_SUBGRAPH_SECRET, type testKeys } from "./keys.ts";

/** Sign-in and sign-up limits high enough that tests never meet them by accident. */
export const TEST_AUTH_LIMITS = { loginPerIpPerMinute: 1000, failedLoginsPerAccount: 1000, registerPerIpPerHour: 1000 };

/** Media settings in `dir`: small limits, fast retries, and a transcoding worker only when `media` is given. */
export function testMedia(dir: string, media?: Partial<MediaConfig>): Partial<MediaConfig> & { dir: string } {
  return {
    dir,
    urlSecret: "test-media-secret",
    maxAudioBytes: 2 * 1024 * 1024,
    maxImageBytes: 512 * 1024,
    jobBackoffMs: 50,
    worker: Boolean(media),
    ...media,
  };
}

export function testRedisPrefix(): string {
  return `test:${randomBytes(4).toString("hex")}:`;
}

/** The SQL statements a subgraph sent, less the outbox relay's background polls (no request's). */
export interface SqlLog {
  count: number;
  statements: string[];
  onQuery(statement: string): void;
  /** Resets the log and returns a function that reads the count. */
  reset(): () => number;
}

export function sqlLog(): SqlLog {
  const log: SqlLog = {
    count: 0,
    statements: [],
    onQuery(statement) {
      if (statement.includes(RELAY_TAG)) return;
      log.count += 1;
      log.statements.push(statement);
    },
    reset() {
      log.count = 0;
      log.statements = [];
      return () => log.count;
    },
  };
  return log;
}

export interface TestConfigOptions {
  keys: ReturnType<typeof testKeys>;
  redisKeyPrefix: string;
  redisUrl?: string;
  log?: Logger;
  onQuery?: (statement: string) => void;
  /** The catalog's media folder (the caller makes and removes it), and media settings. */
  mediaDir: string;
  media?: Partial<MediaConfig>;
  limits?: AuthLimitSettings;
  /** Notifications' push settings (default: no worker, Expo unreachable). */
  push?: Partial<PushConfig>;
}

/** A subgraph's settings for a test: its configFromEnv on the run's stores, then the test's hooks. */
export async function subgraphTestConfig(name: string, opts: TestConfigOptions): Promise<ServiceConfig> {
  const main = await subgraphMain(name);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "test",
    PORT: "0",
    DATABASE_URL: inject("serviceDatabaseUrls")[name],
    REDIS_URL: opts.redisUrl ?? inject("redisUrl"),
    JWT_PUBLIC_KEYS: JSON.stringify(opts.keys.publicKeys),
    JWT_SIGNING_KID: opts.keys.signingKey.kid,
    JWT_SIGNING_KEY: opts.keys.signingKey.privateKey,
    SUBGRAPH_SECRET: TEST_SUBGRAPH_SECRET,
  };
  // What only a test sets, per subgraph (defaults that keep tests fast and independent).
  const onlyInTests: Record<string, () => object> = {
    users: (): Partial<UsersConfig> => ({ limits: opts.limits ?? TEST_AUTH_LIMITS }),
    catalog: (): Partial<CatalogConfig> => ({ media: testMedia(opts.mediaDir, opts.media) }),
    // No push worker unless the test runs one, and nothing reaches the real Expo.
    notifications: (): Partial<NotificationsConfig> => ({
      push: { worker: false, expoBaseUrl: "http://127.0.0.1:9", retryMinMs: 10, receiptDelayMs: 0, ...opts.push },
    }),
  };
  return {
    ...main.configFromEnv(env),
    redisKeyPrefix: opts.redisKeyPrefix,
    development: false,
    log: opts.log,
    onQuery: opts.onQuery,
    ...onlyInTests[name]?.(),
  };
}
