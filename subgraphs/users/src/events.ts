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

export const events = defineEvents({
  produces: ["user.deleted", "user.changed"],
  // users consumes nothing yet.
  handlers: {},
  currentState: { "user.changed": everyUser },
});
