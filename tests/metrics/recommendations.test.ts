// Recommendations in process on the real database: songs the same people listened to are
// similar (item-to-item co-occurrence computed in Postgres), "for you" offers what is similar to
// the listener's recent songs and not heard lately, hidden songs are never recommended, and
// plays in a private session are not used for anyone's recommendations.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rollUp } from "../../subgraphs/metrics/src/rollups/rollup.ts";
import { computeSimilar } from "../../subgraphs/metrics/src/recommendations/compute.ts";
import { inProcessMetrics, viewerWith } from "../support/inProcess.ts";
import { play, song, type Metrics } from "../support/metrics.ts";

let m: Metrics;
beforeAll(async () => {
  m = await inProcessMetrics();
});
afterAll(() => m.stop());

const person = () => viewerWith("USER") as { id: string; role: "USER" };
const similarTo = async (id: string) => {
  const res = await m.query(
    `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Song { similar(first: 20) { id } } } }`,
    {
      r: [{ __typename: "Song", id }],
    },
  );
  expect(res.errors).toBeUndefined();
  return res.data!._entities[0].similar.map((s: { id: string }) => s.id);
};

describe("recommendations", () => {
  it("call songs similar when the same people listen to both, and offer them for you", async () => {
    const [a, b, c, lone] = [await song(m), await song(m), await song(m), await song(m)];
    // Three listeners play a and b; two of them also c; one plays lone.
    const [x, y, z] = [person(), person(), person()];
    for (const p of [x, y, z]) {
      await play(m, p, a);
      await play(m, p, b);
    }
    await play(m, x, c);
    await play(m, y, c);
    await play(m, z, lone);
    await rollUp(m.services.db);
    await computeSimilar(m.services.db);
    expect(await similarTo(a)).toEqual([b, c]);
    // lone shares one listener with a: below the two co-listeners a pair needs.
    expect(await similarTo(lone)).toEqual([]);

    // z heard a and b but not c lately: c is for them; a and b, heard, are not offered.
    const forZ = await m.query(`{ forYou(first: 5) { id } }`, {}, { viewer: z });
    expect(forZ.errors).toBeUndefined();
    const offered = forZ.data!.forYou.map((s: { id: string }) => s.id);
    expect(offered[0]).toBe(c);
    expect(offered).not.toContain(a);
    expect(offered).not.toContain(b);
  });

  it("never recommend a hidden song, and use no plays of a private session", async () => {
    const [a, b, secret] = [await song(m), await song(m), await song(m)];
    const [x, y] = [person(), person()];
    for (const p of [x, y]) {
      await play(m, p, a);
      await play(m, p, b);
    }
    // y's session is private: y's plays of `secret` tell nothing about y's taste to others.
    const PRIVATE = `mutation ($on: Boolean!) { setPrivateSession(input: { enabled: $on }) { privateSession } }`;
    await m.query(PRIVATE, { on: true }, { viewer: y });
    await play(m, y, secret);
    await play(m, x, secret);
    await rollUp(m.services.db);
    await computeSimilar(m.services.db);
    expect(await similarTo(a)).toEqual([b]);
    // Hidden since: gone from the list at once.
    await song(m, { id: b, listed: false });
    expect(await similarTo(a)).toEqual([]);
    const forX = await m.query(`{ forYou { id } }`, {}, { viewer: x });
    expect(forX.data!.forYou.map((s: { id: string }) => s.id)).not.toContain(b);
  });

  it("need a signed-in caller for you, and bounds", async () => {
    expect((await m.query(`{ forYou { id } }`, {}, { viewer: null })).errors?.[0]?.extensions?.code).toBe(
      "UNAUTHENTICATED",
    );
    const tooMany = await m.query(`{ forYou(first: 51) { id } }`, {}, { viewer: person() });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});
