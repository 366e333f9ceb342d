// Friend activity in process on the real database: the follow graph from users' events (the
// latest of a follow and an unfollow wins, whatever order they arrive in), each followed
// person's last play, private sessions kept out.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessMetrics, viewerWith } from "../support/inProcess.ts";
import { deliver, play, report, song, track, type Metrics } from "../support/metrics.ts";

let m: Metrics;
beforeAll(async () => {
  m = await inProcessMetrics();
});
afterAll(() => m.stop());

const person = () => viewerWith("USER") as { id: string; role: "USER" };
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const follows = (follower: string, followee: string, at = ago(60_000)) =>
  deliver(m, "user.followed", { followerId: follower, followeeId: followee, followedAt: at });
const ACTIVITY = `query ($first: Int, $after: String) { friendActivity(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { friend { id } song { id } playing } } } }`;
const activityOf = async (viewer: { id: string; role: "USER" }, variables = {}) => {
  const res = await m.query(ACTIVITY, variables, { viewer });
  expect(res.errors).toBeUndefined();
  return res.data!.friendActivity;
};

describe("friend activity", () => {
  it("shows the last thing each person followed played, newest first, paged", async () => {
    const me = person();
    const [ana, bo, stranger] = [person(), person(), person()];
    await follows(me.id, ana.id);
    await follows(me.id, bo.id);
    const [s1, s2, s3] = [await song(m), await song(m), await song(m)];
    await track(m, ana, [report(s1, randomUUID(), "PROGRESS", 10_000, { at: new Date(Date.now() - 30_000) })]);
    const later = randomUUID();
    await track(m, bo, [report(s2, later, "PROGRESS", 10_000), report(s2, later, "ENDED", 20_000)]);
    await play(m, stranger, s3);
    const first = await activityOf(me, { first: 1 });
    expect(first.edges.map((e: any) => e.node)).toEqual([{ friend: { id: bo.id }, song: { id: s2 }, playing: false }]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = await activityOf(me, { first: 5, after: first.pageInfo.endCursor });
    expect(rest.edges.map((e: any) => e.node)).toEqual([{ friend: { id: ana.id }, song: { id: s1 }, playing: true }]);
  });

  it("follows the follow graph: an unfollow that arrives before its follow still wins", async () => {
    const me = person();
    const ana = person();
    const s = await song(m);
    await play(m, ana, s);
    await deliver(m, "user.unfollowed", { followerId: me.id, followeeId: ana.id, at: ago(1000) });
    await follows(me.id, ana.id, ago(5000));
    expect((await activityOf(me)).edges).toEqual([]);
    await follows(me.id, ana.id, ago(0));
    expect((await activityOf(me)).edges).toHaveLength(1);
  });

  it("keeps a private session out, from when it starts until it ends", async () => {
    const me = person();
    const ana = person();
    await follows(me.id, ana.id);
    const PRIVATE = `mutation ($on: Boolean!) { setPrivateSession(input: { enabled: $on }) { privateSession userErrors { code } } }`;
    const [before, during] = [await song(m), await song(m)];
    await play(m, ana, before);
    const on = await m.query(PRIVATE, { on: true }, { viewer: ana });
    expect(on.data!.setPrivateSession).toEqual({ privateSession: true, userErrors: [] });
    // Hidden at once, the play before included, and what is played meanwhile is not kept for friends.
    expect((await activityOf(me)).edges).toEqual([]);
    await play(m, ana, during);
    await m.query(PRIVATE, { on: false }, { viewer: ana });
    expect((await activityOf(me)).edges.map((e: any) => e.node.song.id)).toEqual([before]);
    // The private plays still count for the charts.
    expect(
      await m.services.db.play.count({ where: { userId: ana.id, songId: during, countedAt: { not: null } } }),
    ).toBe(1);
    const signedOut = await m.query(PRIVATE, { on: true }, { viewer: null });
    expect(signedOut.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await m.query(ACTIVITY, {}, { viewer: null })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
