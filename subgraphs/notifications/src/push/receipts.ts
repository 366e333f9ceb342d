// Receipts (ARCHITECTURE.md §15): a ticket says Expo took a push; its receipt, available about
// 15 minutes later and kept by Expo about a day, says whether Apple or Google took it. The
// hourly job asks for the receipts of tickets old enough: ok → DELIVERED; an error → FAILED
// (DeviceNotRegistered also removes the token); none after a day → FAILED, RECEIPT_EXPIRED.
import type { Logger } from "@melodi/kit";
import type { Db } from "../db.ts";
import type { PushConfig } from "./config.ts";
import type { PushService } from "./expo.ts";
import { forgetTokens } from "./tokens.ts";

/** Receipt ids per request (Expo's limit is 1,000; the SDK chunks by 300). */
const RECEIPTS_PER_REQUEST = 300;
const PAGE = 3000;
const RECEIPT_KEPT_MS = 24 * 3600_000;

export interface ReceiptOutcome {
  delivered: number;
  failed: number;
  expired: number;
  /** Asked for, not available yet. */
  waiting: number;
}

export async function checkReceipts(
  db: Db,
  expo: PushService,
  config: Pick<PushConfig, "receiptDelayMs">,
  log: Logger,
): Promise<ReceiptOutcome> {
  const outcome: ReceiptOutcome = { delivered: 0, failed: 0, expired: 0, waiting: 0 };
  const before = new Date(Date.now() - config.receiptDelayMs);
  let after: { sentAt: Date; id: string } | undefined;
  for (;;) {
    const rows = await db.pushDelivery.findMany({
      where: {
        status: "SENT",
        ticketId: { not: null },
        sentAt: { lte: before },
        ...(after ? { OR: [{ sentAt: { gt: after.sentAt } }, { sentAt: after.sentAt, id: { gt: after.id } }] } : {}),
      },
      orderBy: [{ sentAt: "asc" }, { id: "asc" }],
      take: PAGE,
      select: { id: true, ticketId: true, token: true, sentAt: true },
    });
    if (rows.length === 0) return outcome;
    after = { sentAt: rows.at(-1)!.sentAt!, id: rows.at(-1)!.id };
    for (let i = 0; i < rows.length; i += RECEIPTS_PER_REQUEST) {
      const chunk = rows.slice(i, i + RECEIPTS_PER_REQUEST);
      const receipts = await expo.getPushNotificationReceiptsAsync(chunk.map((r) => r.ticketId!));
      const delivered: string[] = [];
      const failed: { id: string; error: string }[] = [];
      const gone: string[] = [];
      for (const row of chunk) {
        const receipt = receipts[row.ticketId!];
        if (!receipt) {
          if (Date.now() - row.sentAt!.getTime() > RECEIPT_KEPT_MS)
            failed.push({ id: row.id, error: "RECEIPT_EXPIRED" });
          else outcome.waiting++;
        } else if (receipt.status === "ok") delivered.push(row.id);
        else {
          failed.push({ id: row.id, error: (receipt.details?.error ?? "ExpoError").slice(0, 200) });
          if (receipt.details?.error === "DeviceNotRegistered") gone.push(row.token);
        }
      }
      if (delivered.length)
        await db.pushDelivery.updateMany({ where: { id: { in: delivered } }, data: { status: "DELIVERED" } });
      if (failed.length)
        await db.$executeRawUnsafe(
          `UPDATE "notifications"."PushDelivery" d SET "status" = 'FAILED', "error" = v.error
           FROM unnest($1::uuid[], $2::text[]) AS v(id, error) WHERE d."id" = v.id`,
          failed.map((f) => f.id),
          failed.map((f) => f.error),
        );
      if (gone.length) {
        await forgetTokens(db, gone, "DeviceNotRegistered");
        log.info({ tokens: gone.length }, "removed devices Expo no longer knows");
      }
      outcome.delivered += delivered.length;
      outcome.failed += failed.filter((f) => f.error !== "RECEIPT_EXPIRED").length;
      outcome.expired += failed.filter((f) => f.error === "RECEIPT_EXPIRED").length;
    }
  }
}
