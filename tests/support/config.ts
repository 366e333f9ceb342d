// Settings the test services share, whether they listen (stack.ts) or run in process
// (inProcess.ts): the run's database (each service as its own role, tests/setup/global.ts), its
// Redis under a key prefix of the caller's own, so test files never share state, and media in
// a temporary folder.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";
import type { Logger } from "@melodi/kit";
import type { CatalogConfig } from "../../subgraphs/catalog/src/service.ts";
import type { UsersConfig } from "../../subgraphs/users/src/service.ts";
import type { MediaConfig } from "../../subgraphs/catalog/src/media/config.ts";
import { testKeys } from "./keys.ts";

export type ServiceSettings<T> = Omit<T, "port" | "host">;

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

interface TestServiceOptions {
  redisKeyPrefix: string;
  log?: Logger;
  onQuery?: (sql: string) => void;
}

export function usersTestConfig(
  opts: TestServiceOptions & { keys?: ReturnType<typeof testKeys> },
): ServiceSettings<UsersConfig> {
  const keys = opts.keys ?? testKeys();
  return {
    databaseUrl: inject("serviceDatabaseUrls").users!,
    redisUrl: inject("redisUrl"),
    redisKeyPrefix: opts.redisKeyPrefix,
    signingKey: keys.signingKey,
    publicKeys: keys.publicKeys,
    limits: TEST_AUTH_LIMITS,
    development: false,
    log: opts.log,
    onQuery: opts.onQuery,
  };
}

/**
 * The catalog's settings, with a new media folder (`media.dir`, the caller removes it). The
 * transcoding worker runs only when `media` is given (and its `worker` is not false).
 */
export function catalogTestConfig(
  opts: TestServiceOptions & { publicKeys?: Record<string, string>; media?: Partial<MediaConfig> },
): ServiceSettings<CatalogConfig> & { media: { dir: string } } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "melodi-media-"));
  return {
    databaseUrl: inject("serviceDatabaseUrls").catalog!,
    redisUrl: inject("redisUrl"),
    redisKeyPrefix: opts.redisKeyPrefix,
    // No key verifies anything in process: the viewer is given (tokens are the HTTP tests' part).
    publicKeys: opts.publicKeys ?? {},
    development: false,
    log: opts.log,
    media: testMedia(dir, opts.media),
    onQuery: opts.onQuery,
  };
}
