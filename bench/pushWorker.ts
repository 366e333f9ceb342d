// One push worker for `pnpm bench:notifications` (bench/notifications.ts): the service's own sender
// (subgraphs/notifications/src/push/sender.ts) in a process of its own, as a replica would run
// it, on DATABASE_URL and the fake Expo at EXPO_BASE_URL. Sends until nothing is pending (a
// batch Expo kept refusing goes back to wait and is taken again after a pause), prints its totals
// as one JSON line, and exits. The bench kills one of these with SIGKILL mid-run.
import { createLogger } from "@melodi/kit";
import { createDb } from "../subgraphs/notifications/src/db.ts";
import { createExpo } from "../subgraphs/notifications/src/push/expo.ts";
import { PUSH_DEFAULTS } from "../subgraphs/notifications/src/push/config.ts";
import { sendPending, type SendOutcome } from "../subgraphs/notifications/src/push/sender.ts";

const db = createDb({ databaseUrl: process.env.DATABASE_URL! });
const expo = createExpo({ expoBaseUrl: process.env.EXPO_BASE_URL });
const config = { ...PUSH_DEFAULTS, retryMinMs: Number(process.env.RETRY_MIN_MS ?? 200) };
const log = createLogger("bench-push-worker", undefined, "error");
const total: SendOutcome = { sent: 0, failed: 0, unknown: 0, requeued: 0 };
for (;;) {
  const o = await sendPending(db, expo, config, log);
  total.sent += o.sent;
  total.failed += o.failed;
  total.unknown += o.unknown;
  total.requeued += o.requeued;
  if (o.requeued === 0) break;
  await new Promise((r) => setTimeout(r, 500));
}
console.log(JSON.stringify(total));
await db.$disconnect();
process.exit(0);
