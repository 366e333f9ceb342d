// The events users produces, and what each carries (kit/src/events.ts; README "Events between
// subgraphs"). Consumers import this file's types; who consumes what is in subgraphs.json.
import { createHash } from "node:crypto";
import { defineEvents, type DomainEvent, type SqlRunner } from "@melodi/kit";

declare module "@melodi/kit" {
  interface EventPayloads {
    /** An account was deleted (admin deleteUser). Catalog drops it from the artists it managed. */
    "user.deleted": { userId: string };
    /**
     * What other subgraphs keep of an account, whole: sent when its profile is created and when
     * its handle, display name, role or blocked state changes (a trigger in users' database, the
     * user_changed_events migration, so every path sends it). `version` only grows for one user;
     * keep the state with the highest. A back-fill sends version 0: it fills in what a consumer
     * lacks and never overwrites what a live event brought.
     */
    "user.changed": {
      userId: string;
      handle: string;
      displayName: string;
      role: "USER" | "ARTIST" | "ADMIN";
      blocked: boolean;
      version: number;
    };
    /**
     * `followerId` began following `followeeId` (followUser, in the transaction of the follow;
     * following again sends nothing). A consumer keeps, per (follower, followee), the newest state
     * by time: this event stands unless it has an unfollow with a later `at`; a follow whose
     * `followedAt` is later than the unfollow's `at` wins over it. The back-fill (currentState)
     * sends every current follow as this event. A deleted account's follows go without unfollow
     * events: `user.deleted` says so.
     */
    "user.followed": { followerId: string; followeeId: string; followedAt: string };
    /**
     * `followerId` stopped following `followeeId` (unfollowUser, in the transaction of the
     * unfollow; unfollowing someone not followed sends nothing). `at` is when; as with
     * `user.followed`, the newest by time wins: this one over a follow with an earlier
     * `followedAt`, a later follow over this one.
     */
    "user.unfollowed": { followerId: string; followeeId: string; at: string };
  }
}

/** A uuid (v5 layout) named by `name`: the same name always gives the same id. */
function nameId(name: string): string {
  const h = createHash("sha1").update(`melodi:users:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface UserStateRow {
  userId: string;
  handle: string;
  displayName: string;
  role: "USER" | "ARTIST" | "ADMIN";
  blocked: boolean;
}

/** Every account as `user.changed` (version 0), in pages, for a consumer's back-fill. */
async function* everyUser(db: SqlRunner): AsyncIterable<DomainEvent<"user.changed">[]> {
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const rows = await db.$queryRawUnsafe<UserStateRow[]>(
      `SELECT u."id"::text AS "userId", p."handle", p."displayName", u."role"::text AS "role", u."blockedAt" IS NOT NULL AS "blocked"
       FROM "users"."User" u JOIN "users"."Profile" p ON p."userId" = u."id"
       WHERE u."id" > $1::uuid ORDER BY u."id" LIMIT 500`,
      after,
    );
    if (rows.length === 0) return;
    yield rows.map((row) => ({
      id: nameId(`user.changed:${row.userId}:current`),
      type: "user.changed" as const,
      payload: { ...row, version: 0 },
      occurredAt: new Date().toISOString(),
    }));
    after = rows.at(-1)!.userId;
  }
}

interface FollowRow {
  followerId: string;
  followeeId: string;
  createdAt: Date;
}

/**
 * Every follow as `user.followed`, in pages of 500 (keyset on the primary key), for a consumer's
 * back-fill. An id names the follow and when it was made, so a run twice gives the same ids, and
 * a follow undone and made again is a new event.
 */
async function* everyFollow(db: SqlRunner): AsyncIterable<DomainEvent<"user.followed">[]> {
  let after = {
    followerId: "00000000-0000-0000-0000-000000000000",
    followeeId: "00000000-0000-0000-0000-000000000000",
  };
  for (;;) {
    const rows = await db.$queryRawUnsafe<FollowRow[]>(
      `SELECT "followerId"::text AS "followerId", "followeeId"::text AS "followeeId", "createdAt"
       FROM "users"."Follow"
       WHERE ("followerId", "followeeId") > ($1::uuid, $2::uuid) ORDER BY "followerId", "followeeId" LIMIT 500`,
      after.followerId,
      after.followeeId,
    );
    if (rows.length === 0) return;
    yield rows.map((row) => {
      const at = new Date(row.createdAt);
      return {
        id: nameId(`user.followed:${row.followerId}:${row.followeeId}:${at.getTime()}`),
        type: "user.followed" as const,
        payload: { followerId: row.followerId, followeeId: row.followeeId, followedAt: at.toISOString() },
        occurredAt: at.toISOString(),
      };
    });
    const last = rows.at(-1)!;
    after = { followerId: last.followerId, followeeId: last.followeeId };
  }
}

export const events = defineEvents({
  produces: ["user.deleted", "user.changed", "user.followed", "user.unfollowed"],
  // users consumes nothing yet.
  handlers: {},
  currentState: { "user.changed": everyUser, "user.followed": everyFollow },
});
