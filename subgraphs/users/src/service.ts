// Builds and starts the users subgraph from explicit settings (main.ts reads them from the
// environment; tests pass their own).
import { bullPrefix, createAuthenticator, createLogger, createOutbox, createRedis, DateTime, schemaModule, startSubgraph, storeHealth } from "@melodi/kit";
import type { Logger, PublicKeys, RunningService } from "@melodi/kit";
import type { Context, Services } from "./context.ts";
import { createDb } from "./db.ts";
import { createLoaders } from "./loaders.ts";
import { events } from "./events.ts";
import { createAuthLimits, DEFAULT_AUTH_LIMITS, type AuthLimitSettings } from "./accounts/limits.ts";
import type { SigningKey } from "./accounts/tokens.ts";
import { resolvers as accounts } from "./accounts/resolvers.ts";
import { resolvers as profiles } from "./profiles/resolvers.ts";
import { resolvers as follows } from "./follows/resolvers.ts";
import { resolvers as admin } from "./admin/resolvers.ts";

export interface UsersConfig {
  port: number;
  /** Interface to listen on; 0.0.0.0 in containers. */
  host?: string;
  databaseUrl: string;
  redisUrl: string;
  redisKeyPrefix?: string;
  signingKey: SigningKey;
  publicKeys: PublicKeys;
  limits?: AuthLimitSettings;
  development?: boolean;
  onQuery?: (sql: string) => void;
  log?: Logger;
}

export async function startUsers(config: UsersConfig): Promise<RunningService & { services: Services }> {
  const log = config.log ?? createLogger("users");
  const db = createDb({ databaseUrl: config.databaseUrl, onQuery: config.onQuery });
  const redis = createRedis(config.redisUrl, config.redisKeyPrefix);
  const outbox = createOutbox({
    db,
    schema: "users",
    produces: events.produces,
    redisUrl: config.redisUrl,
    prefix: bullPrefix(config.redisKeyPrefix),
    log: log.child({ component: "outbox" }),
  });
  const services: Services = { db, redis, signingKey: config.signingKey, limits: createAuthLimits(redis, config.limits ?? DEFAULT_AUTH_LIMITS), outbox };

  const room = (file: string, resolvers: object) => schemaModule<Context>(import.meta.url, file, resolvers);
  const modules = [
    room("./schema.graphql", { DateTime }),
    room("./accounts/accounts.graphql", accounts),
    room("./profiles/profiles.graphql", profiles),
    room("./follows/follows.graphql", follows),
    room("./admin/admin.graphql", admin),
  ];

  const running = await startSubgraph<Context>(
    {
      name: "users",
      modules,
      log,
      development: config.development,
      authenticator: createAuthenticator({ keys: config.publicKeys, redis }),
      createContext: (base) => ({ ...base, ...services, loaders: createLoaders(db, base.viewer) }),
      health: storeHealth(db, redis),
      onStop: async () => {
        await outbox.close();
        await db.$disconnect();
        redis.disconnect();
      },
    },
    config.port,
    config.host,
  );
  return { ...running, services };
}
