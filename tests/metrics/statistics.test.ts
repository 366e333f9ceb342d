// What the rollups give, in process on the real database: monthly listeners, trending songs and
// top artists (overall and per genre, time-decayed), hidden content never counted or ranked.
// Rankings are recomputed over the whole (shared) database, so assertions compare this file's
// own songs and use genres of its own.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rollUp } from "../../subgraphs/metrics/src/rollups/rollup.ts";
import { computeRankings } from "../../subgraphs/metrics/src/rankings/compute.ts";
import { inProcessMetrics, viewerWith } from "../support/inProcess.ts";
import { artist, play, song, type Metrics } from "../support/metrics.ts";

let m: Metrics;
beforeAll(async () => {
  m = await inProcessMetrics();
});
afterAll(() => m.stop());

const listener = () => viewerWith("USER") as { id: string; role: "USER" };
const entity = async (typename: string, id: string, fields: string) => {
  const res = await m.query(
    `query ($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { ${fields} } } }`,
    {
      r: [{ __typename: typename, id }],
    },
  );
  expect(res.errors).toBeUndefined();
  return res.data!._entities[0];
};

describe("monthly listeners", () => {
  it("are the distinct listeners of the artist's songs over the last 28 days", async () => {
    const a = await artist(m);
    const featured = await artist(m);
    const [one, two] = [await song(m, { artistIds: [a] }), await song(m, { artistIds: [a, featured] })];
    const [x, y] = [listener(), listener()];
    await play(m, x, one);
    await play(m, x, two);
    await play(m, x, one);
    await play(m, y, two);
    await rollUp(m.services.db);
    expect(await entity("Artist", a, "monthlyListeners")).toEqual({ monthlyListeners: 2 });
    expect(await entity("Artist", featured, "monthlyListeners")).toEqual({ monthlyListeners: 2 });
    // Someone who last listened 30 days ago no longer counts (the rollup's record of them).
    await m.services.db.artistListener.create({
      data: { artistId: a, userId: randomUUID(), lastDay: new Date(Date.now() - 30 * 86400_000) },
    });
    expect(await entity("Artist", a, "monthlyListeners")).toEqual({ monthlyListeners: 2 });
    const daily = await m.services.db.artistDaily.findMany({ where: { artistId: a } });
    expect(daily).toEqual([expect.objectContaining({ plays: 4, listeners: 2 })]);
  });

  it("are null for an artist not listed", async () => {
    const hidden = await artist(m, { listed: false });
    const s = await song(m, { artistIds: [hidden] });
    await play(m, listener(), s);
    await rollUp(m.services.db);
    expect(await entity("Artist", hidden, "monthlyListeners")).toEqual({ monthlyListeners: null });
  });
});

