// Devices that stop being someone's (signed out, evicted past the bound, or reported by Expo as
// no longer registered): the token goes, and so does every push still waiting for it, so nothing
// made before reaches a device that is no longer theirs.
import type { SqlRunner } from "@melodi/kit";

export type TokenGone = "TOKEN_REMOVED" | "DeviceNotRegistered";

export async function forgetTokens(tx: SqlRunner, tokens: string[], reason: TokenGone): Promise<void> {
  if (tokens.length === 0) return;
  await tx.$executeRawUnsafe(
    `UPDATE "notifications"."PushDelivery" SET "status" = 'FAILED', "error" = $2
     WHERE "token" = ANY($1::text[]) AND "status" IN ('PENDING', 'HELD')`,
    tokens,
    reason,
  );
  await tx.$executeRawUnsafe(`DELETE FROM "notifications"."PushToken" WHERE "token" = ANY($1::text[])`, tokens);
}
