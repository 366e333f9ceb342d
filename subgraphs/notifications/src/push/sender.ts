// Sending pushes (ARCHITECTURE.md §15). Deliveries are rows written with their notification;
// a send job claims a batch (PENDING → SENDING, committed before anything is sent), sends it to
// Expo in chunks of 100, and records each ticket. A chunk Expo refused as a whole (429, 5xx, or
// no connection) is retried with backoff and, past its attempts, goes back to PENDING for a
// later job: Expo did not take it. A request whose fate is unknown (the connection dropped after
// it was sent) is not sent again, and neither is anything a worker claimed before it died:
// those stay SENDING, counted as unknown. So each push goes at most once per device.
import type { Logger } from "@melodi/kit";
import type { Db } from "../db.ts";
import type { PushConfig } from "./config.ts";
import type { ExpoPushTicket, PushService } from "./expo.ts";
import { messageOf, type PushSubject } from "./messages.ts";
import { forgetTokens } from "./tokens.ts";

export const CHUNK = 100;

/** Claims up to `limit` pending deliveries, with what their pushes say. */
async function claim(db: Db, limit: number): Promise<PushSubject[]> {
  return db.$queryRawUnsafe<PushSubject[]>(
    `WITH c AS (
       UPDATE "notifications"."PushDelivery" d SET "status" = 'SENDING', "claimedAt" = now() AT TIME ZONE 'UTC'
       WHERE d."id" IN (SELECT "id" FROM "notifications"."PushDelivery" WHERE "status" = 'PENDING'
                        ORDER BY "createdAt" LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING d."id", d."token", d."notificationId")
     SELECT c."id"::text AS "deliveryId", c."token", c."notificationId"::text AS "notificationId", n."type"::text AS "type",
       n."changeCount", u."displayName" AS "actorName", r."title" AS "releaseTitle",
       a."title" AS "announcementTitle", a."body" AS "announcementBody"
     FROM c JOIN "notifications"."Notification" n ON n."id" = c."notificationId"
     LEFT JOIN "notifications"."UserRecord" u ON u."id" = n."actorId"
     LEFT JOIN "notifications"."Release" r ON r."collectionId" = n."collectionId"
     LEFT JOIN "notifications"."Announcement" a ON a."id" = n."announcementId"`,
    limit,
  );
}

/** Errors of a connection that was never made: nothing was sent. */
const NOT_CONNECTED = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * What a failed request tells: Expo answered and took nothing (`refused`: a 429 or 5xx, worth
 * trying again; `rejected`: another status, which trying again will not change, e.g. a rotated
 * access token), no connection was made (`refused`), or the request may have reached Expo
 * (`unknown`: a connection dropped mid-request, a malformed answer).
 */
function outcomeOf(err: unknown): { kind: "refused" | "rejected" | "unknown"; error?: string } {
  const e = err as { statusCode?: number; code?: string; cause?: { code?: string } };
  if (e.statusCode !== undefined) {
    if (e.statusCode === 429 || e.statusCode >= 500) return { kind: "refused" };
    return { kind: "rejected", error: `HTTP_${e.statusCode}${e.code ? `_${e.code}` : ""}`.slice(0, 200) };
  }
  const code = e.cause?.code ?? e.code;
  return code && NOT_CONNECTED.has(code) ? { kind: "refused" } : { kind: "unknown" };
}

export interface SendOutcome {
  sent: number;
  failed: number;
  /** Sent, fate unknown (not retried). */
  unknown: number;
  /** Refused by Expo past the attempts: back to PENDING. */
  requeued: number;
}

