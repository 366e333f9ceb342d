// docker-compose.yml and the Dockerfile, checked by reading them: there is no Docker engine to
// run them here (ARCHITECTURE.md §1), so these tests hold the wiring a container run depends on.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { COMMON_SUBGRAPH_ENV, dbPasswordVariable, loadManifest, parseManifest } from "@melodi/kit/manifest";

const root = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}
interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: Healthcheck;
  ports?: (string | { target?: number; published?: number | string })[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const composeSource = read("docker-compose.yml");
const compose = parse(composeSource) as ComposeFile;
const services = compose.services ?? {};

const manifest = loadManifest();
const SUBGRAPH_NAMES = manifest.subgraphs.map((s) => s.name);

/** The services the stack needs: the stores, the one-shot jobs, every subgraph, the router, the edge. */
const SERVICES = ["postgres", "redis", "migrate", "seed", ...SUBGRAPH_NAMES, "router", "edge"];
const ONE_SHOT = new Set(["migrate", "seed"]);

/**
 * What each Melodi service reads from its environment (its main.ts, plus kit's config.ts for
 * subgraphs; for subgraphs, from subgraphs.json). `required`: the service fails without it, or
 * its default (127.0.0.1, development mode) is wrong inside a container. `optional`: read, with
 * a sensible default.
 */
const SERVICE_ENV: Record<string, { sources: string[]; required: string[]; optional: string[] }> = {
  migrate: {
    sources: ["scripts/db/migrate.ts"],
    required: ["DATABASE_URL", ...SUBGRAPH_NAMES.map(dbPasswordVariable)],
    optional: [],
  },
  seed: {
    sources: ["scripts/db/seed.ts"],
    required: ["DATABASE_URL", "ADMIN_EMAIL", "ADMIN_PASSWORD"],
    optional: ["ADMIN_HANDLE", "SEED_DEMO"],
  },
  ...Object.fromEntries(
    manifest.subgraphs.map((entry) => [
      entry.name,
      {
        sources: [`subgraphs/${entry.name}/src/main.ts`, "subgraphs/kit/src/config.ts"],
        required: [...COMMON_SUBGRAPH_ENV.required, ...entry.env.required],
        optional: [...COMMON_SUBGRAPH_ENV.optional, ...entry.env.optional],
      },
    ]),
  ),
  router: {
    sources: ["router/src/main.ts"],
    required: ["NODE_ENV", "HOST", "PORT", "REDIS_URL", "JWT_PUBLIC_KEYS", "SUBGRAPH_URLS", "SUBGRAPH_SECRET"],
    optional: [
      "LOG_LEVEL",
      "LIMIT_REQUESTS_PER_MINUTE",
      "MAX_OPERATION_COST",
      "SUPERGRAPH_PATH",
      "TRUSTED_PROXY_HOPS",
      "SUBGRAPH_TIMEOUT_MS",
      "FORWARD_HEADERS",
    ],
  },
};

/** Environment names a source file reads (`env.X`, `process.env.X`, `requireEnv(env, "X")`, `positiveIntEnv(env, "X")`). */
function envNamesReadBy(file: string): string[] {
  const source = read(file);
  const names = new Set<string>();
  for (const m of source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)) names.add(m[1]!);
  for (const m of source.matchAll(/(?:requireEnv|IntEnv)\(\s*\w+\s*,\s*"([A-Z][A-Z0-9_]*)"/g)) names.add(m[1]!);
  return [...names];
}

function environmentOf(name: string): Record<string, string> {
  const env = services[name]?.environment;
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const i = entry.indexOf("=");
        return i < 0 ? [entry, ""] : [entry.slice(0, i), entry.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? "" : String(v)]));
}

/** Compose interpolation: `${X:-default}` gives its default, other variables a `<X>` placeholder. */
function interpolate(value: string): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g,
    (_all, name: string, op: string | undefined, arg: string | undefined) =>
      op === ":-" || op === "-" ? (arg ?? "") : `<${name}>`,
  );
}

function dependenciesOf(name: string): Record<string, string | undefined> {
  const deps = services[name]?.depends_on;
  if (!deps) return {};
  // The short (list) form waits only for the container to start: record it as "no condition".
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([d, spec]) => [d, spec?.condition]));
}

/** Every service `name` waits for, directly or through other services. */
function waitsFor(name: string, seen = new Set<string>()): Set<string> {
  for (const dep of Object.keys(dependenciesOf(name))) {
    if (seen.has(dep)) continue;
    seen.add(dep);
    waitsFor(dep, seen);
  }
  return seen;
}

