// Settings every service reads from its environment, with the same names everywhere
// (README "Configuration", docker-compose.yml).
import { parsePublicKeys, type PublicKeys } from "./auth.ts";

export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set.`);
  return value;
}

export interface CommonConfig {
  databaseUrl: string;
  redisUrl: string;
  publicKeys: PublicKeys;
  development: boolean;
}

export function commonConfig(env: NodeJS.ProcessEnv): CommonConfig {
  return {
    databaseUrl: requireEnv(env, "DATABASE_URL"),
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    publicKeys: parsePublicKeys(env.JWT_PUBLIC_KEYS),
    development: env.NODE_ENV !== "production",
  };
}
