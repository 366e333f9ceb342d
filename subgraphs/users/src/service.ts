// Builds and starts the users subgraph from explicit settings (main.ts reads them from the
// environment; tests pass their own). createUsers makes everything but the listening socket,
// so tests can also run the schema in process.
import {
  bullPrefix,
  createAuthenticator,
  createLogger,
  createOutbox,
  createPubSub,
  createRedis,
  DateTime,
  schemaModule,
  startSubgraph,
  storeHealth,
} from "@melodi/kit";
import type { CreatedSubgraph, RunningService, ServiceConfig } from "@melodi/kit";
import type { Context, Services } from "./context.ts";
import { createDb } from "./db.ts";
import { createLoaders } from "./loaders.ts";
import { events } from "./events.ts";
import { createAuthLimits, DEFAULT_AUTH_LIMITS, type AuthLimitSettings } from "./accounts/limits.ts";
import type { SigningKey } from "./accounts/tokens.ts";
import { createRevocations } from "./accounts/revocations.ts";
import { resolvers as accounts } from "./accounts/resolvers.ts";
import { resolvers as profiles } from "./profiles/resolvers.ts";
import { resolvers as follows } from "./follows/resolvers.ts";
import { resolvers as admin } from "./admin/resolvers.ts";

export interface UsersConfig extends ServiceConfig {
  signingKey: SigningKey;
  limits?: AuthLimitSettings;
}

/** The users subgraph's stores, schema and context, not listening; `subgraph.onStop` closes the stores. */
export async function createUsers(
  config: Omit<UsersConfig, "port" | "host">,
): Promise<CreatedSubgraph<Context, Services>> {
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
  // The revocation cache every verifier reads is filled from this database before serving.
  const revocations = createRevocations({ db, redis, log: log.child({ component: "revocations" }) });
  await revocations.start();
  const services: Services = {
    db,
    redis,
    signingKey: config.signingKey,
    limits: createAuthLimits(redis, config.limits ?? DEFAULT_AUTH_LIMITS),
    revocations,
    outbox,
    pubsub: createPubSub(redis, { log: log.child({ component: "pubsub" }) }),
  };

  const room = (file: string, resolvers: object) => schemaModule<Context>(import.meta.url, file, resolvers);
  const modules = [
    room("./schema.graphql", { DateTime }),
    room("./accounts/accounts.graphql", accounts),
    room("./profiles/profiles.graphql", profiles),
    room("./follows/follows.graphql", follows),
    room("./admin/admin.graphql", admin),
  ];

  return {
    services,
    subgraph: {
      name: "users",
      modules,
      log,
      development: config.development,
      subgraphSecret: config.subgraphSecret,
      authenticator: createAuthenticator({ keys: config.publicKeys, redis }),
      createContext: (base) => ({ ...base, ...services, loaders: createLoaders(db, base.viewer) }),
      health: storeHealth(db, redis),
      onStop: async () => {
        revocations.close();
        await services.pubsub.close();
        await outbox.close();
        await db.$disconnect();
        redis.disconnect();
      },
    },
  };
}

export async function startUsers(config: UsersConfig): Promise<RunningService & { services: Services }> {
  const { services, subgraph } = await createUsers(config);
  return { ...(await startSubgraph(subgraph, config.port, config.host)), services };
}
