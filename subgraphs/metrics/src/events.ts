// Metrics' events (kit/src/events.ts; README "Events between subgraphs"): what it keeps of
// catalog's songs and artists (the rules need a song's duration; hidden songs and artists are
// never counted publicly or ranked),
// and accounts that are gone. It produces nothing yet.
import { defineEvents, type SqlRunner } from "@melodi/kit";
import type {} from "../../catalog/src/events.ts";
import type {} from "../../users/src/events.ts";

export const events = defineEvents({
  produces: [],
  handlers: {
    // Newest version wins: events may arrive out of order, twice, or from a back-fill.
    async "song.changed"(event, tx) {
      const s = event.payload;
      await tx.$executeRawUnsafe(
        `INSERT INTO "metrics"."SongRecord" AS cur ("id", "collectionId", "artistIds", "genreIds", "durationMs", "listed", "version")
         VALUES ($1::uuid, $2::uuid, $3::uuid[], $4::uuid[], $5, $6, $7)
         ON CONFLICT ("id") DO UPDATE SET "collectionId" = EXCLUDED."collectionId", "artistIds" = EXCLUDED."artistIds",
           "genreIds" = EXCLUDED."genreIds", "durationMs" = EXCLUDED."durationMs", "listed" = EXCLUDED."listed",
           "version" = EXCLUDED."version"
         WHERE cur."version" < EXCLUDED."version"`,
        s.songId,
        s.collectionId,
        s.artistIds,
        s.genreIds,
        s.durationMs ?? 0,
        s.listed,
        s.version,
      );
    },
    async "artist.changed"(event, tx) {
      const a = event.payload;
      await tx.$executeRawUnsafe(
        `INSERT INTO "metrics"."ArtistRecord" AS cur ("id", "name", "listed", "version") VALUES ($1::uuid, $2, $3, $4)
         ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name", "listed" = EXCLUDED."listed", "version" = EXCLUDED."version"
         WHERE cur."version" < EXCLUDED."version"`,
        a.artistId,
        a.name,
        a.listed,
        a.version,
      );
    },
    // The follow graph, for friend activity: the latest of a follow and an unfollow by time.
    async "user.followed"(event, tx) {
      const p = event.payload;
      await keepFollow(tx, p.followerId, p.followeeId, true, p.followedAt);
    },
    async "user.unfollowed"(event, tx) {
      const p = event.payload;
      await keepFollow(tx, p.followerId, p.followeeId, false, p.at);
    },
    // A deleted account's listening goes with it (its plays stay counted in the aggregates,
    // which name no one: songs, artists, genres, the platform).
    async "user.deleted"(event, tx) {
      // Everything that names the account: its reports and plays, its follows both ways, what
      // friends saw, its settings, the per-listener rollups (recommendations read UserSong) and
      // its deltas not rolled up yet (their plays are lost from the aggregates: at most a
      // minute's).
      for (const table of [
        "ListeningEvent",
        "Play",
        "LastActivity",
        "ListenerSettings",
        "PlayDelta",
        "UserSong",
        "UserDaily",
        "UserMonthly",
        "ArtistListener",
        "ArtistListenerDay",
      ])
        await tx.$executeRawUnsafe(`DELETE FROM "metrics"."${table}" WHERE "userId" = $1::uuid`, event.payload.userId);
      await tx.$executeRawUnsafe(
        `DELETE FROM "metrics"."Follow" WHERE "followerId" = $1::uuid OR "followeeId" = $1::uuid`,
        event.payload.userId,
      );
    },
  },
});

async function keepFollow(tx: SqlRunner, followerId: string, followeeId: string, following: boolean, at: string) {
  await tx.$executeRawUnsafe(
    `INSERT INTO "metrics"."Follow" AS cur ("followerId", "followeeId", "following", "at")
     VALUES ($1::uuid, $2::uuid, $3, $4::timestamptz AT TIME ZONE 'UTC')
     ON CONFLICT ("followerId", "followeeId") DO UPDATE SET "following" = EXCLUDED."following", "at" = EXCLUDED."at"
     WHERE cur."at" < EXCLUDED."at"`,
    followerId,
    followeeId,
    following,
    at,
  );
}
