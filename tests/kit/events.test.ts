// Events without a central list (kit/src/events.ts): each subgraph's handlers are exactly what
// subgraphs.json says it consumes, every consumed type has a producer, and a consumer whose
// handlers and manifest disagree refuses to start.
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createDb } from "../../subgraphs/catalog/src/db.ts";
import {
  createJobs,
  handlerMismatch,
  loadManifest,
  parseManifest,
  REPO_ROOT,
  startEventConsumer,
  type Logger,
  type SubgraphEvents,
} from "@melodi/kit";

/** A manifest of one subgraph, "probe", consuming `consumes`. */
const probe = (consumes: string[]) =>
  parseManifest(JSON.stringify({ router: { port: 1 }, subgraphs: [{ name: "probe", port: 2, consumes }] }));
const eventsOf = async (name: string) => {
  const file = path.join(REPO_ROOT, "subgraphs", name, "src/events.ts");
  // Every subgraph declares its events there, even none (ARCHITECTURE.md §13).
  if (!existsSync(file))
    throw new Error(
      `${path.relative(REPO_ROOT, file)} is missing: export const events = defineEvents({ produces: [], handlers: {} })`,
    );
  return ((await import(file)) as { events: SubgraphEvents }).events;
};

describe("subgraph events and subgraphs.json", () => {
  it("each subgraph handles exactly the event types its manifest entry consumes", async () => {
    for (const { name } of loadManifest().subgraphs) {
      expect(handlerMismatch(name, (await eventsOf(name)).handlers), name).toEqual({ unhandled: [], undeclared: [] });
    }
  });

  it("every consumed type is produced by some subgraph", async () => {
    const manifest = loadManifest();
    const produced = new Set<string>();
    for (const { name } of manifest.subgraphs) for (const type of (await eventsOf(name)).produces) produced.add(type);
    for (const entry of manifest.subgraphs) {
      for (const type of entry.consumes) expect(produced.has(type), `${entry.name} consumes ${type}`).toBe(true);
    }
  });

  it("tells both ways a handler list and a manifest entry differ", () => {
    const manifest = probe(["user.deleted", "song.changed"]);
    const handlers = { "user.deleted": async () => {}, "playlist.shared": async () => {} };
    expect(handlerMismatch("probe", handlers, manifest)).toEqual({
      unhandled: ["song.changed"],
      undeclared: ["playlist.shared"],
    });
  });

  it("a consumer whose handlers differ from its manifest entry does not start", async () => {
    const manifest = probe(["user.deleted"]);
    const log = { info() {}, warn() {}, error() {}, child: () => log } as unknown as Logger;
    const jobs = createJobs({ redisUrl: "redis://127.0.0.1:1", prefix: "test:never:bull", log });
    const db = createDb({ databaseUrl: inject("serviceDatabaseUrls").catalog! });
    try {
      expect(() => startEventConsumer({ subgraph: "probe", db, jobs, log, handlers: {}, manifest })).toThrow(
        /user\.deleted/,
      );
    } finally {
      await jobs.close();
      await db.$disconnect();
    }
  });
});
