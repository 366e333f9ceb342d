// Deleting notifications past 72 hours (their pushes go with them), in small batches so no
// statement holds many row locks or runs long beside requests.
import type { Db } from "../db.ts";
import { keptSince } from "../inbox/notify.ts";

export const CLEANUP_BATCH = 5000;

export async function deleteExpired(db: Db, batch = CLEANUP_BATCH): Promise<number> {
  const before = keptSince();
  let deleted = 0;
  for (;;) {
    const n = await db.$executeRawUnsafe(
      `DELETE FROM "notifications"."Notification" WHERE "id" IN (
         SELECT "id" FROM "notifications"."Notification" WHERE "createdAt" < $1 LIMIT $2)`,
      before,
      batch,
    );
    deleted += n;
    if (n < batch) return deleted;
  }
}
