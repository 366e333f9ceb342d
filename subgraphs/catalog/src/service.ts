// Builds and starts the catalog subgraph from explicit settings (main.ts reads them from the
// environment; tests pass their own). createCatalog makes everything but the listening socket,
// so tests can also run the schema in process.
import path from "node:path";
import {
  bullPrefix,
  CalendarDate,
  createAuthenticator,
  createJobs,
  createLogger,
  createOutbox,
  createPubSub,
  createRedis,
  DateTime,
  redisReady,
} from "@melodi/kit";
import {
  schemaModule,
  startEventConsumer,
  startSubgraph,
  storeHealth,
  type CreatedSubgraph,
  type RunningService,
  type ServiceConfig,
} from "@melodi/kit";
import type { Context, Services } from "./context.ts";
import { createDb } from "./db.ts";
import { createLoaders } from "./loaders.ts";
import { resolvers as artists } from "./artists/resolvers.ts";
import { resolvers as collections } from "./collections/resolvers.ts";
import { resolvers as songs } from "./songs/resolvers.ts";
import { resolvers as genres } from "./genres/resolvers.ts";
import { resolvers as picks } from "./picks/resolvers.ts";
import { resolvers as search } from "./search/resolvers.ts";
import { resolvers as media } from "./media/resolvers.ts";
import { mediaConfig, type MediaConfig } from "./media/config.ts";
import { createLocalStorage } from "./media/storage.ts";
import { createUploads, UPLOADS_PATH } from "./media/uploads.ts";
import { createUploadLocker } from "./media/uploadLocks.ts";
import { events } from "./events.ts";
import { createTranscoder } from "./media/transcode.ts";
import { createUploadCleanup } from "./media/cleanup.ts";
import { createSearchCache } from "./search/cache.ts";
import {
  createMediaAuthRoute,
  createMediaRoute,
  createUrlSigner,
  MEDIA_AUTH_PATH,
  MEDIA_PATH,
} from "./media/streaming.ts";

export interface CatalogConfig extends ServiceConfig {
  /** How long a search result is cached (0: off). Default 60 s. */
  searchCacheTtlSeconds?: number;
  /** Uploads, storage, transcoding and streaming (media/config.ts has the defaults). */
  media?: Partial<MediaConfig>;
}

export interface CreatedCatalog extends CreatedSubgraph<Context, Services> {
  /** Where the service listens (`http://host:port`): streaming URLs point there unless media.publicUrl says otherwise. */
  listeningAt(origin: string): void;
}