describe("rankings", () => {
  const TRENDING = `query ($g: ID, $first: Int, $after: String) {
    trendingSongs(genreId: $g, first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node { rank score song { id } } } } }`;
  const TOP = `query ($g: ID) { topArtists(genreId: $g) { edges { node { rank artist { id } } } } }`;

  it("rank a genre's songs and artists by plays, recent ones weighing more, hidden ones left out", async () => {
    const genre = randomUUID();
    const [a, b] = [await artist(m), await artist(m)];
    const [hot, warm, hidden] = [
      await song(m, { artistIds: [a], genreIds: [genre] }),
      await song(m, { artistIds: [b], genreIds: [genre] }),
      await song(m, { artistIds: [b], genreIds: [genre] }),
    ];
    for (let i = 0; i < 3; i++) await play(m, listener(), hot);
    for (let i = 0; i < 2; i++) await play(m, listener(), warm);
    for (let i = 0; i < 9; i++) await play(m, listener(), hidden);
    await rollUp(m.services.db);
    // Many plays of `warm` three weeks ago (as the rollups keep them): they weigh 1/8 each.
    const old = new Date(Date.now() - 21 * 86400_000);
    await m.services.db.genreSongDaily.create({ data: { genreId: genre, songId: warm, day: old, plays: 7 } });
    await song(m, { id: hidden, artistIds: [b], genreIds: [genre], listed: false });
    await computeRankings(m.services.db);

    const res = await m.query(TRENDING, { g: genre, first: 1 });
    expect(res.errors).toBeUndefined();
    const first = res.data!.trendingSongs;
    expect(first.edges.map((e: any) => [e.node.rank, e.node.song.id])).toEqual([[1, hot]]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const next = await m.query(TRENDING, { g: genre, first: 10, after: first.pageInfo.endCursor });
    // 2 recent + 7 × 1/8 = 2.875 < 3; the hidden song (9 plays) is not there at all.
    expect(next.data!.trendingSongs.edges.map((e: any) => e.node.song.id)).toEqual([warm]);
    expect(next.data!.trendingSongs.edges[0].node.score).toBeCloseTo(2.875, 2);

    // Artists in the genre: b 2 + 9 (plays made while the song was listed: no new one can be
    // reported for a hidden song), a 3.
    const top = await m.query(TOP, { g: genre });
    expect(top.data!.topArtists.edges.map((e: any) => e.node.artist.id)).toEqual([b, a]);
  });

  it("rank overall too, and answer an unknown genre with an empty list", async () => {
    const s = await song(m);
    for (let i = 0; i < 60; i++) await play(m, listener(), s);
    await rollUp(m.services.db);
    await computeRankings(m.services.db);
    const overall = await m.query(TRENDING, { first: 100 });
    expect(overall.data!.trendingSongs.edges.map((e: any) => e.node.song.id)).toContain(s);
    for (const g of [randomUUID(), "not-an-id"]) {
      const none = await m.query(TRENDING, { g });
      expect(none.data!.trendingSongs.edges).toEqual([]);
    }
  });
});

describe("an artist's statistics", () => {
  const STATS = `query ($r: [_Any!]!, $days: Int) { _entities(representations: $r) { ... on Artist {
    statistics(days: $days) { plays completionRate skipRate days { day plays listeners completionRate skipRate } topSongs(first: 2) { plays song { id } } } } } }`;

  it("give managers and admins daily series with rates and top songs", async () => {
    const a = await artist(m);
    const [hit, other] = [await song(m, { artistIds: [a] }), await song(m, { artistIds: [a] })];
    const [x, y] = [listener(), listener()];
    await play(m, x, hit, 170_000); // completed
    await play(m, y, hit, 10_000);
    await play(m, x, other, 10_000);
    await rollUp(m.services.db);
    const res = await m.query(
      STATS,
      { r: [{ __typename: "Artist", id: a, viewerCanManage: true }], days: 7 },
      { viewer: listener() },
    );
    expect(res.errors).toBeUndefined();
    const s = res.data!._entities[0].statistics;
    expect(s.plays).toBe(3);
    expect(s.completionRate).toBeCloseTo(1 / 3, 5);
    expect(s.days).toHaveLength(7);
    expect(s.days.slice(0, 6).every((d: any) => d.plays === 0 && d.completionRate === null)).toBe(true);
    expect(s.days[6]).toMatchObject({ day: new Date().toISOString().slice(0, 10), plays: 3, listeners: 2 });
    expect(s.topSongs).toEqual([
      { plays: 2, song: { id: hit } },
      { plays: 1, song: { id: other } },
    ]);
  });

  it("are FORBIDDEN to anyone else, and need a span from 1 to 366 days", async () => {
    const a = await artist(m);
    const denied = await m.query(
      STATS,
      { r: [{ __typename: "Artist", id: a, viewerCanManage: false }] },
      { viewer: listener() },
    );
    expect(denied.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    // The artist itself is still there: only the field is refused.
    expect(denied.data!._entities[0]).toEqual({ statistics: null });
    const signedOut = await m.query(STATS, { r: [{ __typename: "Artist", id: a, viewerCanManage: false }] });
    expect(signedOut.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    for (const days of [0, 367]) {
      const bad = await m.query(
        STATS,
        { r: [{ __typename: "Artist", id: a, viewerCanManage: true }], days },
        { viewer: listener() },
      );
      expect(bad.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
  });
});

describe("the platform's statistics", () => {
  const PLATFORM = `query ($days: Int, $months: Int) { platformStatistics(days: $days, months: $months) {
    dailyActiveUsers { day value } dailyPlays { day value } monthlyActiveUsers { month value } monthlyPlays { month value }
    playsPerUser { minPlays maxPlays users } topSongs(first: 100) { plays song { id } } topArtists(first: 100) { plays artist { id } } } }`;

  it("give admins active users, plays, plays per user and top content as series", async () => {
    const before = (await m.query(PLATFORM, { days: 3, months: 2 }, { viewer: viewerWith("ADMIN") })).data!
      .platformStatistics;
    const a = await artist(m);
    const s = await song(m, { artistIds: [a] });
    const [x, y] = [listener(), listener()];
    for (let i = 0; i < 3; i++) await play(m, x, s);
    await play(m, y, s);
    await rollUp(m.services.db);
    const res = await m.query(PLATFORM, { days: 3, months: 2 }, { viewer: viewerWith("ADMIN") });
    expect(res.errors).toBeUndefined();
    const after = res.data!.platformStatistics;
    const todayOf = (series: any[]) => series.at(-1).value;
    expect(after.dailyActiveUsers).toHaveLength(3);
    // (Other test files may play meanwhile: at least ours.)
    expect(todayOf(after.dailyActiveUsers) - todayOf(before.dailyActiveUsers)).toBeGreaterThanOrEqual(2);
    expect(todayOf(after.dailyPlays) - todayOf(before.dailyPlays)).toBeGreaterThanOrEqual(4);
    expect(after.monthlyActiveUsers.map((v: any) => v.month)).toEqual(
      before.monthlyActiveUsers.map((v: any) => v.month),
    );
    expect(todayOf(after.monthlyPlays) - todayOf(before.monthlyPlays)).toBeGreaterThanOrEqual(4);
    expect(after.playsPerUser.map((b: any) => [b.minPlays, b.maxPlays])).toEqual([
      [1, 1],
      [2, 5],
      [6, 20],
      [21, 100],
      [101, null],
    ]);
    // A listener only ever moves up a bucket, so the total is what grows by ours (x and y).
    const users = (b: any[]) => b.reduce((sum, x) => sum + x.users, 0);
    expect(users(after.playsPerUser) - users(before.playsPerUser)).toBeGreaterThanOrEqual(2);
    expect(after.topSongs).toContainEqual({ plays: 4, song: { id: s } });
    expect(after.topArtists).toContainEqual({ plays: 4, artist: { id: a } });
  });

  it("are FORBIDDEN to listeners and artists, and refuse spans out of bounds", async () => {
    for (const role of ["USER", "ARTIST"] as const) {
      const res = await m.query(PLATFORM, {}, { viewer: viewerWith(role) });
      expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(res.data?.platformStatistics ?? null).toBeNull();
    }
    expect((await m.query(PLATFORM, {}, { viewer: null })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    for (const v of [{ days: 0 }, { days: 400 }, { months: 0 }, { months: 37 }]) {
      const res = await m.query(PLATFORM, v, { viewer: viewerWith("ADMIN") });
      expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
  });
});
