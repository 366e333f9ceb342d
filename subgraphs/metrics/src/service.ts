// Builds and starts the metrics subgraph from explicit settings (main.ts reads them from the
// environment; tests pass their own). createMetrics makes everything but the listening socket,
// so tests can also run the schema in process.
import {
  bullPrefix,
  createAuthenticator,
  createJobs,
  createLogger,
  createPubSub,
  createRedis,
  DateTime,
  schemaModule,
  startEventConsumer,
  startSubgraph,
  storeHealth,
} from "@melodi/kit";
import type { CreatedSubgraph, Jobs, RunningService, ServiceConfig } from "@melodi/kit";
import type { Context, Services } from "./context.ts";
import { createDb } from "./db.ts";
import { events } from "./events.ts";
import { createLoaders } from "./loaders.ts";
import { resolvers as playback } from "./playback/resolvers.ts";
import { resolvers as history } from "./history/resolvers.ts";
import { resolvers as songs } from "./songs/resolvers.ts";
import { resolvers as artists } from "./artists/resolvers.ts";
import { resolvers as rankings } from "./rankings/resolvers.ts";
import { resolvers as statistics } from "./statistics/resolvers.ts";
import { resolvers as friends } from "./friends/resolvers.ts";
import { resolvers as recommendations } from "./recommendations/resolvers.ts";
import { startRollups } from "./rollups/rollup.ts";

export type MetricsConfig = ServiceConfig & {
  /** ROLLUP_WORKER=false: this replica runs no rollup job (default: it does). */
  rollupWorker?: boolean;
};

export async function createMetrics(
  config: Omit<MetricsConfig, "port" | "host">,
): Promise<CreatedSubgraph<Context, Services & { jobs: Jobs }>> {
  const log = config.log ?? createLogger("metrics");
  const db = createDb({ databaseUrl: config.databaseUrl, onQuery: config.onQuery });
  // Redis holds the token revocations every subgraph checks (ARCHITECTURE.md §4).
  const redis = createRedis(config.redisUrl, config.redisKeyPrefix);
  const jobs = createJobs({
    redisUrl: config.redisUrl,
    prefix: bullPrefix(config.redisKeyPrefix),
    log: log.child({ component: "jobs" }),
  });
  const pubsub = createPubSub(redis, { log: log.child({ component: "pubsub" }) });
  const services: Services = { db, pubsub };
  startEventConsumer({
    subgraph: "metrics",
    db,
    jobs,
    log: log.child({ component: "events" }),
    handlers: events.handlers,
  });
  if (config.rollupWorker !== false) await startRollups(db, jobs);

  const room = (file: string, resolvers: object) => schemaModule<Context>(import.meta.url, file, resolvers);
  const modules = [
    room("./schema.graphql", { DateTime }),
    room("./playback/playback.graphql", playback),
    room("./history/history.graphql", history),
    room("./songs/songs.graphql", songs),
    room("./artists/artists.graphql", artists),
    room("./rankings/rankings.graphql", rankings),
    room("./statistics/statistics.graphql", statistics),
    room("./friends/friends.graphql", friends),
    room("./recommendations/recommendations.graphql", recommendations),
  ];

  return {
    services: { ...services, jobs },
    subgraph: {
      name: "metrics",
      modules,
      log,
      development: config.development,
      subgraphSecret: config.subgraphSecret,
      authenticator: createAuthenticator({ keys: config.publicKeys, redis }),
      createContext: (base) => ({ ...base, ...services, loaders: createLoaders(db) }),
      health: storeHealth(db, redis),
      onStop: async () => {
        await jobs.close();
        await pubsub.close();
        await db.$disconnect();
        redis.disconnect();
      },
    },
  };
}

export async function startMetrics(
  config: MetricsConfig,
): Promise<RunningService & { services: Services & { jobs: Jobs } }> {
  const { services, subgraph } = await createMetrics(config);
  return { ...(await startSubgraph(subgraph, config.port, config.host)), services };
}
