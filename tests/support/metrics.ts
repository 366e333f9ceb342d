// Helpers for the metrics subgraph's tests: songs and artists as catalog's events leave them,
// and listening reports.
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { EventPayloads } from "@melodi/kit";
import { consumerOf } from "./events.ts";
import { events } from "../../subgraphs/metrics/src/events.ts";
import type { inProcessMetrics } from "./inProcess.ts";

export type Metrics = Awaited<ReturnType<typeof inProcessMetrics>>;
export const MINUTES_3 = 180_000;
let version = 1;

/** Applies one event as metrics' consumer would. */
export const deliver = <T extends keyof EventPayloads>(m: Metrics, type: T, payload: EventPayloads[T]) =>
  consumerOf("metrics", m.services.db, events.handlers)(type, payload);

/** A song metrics knows of, as catalog's song.changed leaves it. */
export async function song(
  m: Metrics,
  opts: { durationMs?: number; listed?: boolean; id?: string; artistIds?: string[]; genreIds?: string[] } = {},
) {
  const id = opts.id ?? randomUUID();
  await deliver(m, "song.changed", {
    songId: id,
    collectionId: randomUUID(),
    artistIds: opts.artistIds ?? [randomUUID()],
    genreIds: opts.genreIds ?? [],
    durationMs: opts.durationMs ?? MINUTES_3,
    listed: opts.listed ?? true,
    version: version++,
  });
  return id;
}

/** An artist metrics knows of (catalog's artist.changed). */
export async function artist(m: Metrics, opts: { listed?: boolean; id?: string } = {}) {
  const id = opts.id ?? randomUUID();
  await deliver(m, "artist.changed", {
    artistId: id,
    name: "An artist",
    listed: opts.listed ?? true,
    version: version++,
  });
  return id;
}

export type Kind = "STARTED" | "PROGRESS" | "ENDED";
export const report = (
  songId: string,
  playbackId: string,
  kind: Kind,
  positionMs: number,
  opts: { at?: Date; id?: string; device?: string } = {},
) => ({
  clientEventId: opts.id ?? randomUUID(),
  playbackId,
  songId,
  kind,
  positionMs,
  at: (opts.at ?? new Date()).toISOString(),
  device: opts.device ?? "test phone",
});

const TRACK = /* GraphQL */ `
  mutation ($events: [PlaybackEventInput!]!) {
    trackPlayback(input: { events: $events }) { accepted duplicates userErrors { code field message } }
  }
`;
export async function track(m: Metrics, viewer: { id: string; role: "USER" | "ARTIST" | "ADMIN" }, reports: object[]) {
  const res = await m.query(TRACK, { events: reports }, { viewer });
  expect(res.errors).toBeUndefined();
  return res.data!.trackPlayback;
}

/** `viewer` plays the song once, past 3 s. */
export const play = (m: Metrics, viewer: { id: string; role: "USER" }, songId: string, positionMs = 10_000) =>
  track(m, viewer, [report(songId, randomUUID(), "PROGRESS", positionMs)]);
