// Settings every service reads from its environment, with the same names everywhere
// (README "Configuration", docker-compose.yml, subgraphs.json's COMMON_SUBGRAPH_ENV).
import { parsePublicKeys, type PublicKeys } from "./auth.ts";
import type { Logger } from "./logger.ts";
import { loadManifest } from "./manifest.ts";

export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set.`);
  return value;
}

/** What every subgraph's start() takes; each subgraph's config adds its own settings. */
export interface ServiceConfig {
  port: number;
  /** Interface to listen on; 0.0.0.0 in containers. */
  host?: string;
  databaseUrl: string;
  redisUrl: string;
  /** Keeps environments sharing a Redis apart (tests use one per file). */
  redisKeyPrefix?: string;
  publicKeys: PublicKeys;
  /** Sandbox, introspection and detailed validation messages; off in production. */
  development?: boolean;
  /** SUBGRAPH_SECRET: GraphQL is answered only to requests carrying it (the router's). */
  subgraphSecret?: string;
  /** Called for every SQL statement; tests count statements per request. */
  onQuery?: (sql: string) => void;
  log?: Logger;
}

/** The settings of COMMON_SUBGRAPH_ENV; PORT defaults to the subgraph's port in subgraphs.json. */
export function commonConfig(env: NodeJS.ProcessEnv, subgraph: string): ServiceConfig {
  const entry = loadManifest().subgraphs.find((s) => s.name === subgraph);
  if (!entry) throw new Error(`${subgraph} is not in subgraphs.json`);
  const port = Number(env.PORT ?? entry.port);
  if (!Number.isInteger(port) || port < 0) throw new Error(`PORT must be a port number, not "${env.PORT}".`);
  if (env.NODE_ENV === "production" && !env.SUBGRAPH_SECRET)
    throw new Error("SUBGRAPH_SECRET is not set (the secret the router proves itself with).");
  return {
    port,
    host: env.HOST ?? "127.0.0.1",
    databaseUrl: requireEnv(env, "DATABASE_URL"),
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    publicKeys: parsePublicKeys(env.JWT_PUBLIC_KEYS),
    development: env.NODE_ENV !== "production",
    subgraphSecret: env.SUBGRAPH_SECRET || undefined,
  };
}

/** A positive integer setting, or undefined when unset or empty (the caller's default applies). */
export function positiveIntEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer.`);
  return n;
}

/**
 * What the local stack gives a subgraph's demo seed (`seedDemo` in its src/demo.ts, run in
 * subgraphs.json order on `pnpm start`): the database owner's URL, the same settings its service
 * gets, and what earlier seeds made that later ones refer to (users puts the demo artist's id).
 */
export interface DemoSeed {
  databaseUrl: string;
  env: NodeJS.ProcessEnv;
  log: (msg: string) => void;
  shared: Record<string, string | undefined>;
}
