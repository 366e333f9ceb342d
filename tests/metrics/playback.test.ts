// trackPlayback in process on the real database: the listening rules (a play after 3 s,
// completed at 80 %, skipped before 50 %), each report kept once however often it is sent and
// from however many devices, bad reports refused with nothing written, and what the rollups and
// the viewer's history then show.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rollUp } from "../../subgraphs/metrics/src/rollups/rollup.ts";
import { inProcessMetrics, viewerWith } from "../support/inProcess.ts";
import { MINUTES_3, report, song as songIn, track as trackIn } from "../support/metrics.ts";

let m: Awaited<ReturnType<typeof inProcessMetrics>>;
beforeAll(async () => {
  m = await inProcessMetrics();
});
afterAll(() => m.stop());

const song = (opts: Parameters<typeof songIn>[1] = {}) => songIn(m, opts);
const track = (viewer: { id: string; role: "USER" }, reports: object[]) => trackIn(m, viewer, reports);
const TRACK = /* GraphQL */ `
  mutation ($events: [PlaybackEventInput!]!) { trackPlayback(input: { events: $events }) { accepted } }
`;
const playCount = async (songId: string) => {
  const res = await m.query(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on Song { playCount } } }`, {
    r: [{ __typename: "Song", id: songId }],
  });
  expect(res.errors).toBeUndefined();
  return res.data!._entities[0].playCount as number | null;
};
const playsOf = (userId: string) => m.services.db.play.findMany({ where: { userId }, orderBy: { startedAt: "asc" } });

describe("the listening rules", () => {
  it("count a play after 3 s, complete it at 80 %, and skip it when it ends before 50 %", async () => {
    const me = viewerWith("USER") as { id: string; role: "USER" };
    const s = await song();
    const [short, skipped, done] = [randomUUID(), randomUUID(), randomUUID()];
    await track(me, [report(s, short, "STARTED", 0), report(s, short, "ENDED", 2999)]);
    await track(me, [
      report(s, skipped, "STARTED", 0),
      report(s, skipped, "PROGRESS", 30_000),
      report(s, skipped, "ENDED", 60_000),
    ]);
    await track(me, [report(s, done, "STARTED", 0), report(s, done, "PROGRESS", 144_000)]);
    const plays = new Map((await playsOf(me.id)).map((p) => [p.playbackId, p]));
    expect(plays.get(short)).toMatchObject({ countedAt: null, completed: false, skipped: false });
    expect(plays.get(skipped)).toMatchObject({ countedAt: expect.any(Date), completed: false, skipped: true });
    expect(plays.get(done)).toMatchObject({ countedAt: expect.any(Date), completed: true, skipped: false });
    await rollUp(m.services.db);
    expect(await playCount(s)).toBe(2);
    const daily = await m.services.db.songDaily.findMany({ where: { songId: s } });
    expect(daily).toEqual([expect.objectContaining({ plays: 2, completions: 1, skips: 1 })]);
  });

  it("count a report sent again (a lost answer) once, and one listen reported by two devices once", async () => {
    const me = viewerWith("USER") as { id: string; role: "USER" };
    const s = await song();
    const playback = randomUUID();
    const batch = [report(s, playback, "STARTED", 0), report(s, playback, "PROGRESS", 10_000)];
    expect(await track(me, batch)).toEqual({ accepted: 2, duplicates: 0, userErrors: [] });
    expect(await track(me, batch)).toEqual({ accepted: 0, duplicates: 2, userErrors: [] });
    // The same listen from the speaker it is cast to: its own reports, the same playback.
    expect(await track(me, [report(s, playback, "PROGRESS", 20_000, { device: "speaker" })])).toMatchObject({
      accepted: 1,
    });
    // Out of order: an earlier report arriving last changes nothing already reached.
    await track(me, [report(s, playback, "PROGRESS", 5_000, { at: new Date(Date.now() - 60_000) })]);
    expect(await playsOf(me.id)).toEqual([expect.objectContaining({ maxPositionMs: 20_000 })]);
    await rollUp(m.services.db);
    expect(await playCount(s)).toBe(1);
    expect(await m.services.db.listeningEvent.count({ where: { userId: me.id } })).toBe(4);
  });

  it("counts a play on the day it was heard, reported days later by a phone that was offline", async () => {
    const me = viewerWith("USER") as { id: string; role: "USER" };
    const s = await song();
    const heard = new Date(Date.now() - 3 * 86400_000);
    const playback = randomUUID();
    await track(me, [
      report(s, playback, "STARTED", 0, { at: heard }),
      report(s, playback, "PROGRESS", 150_000, { at: heard }),
    ]);
    await rollUp(m.services.db);
    expect(
      await m.services.db.songDaily.findMany({
        where: { songId: s },
        select: { day: true, plays: true, completions: true },
      }),
    ).toEqual([{ day: new Date(`${heard.toISOString().slice(0, 10)}T00:00:00.000Z`), plays: 1, completions: 1 }]);
  });

  it("takes a skip back when another device reports the listen reached 80 %", async () => {
    const me = viewerWith("USER") as { id: string; role: "USER" };
    const s = await song();
    const playback = randomUUID();
    await track(me, [report(s, playback, "PROGRESS", 20_000), report(s, playback, "ENDED", 20_000)]);
    await track(me, [report(s, playback, "PROGRESS", 170_000, { device: "laptop" })]);
    expect(await playsOf(me.id)).toEqual([expect.objectContaining({ completed: true, skipped: false })]);
    await rollUp(m.services.db);
    expect(await m.services.db.songDaily.findMany({ where: { songId: s } })).toEqual([
      expect.objectContaining({ plays: 1, completions: 1, skips: 0 }),
    ]);
  });
});

describe("bad reports", () => {
  it("are refused whole, each named, with nothing written", async () => {
    const me = viewerWith("USER") as { id: string; role: "USER" };
    const s = await song();
    const hidden = await song({ listed: false });
    const good = report(s, randomUUID(), "PROGRESS", 10_000);
    const cases: [object, string, string][] = [
      [report(randomUUID(), randomUUID(), "PROGRESS", 1000), "SONG_NOT_FOUND", "songId"],
      [report(hidden, randomUUID(), "PROGRESS", 1000), "SONG_NOT_FOUND", "songId"],
      [report(s, randomUUID(), "PROGRESS", MINUTES_3 + 60_000), "INVALID_POSITION", "positionMs"],
      [report(s, randomUUID(), "PROGRESS", -1), "INVALID_POSITION", "positionMs"],
      [report(s, randomUUID(), "PROGRESS", 1000, { at: new Date(Date.now() + 3600_000) }), "INVALID_TIME", "at"],
      [report(s, randomUUID(), "PROGRESS", 1000, { at: new Date(Date.now() - 8 * 86400_000) }), "INVALID_TIME", "at"],
      [{ ...report(s, randomUUID(), "PROGRESS", 1000), songId: "not-an-id" }, "INVALID", "songId"],
      [{ ...report(s, randomUUID(), "PROGRESS", 1000), clientEventId: "x".repeat(101) }, "TOO_LONG", "clientEventId"],
    ];
    for (const [bad, code, field] of cases) {
      const res = await track(me, [good, bad]);
      expect(res.accepted, code).toBeNull();
      expect(res.userErrors).toEqual([expect.objectContaining({ code, field: ["input", "events", "1", field] })]);
    }
    // Every report at fault is named in one answer, whatever made it wrong.
    const several = await track(me, [
      report(s, randomUUID(), "PROGRESS", MINUTES_3 * 10),
      report(randomUUID(), randomUUID(), "PROGRESS", 1000, { at: new Date(Date.now() - 30 * 86400_000) }),
      good,
      report(randomUUID(), randomUUID(), "PROGRESS", 1000),
    ]);
    expect(several.userErrors.map((e: any) => [e.code, e.field.join(".")])).toEqual([
      ["INVALID_POSITION", "input.events.0.positionMs"],
      ["INVALID_TIME", "input.events.1.at"],
      ["SONG_NOT_FOUND", "input.events.3.songId"],
    ]);
    const tooMany = await track(
      me,
      Array.from({ length: 101 }, () => report(s, randomUUID(), "PROGRESS", 1000)),
    );
    expect(tooMany.userErrors).toEqual([expect.objectContaining({ code: "TOO_MANY", field: ["input", "events"] })]);
    // A playback reused for another song.
    const playback = randomUUID();
    await track(me, [report(s, playback, "PROGRESS", 5000)]);
    const other = await song();
    const mismatch = await track(me, [report(other, playback, "PROGRESS", 5000)]);
    expect(mismatch.userErrors).toEqual([expect.objectContaining({ code: "PLAYBACK_MISMATCH" })]);
    // Only the one good playback was ever written.
    expect(await m.services.db.listeningEvent.count({ where: { userId: me.id } })).toBe(1);
    expect(await playsOf(me.id)).toHaveLength(1);
  });

  it("need a signed-in caller", async () => {
    const s = await song();
    const res = await m.query(TRACK, { events: [report(s, randomUUID(), "STARTED", 0)] }, { viewer: null });
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("what plays show", () => {
  it("a hidden song has no public count, and a song catalog later hides keeps its plays out of view", async () => {
    const me = viewerWith("USER") as { id: string; role: "USER" };
    const id = await song();
    await track(me, [report(id, randomUUID(), "PROGRESS", 10_000)]);
    await rollUp(m.services.db);
    expect(await playCount(id)).toBe(1);
    await song({ id, listed: false });
    expect(await playCount(id)).toBeNull();
  });

  it("recentlyPlayed lists the viewer's own plays newest first, and is null for anyone else", async () => {
    const me = viewerWith("USER") as { id: string; role: "USER" };
    const [a, b] = [await song(), await song()];
    await track(me, [report(a, randomUUID(), "PROGRESS", 10_000, { at: new Date(Date.now() - 120_000) })]);
    await track(me, [report(b, randomUUID(), "PROGRESS", 170_000)]);
    await track(me, [report(b, randomUUID(), "PROGRESS", 1_000)]); // not a play
    const Q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { recentlyPlayed(first: 1) {
      pageInfo { hasNextPage endCursor } edges { node { song { id } completed } } } } } }`;
    const mine = await m.query(Q, { r: [{ __typename: "User", id: me.id }] }, { viewer: me });
    const page = mine.data!._entities[0].recentlyPlayed;
    expect(page.edges).toEqual([{ node: { song: { id: b }, completed: true } }]);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = await m.query(
      Q.replace("recentlyPlayed(first: 1)", `recentlyPlayed(first: 5, after: "${page.pageInfo.endCursor}")`),
      { r: [{ __typename: "User", id: me.id }] },
      { viewer: me },
    );
    expect(next.data!._entities[0].recentlyPlayed.edges).toEqual([{ node: { song: { id: a }, completed: false } }]);
    const theirs = await m.query(Q, { r: [{ __typename: "User", id: me.id }] }, { viewer: viewerWith("USER") });
    expect(theirs.data!._entities[0].recentlyPlayed).toBeNull();
  });
});

