// The one list of subgraphs (subgraphs.json at the repository root), as data: codegen,
// composition, the dev stack, migrations and roles, the test set-up, the deploy checks and the
// event relay all read it. ARCHITECTURE.md "Add a subgraph" says what an entry holds.
import { readFileSync } from "node:fs";
import path from "node:path";

export interface SubgraphEntry {
  /** Folder under subgraphs/ and prisma/, Postgres schema, compose service, role melodi_<name>. */
  name: string;
  /** Where it listens locally (`pnpm start`); <NAME>_PORT moves it. */
  port: number;
  /**
   * Settings its main.ts reads beyond the ones every subgraph reads (COMMON_SUBGRAPH_ENV):
   * `required` must be given to its container, `optional` have defaults.
   */
  env: { required: string[]; optional: string[] };
  /** Event types it consumes; the producers' relays queue those events for it. */
  consumes: string[];
  /** Codegen mappers: GraphQL type name -> type exported by the subgraph's src/models.ts. */
  mappers: Record<string, string>;
}

export interface Manifest {
  router: { port: number };
  subgraphs: SubgraphEntry[];
}

/** What every subgraph's main.ts reads (the kit's commonConfig, plus PORT and HOST). */
export const COMMON_SUBGRAPH_ENV = {
  required: ["NODE_ENV", "HOST", "PORT", "DATABASE_URL", "REDIS_URL", "JWT_PUBLIC_KEYS", "SUBGRAPH_SECRET"],
  optional: ["LOG_LEVEL"],
} as const;

export const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");
export const MANIFEST_PATH = path.join(REPO_ROOT, "subgraphs.json");

const NAME = /^[a-z][a-z0-9]*$/;

function fail(message: string): never {
  throw new Error(`${path.relative(process.cwd(), MANIFEST_PATH) || MANIFEST_PATH}: ${message}`);
}

const strings = (value: unknown, where: string): string[] => {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) fail(`${where} must be a list of strings`);
  return value as string[];
};

/** Reads and checks the manifest; a malformed entry fails here, with its name, not later. */
export function parseManifest(text: string): Manifest {
  const raw = JSON.parse(text) as { router?: { port?: unknown }; subgraphs?: unknown };
  if (!raw.router || !Number.isInteger(raw.router.port)) fail("router.port must be an integer");
  if (!Array.isArray(raw.subgraphs) || raw.subgraphs.length === 0) fail("subgraphs must be a non-empty list");
  const seen = new Set<string>();
  const ports = new Set<number>([raw.router.port as number]);
  const subgraphs = raw.subgraphs.map(
    (entry: Partial<Record<keyof SubgraphEntry, unknown>>, i: number): SubgraphEntry => {
      const name = entry.name;
      if (typeof name !== "string" || !NAME.test(name)) fail(`subgraphs[${i}].name must match ${NAME}`);
      if (seen.has(name)) fail(`subgraph ${name} is listed twice`);
      seen.add(name);
      if (!Number.isInteger(entry.port) || ports.has(entry.port as number))
        fail(`${name}.port must be an integer no other service uses`);
      ports.add(entry.port as number);
      const env = (entry.env ?? {}) as { required?: unknown; optional?: unknown };
      const mappers = entry.mappers ?? {};
      if (typeof mappers !== "object" || Object.values(mappers).some((v) => typeof v !== "string"))
        fail(`${name}.mappers must map type names to model names`);
      return {
        name,
        port: entry.port as number,
        env: {
          required: strings(env.required ?? [], `${name}.env.required`),
          optional: strings(env.optional ?? [], `${name}.env.optional`),
        },
        consumes: strings(entry.consumes ?? [], `${name}.consumes`),
        mappers: mappers as Record<string, string>,
      };
    },
  );
  return { router: { port: raw.router.port as number }, subgraphs };
}

let cached: Manifest | undefined;

export function loadManifest(): Manifest {
  cached ??= parseManifest(readFileSync(MANIFEST_PATH, "utf8"));
  return cached;
}

/** The subgraphs' names, in manifest order. */
export const subgraphNames = (manifest = loadManifest()): string[] => manifest.subgraphs.map((s) => s.name);

/** The subgraphs that consume an event type (the relay's routing). */
export function consumersOf(type: string, manifest = loadManifest()): string[] {
  return manifest.subgraphs.filter((s) => s.consumes.includes(type)).map((s) => s.name);
}

/** Environment variable that names a subgraph's database role password, e.g. USERS_DB_PASSWORD. */
export const dbPasswordVariable = (name: string) => `${name.toUpperCase()}_DB_PASSWORD`;
/** Environment variable that moves a subgraph's local port, e.g. CATALOG_PORT. */
export const portVariable = (name: string) => `${name.toUpperCase()}_PORT`;