function healthcheckCommand(name: string): string {
  const test = services[name]?.healthcheck?.test;
  return Array.isArray(test) ? test.join(" ") : (test ?? "");
}

const portOf = (name: string) => Number(environmentOf(name).PORT);
const melodiServices = Object.keys(SERVICE_ENV);
const longRunning = SERVICES.filter((s) => !ONE_SHOT.has(s));

describe("docker-compose.yml", () => {
  it("defines postgres, redis, migrate, seed, users and router", () => {
    for (const name of SERVICES) expect(services, `service ${name}`).toHaveProperty(name);
    expect(services.postgres?.image).toMatch(/^postgres:15\b/);
    expect(services.redis?.image).toMatch(/^redis:7\b/);
  });

  it("waits on the right condition: healthy for long-running services, completed for one-shot jobs", () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dep, condition] of Object.entries(dependenciesOf(name))) {
        expect(services, `${name} depends on unknown service ${dep}`).toHaveProperty(dep);
        const expected = ONE_SHOT.has(dep) ? "service_completed_successfully" : "service_healthy";
        expect(condition, `${name} → ${dep}`).toBe(expected);
      }
      expect(service).toBeDefined();
    }
    expect(dependenciesOf("migrate")).toEqual({ postgres: "service_healthy" });
    for (const name of SUBGRAPH_NAMES) {
      expect(dependenciesOf(name), name).toMatchObject({
        migrate: "service_completed_successfully",
        redis: "service_healthy",
      });
      expect(dependenciesOf("router"), `router waits for ${name}`).toMatchObject({ [name]: "service_healthy" });
    }
  });

  it("starts nothing that uses a service before that service is up", () => {
    // Any other service named as a host in a service's environment must be waited for.
    for (const name of melodiServices) {
      const env = Object.values(environmentOf(name)).map(interpolate).join(" ");
      for (const other of SERVICES) {
        if (other === name) continue;
        if (new RegExp(`//(?:[^@/\\s]*@)?${other}:\\d+`).test(env)) {
          expect(waitsFor(name).has(other), `${name} uses ${other} but does not wait for it`).toBe(true);
        }
      }
      // And nothing touches the database before migrations are applied.
      if (environmentOf(name).DATABASE_URL && name !== "migrate")
        expect(waitsFor(name).has("migrate"), `${name} must wait for migrate`).toBe(true);
    }
  });

  it("gives every long-running service a healthcheck", () => {
    for (const name of longRunning) {
      const healthcheck = services[name]?.healthcheck;
      expect(healthcheck, `${name} healthcheck`).toBeDefined();
      expect(healthcheck?.disable ?? false, `${name} healthcheck disabled`).toBe(false);
      expect(healthcheckCommand(name), `${name} healthcheck test`).not.toBe("");
    }
    expect(healthcheckCommand("postgres")).toContain("pg_isready");
    expect(healthcheckCommand("redis")).toContain("redis-cli ping");
    expect(services.migrate?.healthcheck, "a one-shot job has nothing to keep healthy").toBeUndefined();
    expect(services.seed?.healthcheck, "a one-shot job has nothing to keep healthy").toBeUndefined();
    expect(dependenciesOf("seed")).toEqual({ migrate: "service_completed_successfully" });
  });

  it("checks Melodi services on their own /health and PORT, with node (slim images have no curl)", () => {
    for (const name of melodiServices.filter((s) => !ONE_SHOT.has(s))) {
      const command = healthcheckCommand(name);
      expect(command, name).toMatch(/^(CMD )?node /);
      const url = command.match(/https?:\/\/[^'"`\s)]+/)?.[0];
      expect(url, `${name} healthcheck URL`).toBeDefined();
      const parsed = new URL(url!);
      expect(["127.0.0.1", "localhost"], name).toContain(parsed.hostname);
      expect(Number(parsed.port), `${name} healthcheck port vs PORT`).toBe(portOf(name));
      expect(parsed.pathname, name).toBe("/health");
    }
  });

  it("provides every variable each service requires, and no names the service does not read", () => {
    for (const [name, spec] of Object.entries(SERVICE_ENV)) {
      const env = environmentOf(name);
      for (const variable of spec.required) {
        expect(env, `${name} needs ${variable}`).toHaveProperty(variable);
        expect(env[variable], `${name}: ${variable} is empty`).not.toBe("");
      }
      const known = new Set([...spec.required, ...spec.optional]);
      for (const variable of Object.keys(env))
        expect(known.has(variable), `${name} is given ${variable}, which it does not read`).toBe(true);
    }
  });

  it("keeps the list of variables above in step with what the services read", () => {
    for (const [name, spec] of Object.entries(SERVICE_ENV)) {
      const known = new Set([...spec.required, ...spec.optional]);
      for (const source of spec.sources) {
        for (const variable of envNamesReadBy(source))
          expect(known.has(variable), `${source} reads ${variable}; add it to SERVICE_ENV.${name}`).toBe(true);
      }
    }
  });

  it("runs Melodi services in production mode, listening on all interfaces", () => {
    for (const name of melodiServices.filter((s) => !ONE_SHOT.has(s))) {
      const env = environmentOf(name);
      expect(env.NODE_ENV, name).toBe("production");
      expect(env.HOST, name).toBe("0.0.0.0");
      expect(Number.isInteger(portOf(name)) && portOf(name) > 0, `${name} PORT`).toBe(true);
    }
  });

  it("points DATABASE_URL and REDIS_URL at the postgres and redis services", () => {
    for (const name of melodiServices) {
      const env = environmentOf(name);
      if (env.DATABASE_URL !== undefined) {
        const url = new URL(interpolate(env.DATABASE_URL));
        expect(url.protocol, name).toMatch(/^postgres(ql)?:$/);
        expect(url.hostname, name).toBe("postgres");
        expect(url.port || "5432", name).toBe("5432");
        expect(url.pathname, name).toBe(`/${environmentOf("postgres").POSTGRES_DB}`);
        // Jobs connect as the owner; each subgraph service as its own role (melodi_<name>), with the
        // password the migrate job gives that role.
        if (ONE_SHOT.has(name)) {
          expect(decodeURIComponent(url.username), name).toBe(environmentOf("postgres").POSTGRES_USER);
          expect(interpolate(env.DATABASE_URL), `${name}: same password as postgres`).toContain(
            `:${interpolate(environmentOf("postgres").POSTGRES_PASSWORD ?? "")}@`,
          );
        } else {
          expect(decodeURIComponent(url.username), name).toBe(`melodi_${name}`);
          const variable = `${name.toUpperCase()}_DB_PASSWORD`;
          expect(env.DATABASE_URL, `${name} connects with ${variable}`).toContain(`:\${${variable}:?`);
          expect(environmentOf("migrate")[variable], `migrate creates ${name}'s role with ${variable}`).toMatch(
            new RegExp(`^\\$\\{${variable}:\\?`),
          );
        }
      }
      if (env.REDIS_URL !== undefined) {
        const url = new URL(interpolate(env.REDIS_URL));
        expect(url.protocol, name).toBe("redis:");
        expect(url.hostname, name).toBe("redis");
        expect(url.port || "6379", name).toBe("6379");
      }
    }
  });

  it("routes to every subgraph of the supergraph by compose name and PORT", () => {
    const supergraph = read("schema/supergraph.graphql");
    const subgraphs = [...supergraph.matchAll(/@join__graph\(name:\s*"([^"]+)"/g)].map((m) => m[1]!);
    expect(subgraphs).toContain("users");
    const entries = Object.fromEntries(
      environmentOf("router")
        .SUBGRAPH_URLS!.split(",")
        .map((pair) => {
          const [name, url] = pair.split("=");
          return [name!.trim(), url!.trim()];
        }),
    );
    expect(Object.keys(entries).sort()).toEqual([...subgraphs].sort());
    for (const [name, url] of Object.entries(entries)) {
      expect(services, `SUBGRAPH_URLS names ${name}, which is no compose service`).toHaveProperty(name);
      const parsed = new URL(url);
      expect(parsed.hostname, name).toBe(name);
      expect(Number(parsed.port), `${name} URL port vs its PORT`).toBe(portOf(name));
      expect(parsed.pathname, name).toBe("/graphql");
      expect(waitsFor("router").has(name), `router waits for ${name}`).toBe(true);
    }
  });

  it("publishes the router on 4000 and the media edge on 8080, and nothing else", () => {
    const ports = (name: string) =>
      (services[name]?.ports ?? []).map((p) => (typeof p === "string" ? p : `${p.published}:${p.target}`));
    expect(ports("router")).toEqual(["4000:4000"]);
    expect(Number(ports("router")[0]!.split(":").at(-1)), "container side is the router's PORT").toBe(portOf("router"));
    expect(ports("edge")).toEqual([`8080:${environmentOf("edge").EDGE_PORT}`]);
    for (const name of SERVICES.filter((s) => s !== "router" && s !== "edge"))
      expect(services[name]?.ports, `${name} publishes a port`).toBeUndefined();
  });

  it("wires the media edge to the catalog: its template, the catalog's URL and PORT, the same media volume", () => {
    const edge = services.edge!;
    expect(edge.image).toMatch(/^nginx:1\.\d+/);
    const volumes = ((edge as { volumes?: string[] }).volumes ?? []).map((v) => v.split(":"));
    const template = volumes.find(([, target]) => target === "/etc/nginx/templates/default.conf.template");
    expect(template, "the template is mounted where the nginx image fills it in").toBeDefined();
    const templateSource = read(template![0]!);
    const env = environmentOf("edge");
    // Every variable the template uses is given, and nothing else.
    const used = new Set([...templateSource.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]!));
    expect(new Set(Object.keys(env))).toEqual(used);
    const catalogUrl = new URL(env.CATALOG_URL!);
    expect(catalogUrl.hostname).toBe("catalog");
    expect(Number(catalogUrl.port)).toBe(portOf("catalog"));
    expect(dependenciesOf("edge")).toEqual({ catalog: "service_healthy" });
    // The files the edge serves are the ones the catalog writes.
    const catalogVolumes = ((services.catalog as { volumes?: string[] }).volumes ?? []).map((v) => v.split(":"));
    const catalogMedia = catalogVolumes.find(([, target]) => target === environmentOf("catalog").MEDIA_DIR);
    expect(catalogMedia, "the catalog's MEDIA_DIR is a volume").toBeDefined();
    expect(volumes).toContainEqual([catalogMedia![0], env.MEDIA_DIR, "ro"]);
    // Streaming URLs point at the edge as published.
    expect(new URL(interpolate(environmentOf("catalog").MEDIA_PUBLIC_URL!)).port).toBe("8080");
    expect(healthcheckCommand("edge")).toContain(`http://127.0.0.1:${env.EDGE_PORT}/health`);
  });

  it("runs every Melodi service from the one image, with a command that exists", () => {
    const images = new Set(melodiServices.map((name) => services[name]?.image));
    expect(images.size, "one image for every Melodi service").toBe(1);
    for (const name of melodiServices) {
      expect(services[name]?.build, `${name} builds the image (so Compose never pulls it)`).toBe(".");
      const command = services[name]?.command;
      const argv = Array.isArray(command) ? command : (command ?? "").split(/\s+/);
      expect(argv[0], name).toBe("node");
      expect(existsSync(path.join(root, argv[1] ?? "")), `${name} runs ${argv[1]}`).toBe(true);
    }
    expect(services.migrate?.command).toEqual(["node", "scripts/db/migrate.ts"]);
  });

  it("requires the JWT keys from the host and documents every variable in .env.example", () => {
    // From the parsed values, so the header comment's examples do not count.
    const values = JSON.stringify(compose);
    const interpolated = new Set([...values.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
    expect(interpolated.size).toBeGreaterThan(0);
    const example = read(".env.example");
    const documented = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]!));
    for (const name of interpolated) expect(documented.has(name), `.env.example lacks ${name}`).toBe(true);
    for (const name of ["JWT_SIGNING_KID", "JWT_SIGNING_KEY", "JWT_PUBLIC_KEYS", "SUBGRAPH_SECRET"]) {
      expect(values, `${name} must be required (\${${name}:?...})`).toMatch(new RegExp(`\\$\\{${name}:\\?`));
      expect(values, `${name} must have no default`).not.toMatch(new RegExp(`\\$\\{${name}:?-`));
    }
    // The signing key goes to the service that signs, and nowhere else.
    for (const name of Object.keys(services))
      if (name !== "users") expect(environmentOf(name), name).not.toHaveProperty("JWT_SIGNING_KEY");
  });
});

