// Builds and starts the library subgraph from explicit settings (main.ts reads them from the
// environment; tests pass their own). createLibrary makes everything but the listening socket,
// so tests can also run the schema in process.
import {
  bullPrefix,
  createAuthenticator,
  createJobs,
  createLogger,
  createOutbox,
  createPubSub,
  createRedis,
  DateTime,
  schemaModule,
  startEventConsumer,
  startSubgraph,
  storeHealth,
} from "@melodi/kit";
import type { CreatedSubgraph, RunningService, ServiceConfig } from "@melodi/kit";
import type { Context, Services } from "./context.ts";
import { createDb } from "./db.ts";
import { createLoaders } from "./loaders.ts";
import { events } from "./events.ts";
import { resolvers as playlists } from "./playlists/resolvers.ts";
import { resolvers as live } from "./playlists/live.ts";
import { resolvers as likes } from "./likes/resolvers.ts";
import { resolvers as saves } from "./saves/resolvers.ts";
import { resolvers as follows } from "./follows/resolvers.ts";
import { resolvers as yourLibrary } from "./yourLibrary/resolvers.ts";

export type LibraryConfig = ServiceConfig;

/** The library's stores, schema and context, not listening; `subgraph.onStop` closes the stores. */
export async function createLibrary(
  config: Omit<LibraryConfig, "port" | "host">,
): Promise<CreatedSubgraph<Context, Services>> {
  const log = config.log ?? createLogger("library");
  const db = createDb({ databaseUrl: config.databaseUrl, onQuery: config.onQuery });
  // Redis holds the token revocations every subgraph checks (ARCHITECTURE.md §4).
  const redis = createRedis(config.redisUrl, config.redisKeyPrefix);
  const queuePrefix = bullPrefix(config.redisKeyPrefix);
  const jobs = createJobs({ redisUrl: config.redisUrl, prefix: queuePrefix, log: log.child({ component: "jobs" }) });
  // What library knows of users and the catalog arrives as their events.
  startEventConsumer({
    subgraph: "library",
    db,
    jobs,
    log: log.child({ component: "events" }),
    handlers: events.handlers,
  });
  const outbox = createOutbox({
    db,
    schema: "library",
    produces: events.produces,
    redisUrl: config.redisUrl,
    prefix: queuePrefix,
    log: log.child({ component: "outbox" }),
  });
  const services: Services = {
    db,
    outbox,
    pubsub: createPubSub(redis, { log: log.child({ component: "pubsub" }) }),
  };

  const room = (file: string, resolvers: object) => schemaModule<Context>(import.meta.url, file, resolvers);
  const modules = [
    room("./schema.graphql", { DateTime }),
    room("./playlists/playlists.graphql", playlists),
    room("./playlists/live.graphql", live),
    room("./likes/likes.graphql", likes),
    room("./saves/saves.graphql", saves),
    room("./follows/follows.graphql", follows),
    room("./yourLibrary/yourLibrary.graphql", yourLibrary),
  ];

  return {
    services,
    subgraph: {
      name: "library",
      modules,
      log,
      development: config.development,
      subgraphSecret: config.subgraphSecret,
      authenticator: createAuthenticator({ keys: config.publicKeys, redis }),
      createContext: (base) => ({ ...base, ...services, loaders: createLoaders(db, base.viewer) }),
      health: storeHealth(db, redis),
      onStop: async () => {
        await outbox.close();
        await jobs.close();
        await services.pubsub.close();
        await db.$disconnect();
        redis.disconnect();
      },
    },
  };
}

export async function startLibrary(config: LibraryConfig): Promise<RunningService & { services: Services }> {
  const { services, subgraph } = await createLibrary(config);
  return { ...(await startSubgraph(subgraph, config.port, config.host)), services };
}
