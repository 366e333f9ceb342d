// The backoffice's platform figures through the router with the generated typed client: an
// admin reads the series after a listener's plays (rolled up); a listener is refused.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.ts";
import { register } from "../support/graphql.ts";
import { execute } from "../support/typedClient.ts";
import { accountWithRole, publishedAlbum } from "../support/catalog.ts";
import { until } from "../support/wait.ts";
import { ensureAdmin } from "../../subgraphs/users/src/seed.ts";
import { rollUp } from "../../subgraphs/metrics/src/rollups/rollup.ts";
import type { Db } from "../../subgraphs/metrics/src/db.ts";
import { AdminLoginDocument, AdminPlatformStatisticsDocument } from "../../schema/generated/backoffice.ts";
import { TrackPlaybackDocument } from "../../schema/generated/app.ts";

let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = await startStack({ router: true });
  url = stack.router!.url;
});
afterAll(() => stack.stop());

it("draws the platform's series for an admin, typed, and refuses a listener", async () => {
  const db = (stack.services.metrics as unknown as { services: { db: Db } }).services.db;
  const artist = await accountWithRole(stack, url, "ARTIST");
  const album = await publishedAlbum(url, artist.accessToken, 1);
  await until(
    async () => (await db.songRecord.count({ where: { id: album.songIds[0], listed: true } })) === 1,
    "metrics learning of the song",
  );
  const listener = await register(url);
  const tracked = await execute(
    url,
    TrackPlaybackDocument,
    {
      events: [
        {
          clientEventId: "1",
          playbackId: randomUUID(),
          songId: album.songIds[0]!,
          kind: "PROGRESS",
          positionMs: 90_000,
          at: new Date().toISOString(),
        },
      ],
    },
    listener.accessToken,
  );
  expect(tracked.data?.trackPlayback).toMatchObject({ accepted: 1, userErrors: [] });
  await rollUp(db);
  // A song catalog does not show (here: one it never had): its entry stays, its song is null,
  // and the rest of the figures are not lost with it.
  const unknown = randomUUID();
  await db.songDaily.create({ data: { songId: unknown, day: new Date(), plays: 1_000_000, completions: 0, skips: 0 } });
  // Other test files' songs share the rollups: ours gets yesterday's plays (as the rollups would
  // keep them) to be sure of a place in the top 10.
  const yesterday = new Date(Date.now() - 86400_000);
  await db.songDaily.create({
    data: { songId: album.songIds[0]!, day: yesterday, plays: 500_000, completions: 0, skips: 0 },
  });

  const email = `bo-metrics-${Date.now()}@example.com`;
  await ensureAdmin(stack.users.services.db, { email, password: "admin password 123", handle: `bm${Date.now()}` });
  const token = (await execute(url, AdminLoginDocument, { email, password: "admin password 123" })).data!.login.session!
    .accessToken;
  const stats = await execute(url, AdminPlatformStatisticsDocument, { days: 7, months: 3 }, token);
  expect(stats.errors).toBeUndefined();
  const p = stats.data!.platformStatistics!;
  expect(p.dailyActiveUsers).toHaveLength(7);
  expect(p.dailyActiveUsers.at(-1)!.value).toBeGreaterThanOrEqual(1);
  expect(p.monthlyPlays).toHaveLength(3);
  expect(p.topSongs.slice(0, 2)).toEqual([
    { plays: 1_000_000, song: null },
    { plays: 500_001, song: { id: album.songIds[0], title: "Track 1" } },
  ]);
  await db.songDaily.deleteMany({ where: { OR: [{ songId: unknown }, { songId: album.songIds[0], day: yesterday }] } });

  const refused = await execute(url, AdminPlatformStatisticsDocument, {}, listener.accessToken);
  expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
});
