// The metrics subgraph's edges, found by probing it as an attacker would: forged cursors, ids in
// upper case, two batches of one listener racing (deadlocks, a playback claimed for two songs),
// a deleted account's traces, and statements per item on pages.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rollUp } from "../../subgraphs/metrics/src/rollups/rollup.ts";
import { inProcessMetrics, viewerWith } from "../support/inProcess.ts";
import { artist, deliver, play, report, song, type Metrics } from "../support/metrics.ts";

let m: Metrics;
beforeAll(async () => {
  m = await inProcessMetrics();
});
afterAll(() => m.stop());

const person = () => viewerWith("USER") as { id: string; role: "USER" };
const TRACK = /* GraphQL */ `
  mutation ($events: [PlaybackEventInput!]!) {
    trackPlayback(input: { events: $events }) { accepted duplicates userErrors { code field } }
  }
`;
const cursor = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString("base64url");

describe("bad input", () => {
  it("trendingSongs and topArtists refuse a forged rank cursor as BAD_USER_INPUT", async () => {
    for (const [field, parts] of [
      ["trendingSongs", [1.5]],
      ["topArtists", [1e20]],
      ["trendingSongs", [-1e15]],
    ] as const) {
      const res = await m.query(`query ($a: String) { ${field}(after: $a) { edges { cursor } } }`, {
        a: cursor([...parts]),
      });
      expect(res.errors?.[0]?.extensions?.code, `${field} ${JSON.stringify(parts)}`).toBe("BAD_USER_INPUT");
    }
  });

  it("a song id in upper case names the same song (trackPlayback, playCount)", async () => {
    const me = person();
    const s = await song(m);
    const res = await m.query(
      TRACK,
      { events: [report(s.toUpperCase(), randomUUID(), "PROGRESS", 10_000)] },
      { viewer: me },
    );
    expect(res.data!.trackPlayback.userErrors).toEqual([]);
    const count = await m.query(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Song { playCount } } }`,
      {
        r: [{ __typename: "Song", id: s.toUpperCase() }],
      },
    );
    expect(count.data!._entities[0].playCount).not.toBeNull();
  });
});

describe("concurrency", () => {
  it("two batches of one listener making the same new playbacks in opposite order both succeed (no deadlock)", async () => {
    const me = person();
    const s = await song(m);
    const failures: unknown[] = [];
    for (let round = 0; round < 30; round++) {
      const ids = Array.from({ length: 100 }, () => randomUUID());
      const a = ids.map((p) => report(s, p, "PROGRESS", 10_000));
      const b = [...ids].reverse().map((p) => report(s, p, "PROGRESS", 20_000));
      const results = await Promise.all([
        m.query(TRACK, { events: a }, { viewer: me }),
        m.query(TRACK, { events: b }, { viewer: me }),
      ]);
      for (const r of results) if (r.errors) failures.push(r.errors[0]?.extensions?.code ?? r.errors[0]?.message);
    }
    expect(failures).toEqual([]);
  });

  it("two concurrent first reports of one playback with different songs: one is PLAYBACK_MISMATCH", async () => {
    const me = person();
    const [a, b] = [await song(m), await song(m)];
    const mixed: string[] = [];
    for (let round = 0; round < 5; round++) {
      const p = randomUUID();
      await Promise.all([
        m.query(TRACK, { events: [report(a, p, "PROGRESS", 10_000)] }, { viewer: me }),
        m.query(TRACK, { events: [report(b, p, "PROGRESS", 170_000)] }, { viewer: me }),
      ]);
      const songs = await m.services.db.listeningEvent.findMany({
        where: { userId: me.id, playbackId: p },
        select: { songId: true },
      });
      if (new Set(songs.map((x) => x.songId)).size > 1) mixed.push(p);
    }
    // A playback is of one song: reports of another one must not be kept (nor advance its play).
    expect(mixed).toEqual([]);
  });
});

describe("deleted accounts", () => {
  it("a deleted account's last play is no longer shown to the people who followed it", async () => {
    const me = person();
    const ana = person();
    await deliver(m, "user.followed", {
      followerId: me.id,
      followeeId: ana.id,
      followedAt: new Date(Date.now() - 60_000).toISOString(),
    });
    await play(m, ana, await song(m));
    await deliver(m, "user.deleted", { userId: ana.id });
    const res = await m.query(
      `{ friendActivity { edges { node { friend { id } song { id } at } } } }`,
      {},
      { viewer: me },
    );
    expect(res.data!.friendActivity.edges).toEqual([]);
  });

  it("a deleted account's per-listener listening (UserSong, ArtistListener, UserDaily) goes with it, pending deltas included", async () => {
    const ana = person();
    const s = await song(m);
    await play(m, ana, s);
    await rollUp(m.services.db);
    const later = await song(m);
    await play(m, ana, later); // still a pending delta when the account goes
    await deliver(m, "user.deleted", { userId: ana.id });
    await rollUp(m.services.db);
    const db = m.services.db;
    expect({
      userSong: await db.userSong.count({ where: { userId: ana.id } }),
      artistListener: await db.artistListener.count({ where: { userId: ana.id } }),
      lastActivity: await db.lastActivity.count({ where: { userId: ana.id } }),
    }).toEqual({ userSong: 0, artistListener: 0, lastActivity: 0 });
  });
});

describe("statements per item", () => {
  it("Song.similar for a page of 20 songs costs the same statements as for 2", async () => {
    const statementsFor = async (n: number) => {
      const ids = await Promise.all(Array.from({ length: n }, () => song(m)));
      const count = m.countSql();
      const res = await m.query(
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Song { similar { id } } } }`,
        {
          r: ids.map((id) => ({ __typename: "Song", id })),
        },
      );
      expect(res.errors).toBeUndefined();
      return count();
    };
    expect(await statementsFor(20)).toBe(await statementsFor(2));
  });

  it("Artist.statistics for 20 artists costs the same statements as for 2 (an admin's page)", async () => {
    const admin = viewerWith("ADMIN");
    const statementsFor = async (n: number) => {
      const ids = await Promise.all(Array.from({ length: n }, () => artist(m)));
      const count = m.countSql();
      const res = await m.query(
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Artist { statistics(days: 7) { plays skipRate days { plays } topSongs { plays } } } } }`,
        { r: ids.map((id) => ({ __typename: "Artist", id, viewerCanManage: true })) },
        { viewer: admin },
      );
      expect(res.errors).toBeUndefined();
      return count();
    };
    expect(await statementsFor(20)).toBe(await statementsFor(2));
  });
});
