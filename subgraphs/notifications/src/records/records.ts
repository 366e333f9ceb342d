// What notifications keeps of other subgraphs' state, from their events (never their tables):
// accounts (announcements go to everyone or to a role; pushes name the actor), who follows which
// artist (new releases), and every release seen listed (its followers hear of it once). Each
// keeps the newest state: by version for accounts, by time for follows.
import type { DomainEvent, SqlRunner } from "@melodi/kit";
import type {} from "../../../users/src/events.ts";
import type {} from "../../../library/src/events.ts";
import type {} from "../../../catalog/src/events.ts";

export async function keepUser(tx: SqlRunner, u: DomainEvent<"user.changed">["payload"]): Promise<void> {
  await tx.$executeRawUnsafe(
    `INSERT INTO "notifications"."UserRecord" AS cur ("id", "displayName", "role", "blocked", "version")
     VALUES ($1::uuid, $2, $3::"notifications"."Role", $4, $5)
     ON CONFLICT ("id") DO UPDATE SET "displayName" = EXCLUDED."displayName", "role" = EXCLUDED."role",
       "blocked" = EXCLUDED."blocked", "version" = EXCLUDED."version"
     WHERE cur."version" < EXCLUDED."version" AND NOT cur."deleted"`,
    u.userId,
    u.displayName,
    u.role,
    u.blocked,
    u.version,
  );
}

/**
 * An account is gone: a tombstone (so a late `user.changed` does not bring it back), and
 * everything kept for it as a recipient goes (its notifications with their pushes, its devices,
 * its preferences, its follows).
 */
export async function forgetUser(tx: SqlRunner, userId: string): Promise<void> {
  await tx.$executeRawUnsafe(
    `INSERT INTO "notifications"."UserRecord" ("id", "displayName", "role", "blocked", "deleted", "version")
     VALUES ($1::uuid, '', 'USER', true, true, 2147483647)
     ON CONFLICT ("id") DO UPDATE SET "deleted" = true, "blocked" = true, "version" = 2147483647`,
    userId,
  );
  for (const table of ["Notification", "PushToken", "NotificationPreference", "QuietHours", "ArtistFollower"]) {
    const column = table === "Notification" ? "recipientId" : "userId";
    await tx.$executeRawUnsafe(`DELETE FROM "notifications"."${table}" WHERE "${column}" = $1::uuid`, userId);
  }
}

/** A follow or an unfollow of an artist: the latest by time wins, whatever order they arrive in. */
export async function keepArtistFollow(
  tx: SqlRunner,
  artistId: string,
  userId: string,
  following: boolean,
  at: string,
): Promise<void> {
  await tx.$executeRawUnsafe(
    `INSERT INTO "notifications"."ArtistFollower" AS cur ("artistId", "userId", "following", "at")
     VALUES ($1::uuid, $2::uuid, $3, $4::timestamptz AT TIME ZONE 'UTC')
     ON CONFLICT ("artistId", "userId") DO UPDATE SET "following" = EXCLUDED."following", "at" = EXCLUDED."at"
     WHERE cur."at" < EXCLUDED."at"`,
    artistId,
    userId,
    following,
    at,
  );
}

/** The artist's current followers. */
export async function followersOf(tx: SqlRunner, artistId: string): Promise<string[]> {
  const rows = await tx.$queryRawUnsafe<{ userId: string }[]>(
    `SELECT "userId"::text AS "userId" FROM "notifications"."ArtistFollower" WHERE "artistId" = $1::uuid AND "following"`,
    artistId,
  );
  return rows.map((r) => r.userId);
}

/**
 * A listed release: recorded (its title kept as its newest version's, for pushes); true only the
 * first time it is seen listed, so a release unlisted and listed again is news once. (An older
 * version arriving late updates nothing and returns no row: not a first listing either.)
 */
export async function firstListing(tx: SqlRunner, c: DomainEvent<"collection.changed">["payload"]): Promise<boolean> {
  const rows = await tx.$queryRawUnsafe<{ inserted: boolean }[]>(
    `INSERT INTO "notifications"."Release" AS r ("collectionId", "artistId", "title", "version", "listedAt")
     VALUES ($1::uuid, $2::uuid, $3, $4, now() AT TIME ZONE 'UTC')
     ON CONFLICT ("collectionId") DO UPDATE SET "title" = EXCLUDED."title", "artistId" = EXCLUDED."artistId",
       "version" = EXCLUDED."version"
     WHERE r."version" < EXCLUDED."version"
     RETURNING (r.xmax = 0) AS inserted`,
    c.collectionId,
    c.artistId,
    c.title,
    c.version,
  );
  return rows[0]?.inserted === true;
}
