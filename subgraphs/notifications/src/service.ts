// Builds and starts the notifications subgraph from explicit settings (main.ts reads them from
// the environment; tests pass their own). createNotifications makes everything but the listening
// socket, so tests can also run the schema in process.
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
import type { CreatedSubgraph, RunningService, ServiceConfig } from "@melodi/kit";
import type { Context, Services } from "./context.ts";
import { createDb } from "./db.ts";
import { events } from "./events.ts";
import { announce } from "./inbox/notify.ts";
import { resolvers as inbox } from "./inbox/resolvers.ts";
import { resolvers as preferences } from "./preferences/resolvers.ts";
import { resolvers as push } from "./push/resolvers.ts";
import { resolvers as announcements } from "./announcements/resolvers.ts";
import { createLoaders } from "./loaders.ts";
import { PUSH_DEFAULTS, type PushConfig } from "./push/config.ts";
import { createExpo, type PushService } from "./push/expo.ts";
import { notificationJobs, startNotificationWorkers } from "./jobs/schedule.ts";

export type NotificationsConfig = ServiceConfig & {
  push?: Partial<PushConfig>;
  /** Instead of expo-server-sdk's client (none of the tests need it: they run a fake Expo server). */
  expo?: PushService;
};

export async function createNotifications(
  config: Omit<NotificationsConfig, "port" | "host">,
): Promise<CreatedSubgraph<Context, Services>> {
  const log = config.log ?? createLogger("notifications");
  const db = createDb({ databaseUrl: config.databaseUrl, onQuery: config.onQuery });
  // Redis holds the token revocations every subgraph checks (ARCHITECTURE.md §4).
  const redis = createRedis(config.redisUrl, config.redisKeyPrefix);
  const jobs = createJobs({
    redisUrl: config.redisUrl,
    prefix: bullPrefix(config.redisKeyPrefix),
    log: log.child({ component: "jobs" }),
  });
  const pubsub = createPubSub(redis, { log: log.child({ component: "pubsub" }) });
  const pushConfig: PushConfig = { ...PUSH_DEFAULTS, ...config.push };
  const expo = config.expo ?? createExpo(pushConfig);
  const workOptions = { db, jobs, pubsub, expo, push: pushConfig, log: log.child({ component: "push" }) };
  const work = notificationJobs(workOptions);
  const services: Services = { db, pubsub, jobs, work };
  // Notifications come from other subgraphs' events; each one made is announced once committed,
  // and its pushes handed to a send job (a lost hand-over waits for the hourly sweep).
  startEventConsumer({
    subgraph: "notifications",
    db,
    jobs,
    log: log.child({ component: "events" }),
    handlers: events.handlers,
    afterApply: async (event) => {
      await announce(db, pubsub, event.id);
      const pushes = await db.pushDelivery.count({
        where: { status: "PENDING", notification: { eventId: event.id } },
      });
      if (pushes) await work.sendSoon(event.type);
    },
  });
  if (pushConfig.worker) await startNotificationWorkers(workOptions, work);

  const room = (file: string, resolvers: object) => schemaModule<Context>(import.meta.url, file, resolvers);
  const modules = [
    room("./schema.graphql", { DateTime }),
    room("./inbox/inbox.graphql", inbox),
    room("./preferences/preferences.graphql", preferences),
    room("./push/push.graphql", push),
    room("./announcements/announcements.graphql", announcements),
  ];

  return {
    services,
    subgraph: {
      name: "notifications",
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

export async function startNotifications(
  config: NotificationsConfig,
): Promise<RunningService & { services: Services }> {
  const { services, subgraph } = await createNotifications(config);
  return { ...(await startSubgraph(subgraph, config.port, config.host)), services };
}