describe("storage", () => {
  it("keeps raw reports in the month's partition", async () => {
    const me = viewerWith("USER") as { id: string; role: "USER" };
    const s = await song();
    await track(me, [report(s, randomUUID(), "STARTED", 0)]);
    const month = new Date().toISOString().slice(0, 7).replace("-", "_");
    const rows = await m.services.db.$queryRawUnsafe<{ part: string }[]>(
      `SELECT tableoid::regclass::text AS part FROM "metrics"."ListeningEvent" WHERE "userId" = $1::uuid`,
      me.id,
    );
    expect(rows).toEqual([{ part: `metrics_partitions."ListeningEvent_${month}"` }]);
  });

  it("answers a page of plays with their songs' counts in the same number of statements for 2 and for 20", async () => {
    const statementsFor = async (n: number) => {
      const me = viewerWith("USER") as { id: string; role: "USER" };
      for (let i = 0; i < n; i++) await track(me, [report(await song(), randomUUID(), "PROGRESS", 10_000)]);
      const count = m.countSql();
      const res = await m.query(
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { recentlyPlayed(first: 20) { edges { node { playedAt song { id } } } } } } }`,
        { r: [{ __typename: "User", id: me.id }] },
        { viewer: me },
      );
      expect(res.data!._entities[0].recentlyPlayed.edges).toHaveLength(n);
      const songs = res.data!._entities[0].recentlyPlayed.edges.map((e: any) => ({
        __typename: "Song",
        id: e.node.song.id,
      }));
      await m.query(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on Song { playCount } } }`, {
        r: songs,
      });
      return count();
    };
    expect(await statementsFor(20)).toBe(await statementsFor(2));
  });
});

describe("statements", () => {
  it("a batch of 50 reports over 10 playbacks costs the same statements as a single report", async () => {
    const me = viewerWith("USER") as { id: string; role: "USER" };
    const s = await song();
    await track(me, [report(s, randomUUID(), "STARTED", 0)]); // warm: the listener's first write
    const one = m.countSql();
    await track(me, [report(s, randomUUID(), "PROGRESS", 10_000)]);
    const single = one();
    const batch = Array.from({ length: 10 }, () => randomUUID()).flatMap((playback) =>
      Array.from({ length: 5 }, (_, i) => report(s, playback, "PROGRESS", 4000 * (i + 1))),
    );
    const many = m.countSql();
    expect((await track(me, batch)).accepted).toBe(50);
    console.log(`trackPlayback statements: ${single} (1 report) vs ${many()} (50 reports, 10 playbacks)`);
    expect(many()).toBe(single);
  });
});
