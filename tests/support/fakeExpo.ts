// A fake of Expo's push service, as a real HTTP server speaking its wire format
// (https://docs.expo.dev/push-notifications/sending-notifications/): POST /--/api/v2/push/send
// takes up to 100 messages (JSON, gzipped when the SDK compresses) and answers one ticket per
// message in order; POST /--/api/v2/push/getReceipts takes { ids } and answers a receipt per id it
// knows. Tests and benches point the notifications subgraph at it (EXPO_BASE_URL) and script
// faults: 429s and 5xx for whole requests, DeviceNotRegistered per token, errors in receipts.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

export interface ReceivedPush {
  to: string;
  title?: string;
  body?: string;
  data?: Record<string, unknown>;
  ticketId: string;
}

export interface FakeExpo {
  url: string;
  /** Every message accepted (a ticket "ok" or "error" was answered), in order. */
  received: ReceivedPush[];
  /** Requests to push/send answered, by status (0: dropped without an answer). */
  sendRequests: Record<number, number>;
  /** The largest number of messages one push/send request carried. */
  largestChunk: number;
  /** Tokens whose tickets say DeviceNotRegistered. */
  unregistered: Set<string>;
  /** Tokens whose receipts (not tickets) say this error. */
  receiptErrors: Map<string, "DeviceNotRegistered" | "MessageRateExceeded" | "InvalidCredentials">;
  /** The next n push/send requests answer this status (429 or 5xx) instead. */
  failNext(n: number, status: number): void;
  /** The next n push/send requests are read, then their connection dropped without an answer. */
  dropNext(n: number): void;
  /** The next n getReceipts requests answer this status instead. */
  failReceiptsNext(n: number, status: number): void;
  /** Every push/send request answers 429 with this probability (benches). */
  rateLimitShare: number;
  /** Receipt ids asked for, over all getReceipts requests. */
  receiptsAsked: string[];
  /** Waits this long before answering push/send (a slow Expo). */
  delayMs: number;
  reset(): void;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let raw = Buffer.concat(chunks);
  if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
  return JSON.parse(raw.toString("utf8"));
}

function answer(res: ServerResponse, status: number, payload: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(payload));
}

export async function startFakeExpo(): Promise<FakeExpo> {
  const tickets = new Map<string, string>(); // ticket id → token
  let failures: number[] = [];
  let drops = 0;
  let receiptFailures: number[] = [];
  const fake: FakeExpo = {
    url: "",
    received: [],
    sendRequests: {},
    largestChunk: 0,
    unregistered: new Set(),
    receiptErrors: new Map(),
    rateLimitShare: 0,
    receiptsAsked: [],
    delayMs: 0,
    failNext(n, status) {
      failures.push(...Array.from({ length: n }, () => status));
    },
    dropNext(n) {
      drops += n;
    },
    failReceiptsNext(n, status) {
      receiptFailures.push(...Array.from({ length: n }, () => status));
    },
    reset() {
      fake.received = [];
      fake.sendRequests = {};
      fake.largestChunk = 0;
      fake.unregistered.clear();
      fake.receiptErrors.clear();
      fake.rateLimitShare = 0;
      fake.receiptsAsked = [];
      fake.delayMs = 0;
      failures = [];
      drops = 0;
      receiptFailures = [];
      tickets.clear();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const count = (status: number) => {
    fake.sendRequests[status] = (fake.sendRequests[status] ?? 0) + 1;
  };

  const server = createServer(async (req, res) => {
    try {
      if (req.method === "POST" && req.url === "/--/api/v2/push/send") {
        const input = await body(req);
        const messages = (Array.isArray(input) ? input : [input]) as Omit<ReceivedPush, "ticketId">[];
        if (fake.delayMs) await new Promise((r) => setTimeout(r, fake.delayMs));
        if (drops > 0) {
          drops--;
          count(0);
          // Expo may or may not have taken these: the sender must not send them again.
          for (const m of messages) fake.received.push({ ...m, ticketId: "" });
          return req.socket.destroy();
        }
        const failure = failures.shift() ?? (Math.random() < fake.rateLimitShare ? 429 : undefined);
        if (failure) {
          count(failure);
          return answer(res, failure, {
            errors: [
              failure === 429
                ? { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests." }
                : { code: "INTERNAL_SERVER_ERROR", message: "An unknown error occurred." },
            ],
          });
        }
        if (messages.length > 100) {
          count(400);
          return answer(res, 400, {
            errors: [
              {
                code: "PUSH_TOO_MANY_NOTIFICATIONS",
                message: "You are trying to send more than 100 push notifications in one request.",
              },
            ],
          });
        }
        count(200);
        fake.largestChunk = Math.max(fake.largestChunk, messages.length);
        const data = messages.map((m) => {
          const ticketId = randomUUID();
          fake.received.push({ ...m, ticketId });
          if (fake.unregistered.has(m.to))
            return {
              status: "error",
              message: `"${m.to}" is not a registered push notification recipient`,
              details: { error: "DeviceNotRegistered", expoPushToken: m.to },
            };
          tickets.set(ticketId, m.to);
          return { status: "ok", id: ticketId };
        });
        return answer(res, 200, { data });
      }
      if (req.method === "POST" && req.url === "/--/api/v2/push/getReceipts") {
        const { ids } = (await body(req)) as { ids: string[] };
        const failure = receiptFailures.shift();
        if (failure)
          return answer(res, failure, {
            errors: [{ code: "INTERNAL_SERVER_ERROR", message: "An unknown error occurred." }],
          });
        fake.receiptsAsked.push(...ids);
        const data: Record<string, unknown> = {};
        for (const id of ids) {
          const token = tickets.get(id);
          if (!token) continue; // Expo answers nothing for ids it does not know (or no longer keeps).
          const error = fake.receiptErrors.get(token);
          data[id] = error
            ? { status: "error", message: `Receipt error: ${error}`, details: { error } }
            : { status: "ok" };
        }
        return answer(res, 200, { data });
      }
      answer(res, 404, { errors: [{ code: "NOT_FOUND", message: "Not found." }] });
    } catch (err) {
      answer(res, 400, { errors: [{ code: "VALIDATION_ERROR", message: String(err) }] });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