/** The catalog's stores, schema, context and routes, not listening; `subgraph.onStop` closes the stores. */
export async function createCatalog(config: Omit<CatalogConfig, "port" | "host">): Promise<CreatedCatalog> {
  const log = config.log ?? createLogger("catalog");
  const db = createDb({ databaseUrl: config.databaseUrl, onQuery: config.onQuery });
  // Redis holds the token revocations every subgraph checks (ARCHITECTURE.md §4).
  const redis = createRedis(config.redisUrl, config.redisKeyPrefix);
  const authenticator = createAuthenticator({ keys: config.publicKeys, redis });

  const queuePrefix = bullPrefix(config.redisKeyPrefix);
  // Media and maintenance jobs, and the events catalog consumes, share one set of queues.
  const jobs = createJobs({ redisUrl: config.redisUrl, prefix: queuePrefix, log: log.child({ component: "jobs" }) });
  // Messages between replicas (upload locks), on one subscriber connection for the process.
  const pubsub = createPubSub(redis, { log: log.child({ component: "pubsub" }) });
  const mediaSettings = mediaConfig(config.media);
  const storage = createLocalStorage(path.join(mediaSettings.dir, "store"));
  let ownUrl = "";
  const urls = createUrlSigner({
    secret: mediaSettings.urlSecret,
    ttlSeconds: mediaSettings.urlTtlSeconds,
    publicUrl: () => mediaSettings.publicUrl ?? ownUrl,
  });
  const uploadLog = log.child({ component: "uploads" });
  const uploadLocker = createUploadLocker(redis, pubsub, { log: uploadLog });
  const uploads = createUploads({
    dir: path.join(mediaSettings.dir, "uploads"),
    limits: mediaSettings,
    authenticator,
    db,
    log: uploadLog,
    locker: uploadLocker,
  });
  const transcoder = createTranscoder({
    db,
    storage,
    log: log.child({ component: "transcode" }),
    jobs,
    ffmpegPath: mediaSettings.ffmpegPath,
    ffprobePath: mediaSettings.ffprobePath,
    workDir: path.join(mediaSettings.dir, "work"),
    worker: mediaSettings.worker,
    concurrency: mediaSettings.workerConcurrency,
    attempts: mediaSettings.jobAttempts,
    backoffMs: mediaSettings.jobBackoffMs,
  });
  const cleanup = await createUploadCleanup({
    db,
    uploads,
    log: log.child({ component: "cleanup" }),
    jobs,
    worker: mediaSettings.worker,
  });
  // Events from other subgraphs; catalog's own are written by triggers (events.ts) and relayed below.
  startEventConsumer({
    subgraph: "catalog",
    db,
    jobs,
    log: log.child({ component: "events" }),
    handlers: events.handlers,
  });
  const outboxLog = log.child({ component: "outbox" });
  const outbox = createOutbox({
    db,
    schema: "catalog",
    produces: events.produces,
    redisUrl: config.redisUrl,
    prefix: queuePrefix,
    log: outboxLog,
  });
  const searchCache = createSearchCache(redis, config.searchCacheTtlSeconds ?? 60, log.child({ component: "search" }));
  // Writes made outside this service (seeds, migrations) must not be hidden by old entries (a
  // Redis that is away at start-up gets the bump before the cache is used).
  await redisReady(redis, 2000).catch(() => {});
  await searchCache.changed();
  const services: Services = { db, searchCache, outbox, media: { storage, uploads, transcoder, urls, cleanup } };

  const room = (file: string, resolvers: object) => schemaModule<Context>(import.meta.url, file, resolvers);
  const modules = [
    room("./schema.graphql", { DateTime, Date: CalendarDate, Publishable: { __resolveType: () => null } }),
    room("./artists/artists.graphql", artists),
    room("./collections/collections.graphql", collections),
    room("./songs/songs.graphql", songs),
    room("./genres/genres.graphql", genres),
    room("./picks/picks.graphql", picks),
    room("./search/search.graphql", search),
    room("./media/media.graphql", media),
  ];

  return {
    services,
    listeningAt: (origin) => {
      ownUrl = origin;
    },
    subgraph: {
      name: "catalog",
      modules,
      log,
      development: config.development,
      subgraphSecret: config.subgraphSecret,
      authenticator,
      routes: { [MEDIA_AUTH_PATH]: createMediaAuthRoute({ signer: urls }) },
      prefixRoutes: {
        [`${UPLOADS_PATH}/`]: uploads.handle,
        [`${MEDIA_PATH}/`]: createMediaRoute({ storage, signer: urls }),
      },
      createContext: (base) => ({ ...base, ...services, loaders: createLoaders(db, base.viewer) }),
      health: storeHealth(db, redis),
      onStop: async () => {
        await outbox.close();
        await jobs.close();
        await uploadLocker.close();
        await pubsub.close();
        await db.$disconnect();
        redis.disconnect();
      },
    },
  };
}

export async function startCatalog(config: CatalogConfig): Promise<RunningService & { services: Services }> {
  const created = await createCatalog(config);
  const running = await startSubgraph(created.subgraph, config.port, config.host);
  const host = !config.host || config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  created.listeningAt(`http://${host}:${running.port}`);
  return { ...running, services: created.services };
}
