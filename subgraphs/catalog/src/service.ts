// Builds and starts the catalog subgraph from explicit settings (main.ts reads them from the
// environment; tests pass their own).
import { readFileSync } from "node:fs";
import { parse } from "graphql";
import type { GraphQLResolverMap } from "@apollo/subgraph";
import { CalendarDate, createAuthenticator, createLogger, createRedis, DateTime, startSubgraph, type Logger, type PublicKeys, type RunningService } from "@melodi/kit";
import type { Context, Services } from "./context.ts";
import { createDb } from "./db.ts";
import { createLoaders } from "./loaders.ts";
import { resolvers as artists } from "./artists/resolvers.ts";
import { resolvers as collections } from "./collections/resolvers.ts";
import { resolvers as songs } from "./songs/resolvers.ts";
import { resolvers as genres } from "./genres/resolvers.ts";
import { resolvers as picks } from "./picks/resolvers.ts";
import { resolvers as search } from "./search/resolvers.ts";

export interface CatalogConfig {
  port: number;
  host?: string;
  databaseUrl: string;
  redisUrl: string;
  redisKeyPrefix?: string;
  publicKeys: PublicKeys;
  development?: boolean;
  onQuery?: (sql: string) => void;
  log?: Logger;
}

function sdl(relative: string) {
  return parse(readFileSync(new URL(relative, import.meta.url), "utf8"));
}

export async function startCatalog(config: CatalogConfig): Promise<RunningService & { services: Services }> {
  const log = config.log ?? createLogger("catalog");
  const db = createDb({ databaseUrl: config.databaseUrl, onQuery: config.onQuery });
  // Redis holds the token revocations every subgraph checks (DESIGN.md §4).
  const redis = createRedis(config.redisUrl, config.redisKeyPrefix);
  const services: Services = { db };

  const modules = [
    { typeDefs: sdl("./schema.graphql"), resolvers: { DateTime, Date: CalendarDate, Publishable: { __resolveType: () => null } } },
    { typeDefs: sdl("./artists/artists.graphql"), resolvers: artists },
    { typeDefs: sdl("./collections/collections.graphql"), resolvers: collections },
    { typeDefs: sdl("./songs/songs.graphql"), resolvers: songs },
    { typeDefs: sdl("./genres/genres.graphql"), resolvers: genres },
    { typeDefs: sdl("./picks/picks.graphql"), resolvers: picks },
    { typeDefs: sdl("./search/search.graphql"), resolvers: search },
  ].map((m) => ({ typeDefs: m.typeDefs, resolvers: m.resolvers as GraphQLResolverMap<Context> }));

  const running = await startSubgraph<Context>(
    {
      name: "catalog",
      modules,
      log,
      development: config.development,
      authenticator: createAuthenticator({ keys: config.publicKeys, redis }),
      createContext: (base) => ({ ...base, ...services, loaders: createLoaders(db, base.viewer) }),
      health: {
        database: () => db.$queryRaw`SELECT 1`,
        redis: () => redis.ping(),
      },
    },
    config.port,
    config.host,
  );
  return {
    ...running,
    services,
    async stop() {
      await running.stop();
      await db.$disconnect();
      redis.disconnect();
    },
  };
}