describe("subgraphs.json, the one list of subgraphs", () => {
  const dockerfile = read("Dockerfile");
  const example = read(".env.example");
  const documented = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]!));

  it("has, for every entry, its folders, its compose service, its image line and its .env.example settings", () => {
    for (const { name, port, env } of manifest.subgraphs) {
      for (const file of [
        `subgraphs/${name}/package.json`,
        `subgraphs/${name}/src/main.ts`,
        `prisma/${name}/schema.prisma`,
      ]) {
        expect(existsSync(path.join(root, file)), `${name}: ${file}`).toBe(true);
      }
      const service = services[name];
      expect(service, `docker-compose.yml has no service ${name}`).toBeDefined();
      expect(service?.command, `${name}'s compose command`).toEqual(["node", `subgraphs/${name}/src/main.ts`]);
      expect(portOf(name), `${name}'s compose PORT is its port in subgraphs.json`).toBe(port);
      expect(dockerfile, `Dockerfile copies subgraphs/${name}/package.json before installing`).toMatch(
        new RegExp(`^COPY subgraphs/${name}/package\\.json `, "m"),
      );
      expect(documented.has(dbPasswordVariable(name)), `.env.example lacks ${dbPasswordVariable(name)}`).toBe(true);
      // Settings the operator gives: every one the service is handed from the host (${...}).
      const fromHost = Object.entries(environmentOf(name))
        .filter(([, value]) => value.includes("${"))
        .map(([key]) => key);
      for (const variable of [...env.required, ...env.optional].filter((v) => fromHost.includes(v))) {
        expect(documented.has(variable), `.env.example lacks ${variable}, which ${name} takes from the host`).toBe(
          true,
        );
      }
    }
  });

  it("lists exactly the subgraphs that have a folder, and composes all of them", () => {
    const folders = readdirSync(path.join(root, "subgraphs"), { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== "kit")
      .map((d) => d.name);
    expect([...folders].sort()).toEqual([...SUBGRAPH_NAMES].sort());
    const prismaFolders = readdirSync(path.join(root, "prisma"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect([...prismaFolders].sort()).toEqual([...SUBGRAPH_NAMES].sort());
    const composed = [...read("schema/supergraph.graphql").matchAll(/@join__graph\(name:\s*"([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    expect([...composed].sort()).toEqual([...SUBGRAPH_NAMES].sort());
  });

  it("rejects a malformed entry with its name", () => {
    const valid = JSON.parse(read("subgraphs.json")) as { router: unknown; subgraphs: Record<string, unknown>[] };
    const withEntry = (entry: Record<string, unknown>) =>
      JSON.stringify({ ...valid, subgraphs: [...valid.subgraphs, entry] });
    // A name and a port no entry has, whatever subgraphs the manifest lists.
    const name = `probe${SUBGRAPH_NAMES.length}x`;
    const port = Math.max(manifest.router.port, ...manifest.subgraphs.map((s) => s.port)) + 1;
    const taken = manifest.subgraphs[0]!;
    expect(() => parseManifest(withEntry({ name: taken.name, port }))).toThrow(
      new RegExp(`${taken.name} is listed twice`),
    );
    expect(() => parseManifest(withEntry({ name, port: taken.port }))).toThrow(new RegExp(`${name}\\.port`));
    expect(() => parseManifest(withEntry({ name: "Probe", port }))).toThrow(/name must match/);
    expect(() => parseManifest(withEntry({ name, port, consumes: "user.deleted" }))).toThrow(
      new RegExp(`${name}\\.consumes`),
    );
    expect(parseManifest(withEntry({ name, port })).subgraphs.at(-1)).toEqual({
      name,
      port,
      env: { required: [], optional: [] },
      consumes: [],
      mappers: {},
    });
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");

  it("builds on node:24-slim with pnpm 10, a frozen install and generated code", () => {
    expect(dockerfile).toMatch(/^FROM node:24-slim\b/m);
    expect(dockerfile).toMatch(/npm install -g pnpm@10\b/);
    expect(dockerfile).toMatch(/pnpm install --frozen-lockfile/);
    expect(dockerfile).toMatch(/node scripts\/generate\.ts/);
    expect(dockerfile.indexOf("pnpm install")).toBeLessThan(dockerfile.indexOf("scripts/generate.ts"));
  });

  it("copies every workspace package's manifest before installing", () => {
    const packages = ["router", ...readdirSync(path.join(root, "subgraphs")).map((d) => `subgraphs/${d}`)].filter(
      (dir) => existsSync(path.join(root, dir, "package.json")),
    );
    const install = dockerfile.indexOf("pnpm install");
    for (const file of [
      "package.json",
      "pnpm-lock.yaml",
      "pnpm-workspace.yaml",
      ...packages.map((dir) => `${dir}/package.json`),
    ]) {
      const copied = dockerfile.search(new RegExp(`^COPY .*(?<=\\s)${file.replace(/[.]/g, "\\.")}(?=\\s)`, "m"));
      expect(copied, `Dockerfile copies ${file}`).toBeGreaterThanOrEqual(0);
      expect(copied, `${file} copied before pnpm install`).toBeLessThan(install);
    }
  });

  it("keeps local state and secrets out of the build context", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim());
    for (const entry of ["node_modules", ".tools", ".data", ".git", ".env"]) expect(ignored, entry).toContain(entry);
  });
});