/** Records tickets (and the tokens Expo no longer knows) in one statement each. */
async function record(db: Db, subjects: PushSubject[], tickets: ExpoPushTicket[]): Promise<SendOutcome> {
  const ids: string[] = [];
  const statuses: string[] = [];
  const ticketIds: (string | null)[] = [];
  const errors: (string | null)[] = [];
  const gone: string[] = [];
  subjects.forEach((s, i) => {
    const t = tickets[i]!;
    ids.push(s.deliveryId);
    if (t.status === "ok") {
      statuses.push("SENT");
      ticketIds.push(t.id);
      errors.push(null);
    } else {
      statuses.push("FAILED");
      ticketIds.push(null);
      errors.push((t.details?.error ?? t.message ?? "ExpoError").slice(0, 200));
      if (t.details?.error === "DeviceNotRegistered") gone.push(s.token);
    }
  });
  await db.$executeRawUnsafe(
    `UPDATE "notifications"."PushDelivery" d SET "status" = v.status::"notifications"."PushStatus",
       "ticketId" = v.ticket, "error" = v.error, "sentAt" = now() AT TIME ZONE 'UTC'
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS v(id, status, ticket, error)
     WHERE d."id" = v.id`,
    ids,
    statuses,
    ticketIds,
    errors,
  );
  await forgetTokens(db, gone, "DeviceNotRegistered");
  const sent = statuses.filter((s) => s === "SENT").length;
  return { sent, failed: subjects.length - sent, unknown: 0, requeued: 0 };
}

async function settle(db: Db, subjects: PushSubject[], status: "PENDING" | "SENDING" | "FAILED", error: string | null) {
  await db.$executeRawUnsafe(
    `UPDATE "notifications"."PushDelivery" SET "status" = $2::"notifications"."PushStatus", "error" = $3,
       "claimedAt" = CASE WHEN $2 = 'PENDING' THEN NULL ELSE "claimedAt" END
     WHERE "id" = ANY($1::uuid[])`,
    subjects.map((s) => s.deliveryId),
    status,
    error,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sendChunk(
  db: Db,
  expo: PushService,
  config: PushConfig,
  log: Logger,
  chunk: PushSubject[],
): Promise<SendOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      const tickets = await expo.sendPushNotificationsAsync(chunk.map(messageOf));
      return await record(db, chunk, tickets);
    } catch (err) {
      const outcome = outcomeOf(err);
      if (outcome.kind === "rejected") {
        // Expo took nothing and will not take these as they are: failed, with its reason, and
        // loudly (a credential or a request of ours is wrong; figures show it).
        log.error({ err, pushes: chunk.length }, "Expo rejected the pushes");
        await settle(db, chunk, "FAILED", outcome.error!);
        return { sent: 0, failed: chunk.length, unknown: 0, requeued: 0 };
      }
      if (outcome.kind === "unknown") {
        // Sent, perhaps taken: never again (at most once); counted as unknown.
        log.warn({ err, pushes: chunk.length }, "push request's fate unknown; not retried");
        await settle(db, chunk, "SENDING", "UNKNOWN");
        return { sent: 0, failed: 0, unknown: chunk.length, requeued: 0 };
      }
      if (attempt >= config.chunkAttempts) {
        log.warn(
          { err, pushes: chunk.length, attempts: attempt },
          "Expo refused the pushes; they wait for the next send",
        );
        await settle(db, chunk, "PENDING", null);
        return { sent: 0, failed: 0, unknown: 0, requeued: chunk.length };
      }
      await sleep(config.retryMinMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
    }
  }
}

/**
 * Sends pending pushes until none are left (or a batch is requeued: Expo is refusing, and the
 * job's own retry comes back later). Returns what happened.
 */
export async function sendPending(db: Db, expo: PushService, config: PushConfig, log: Logger): Promise<SendOutcome> {
  const total: SendOutcome = { sent: 0, failed: 0, unknown: 0, requeued: 0 };
  for (;;) {
    const claimed = await claim(db, config.claimSize);
    if (claimed.length === 0) return total;
    const chunks: PushSubject[][] = [];
    for (let i = 0; i < claimed.length; i += CHUNK) chunks.push(claimed.slice(i, i + CHUNK));
    // The SDK bounds the requests in flight (6).
    const outcomes = await Promise.all(chunks.map((c) => sendChunk(db, expo, config, log, c)));
    for (const o of outcomes) {
      total.sent += o.sent;
      total.failed += o.failed;
      total.unknown += o.unknown;
      total.requeued += o.requeued;
    }
    if (outcomes.some((o) => o.requeued > 0)) return total;
  }
}
