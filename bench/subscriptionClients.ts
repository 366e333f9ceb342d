// The subscribers of `pnpm bench:subscriptions` (bench/subscriptions.ts), in a child process of
// their own so their CPU is read apart from the router's and the driver's. Each socket speaks
// graphql-transport-ws by hand (ws, no client library: the least client CPU per message), the way
// the mobile app does through graphql-ws: connection_init with the access token, one or more
// `subscribe`s, `pong` to every `ping`. Each `next` is checked and its latency recorded: the
// publisher puts its clock (performance.timeOrigin + performance.now(), the same clock in every
// process on the machine) into the event's `cursor`, which the subgraph passes through unchanged.
//
// Driven over IPC (serialization "advanced"): the parent sends Command, the child answers Reply.
import WebSocket from "ws";

export type Command =
  | {
      type: "open";
      url: string;
      query: string;
      /** One entry per socket: its token and how many subscriptions it opens. */
      sockets: { token: string; subscriptions: number }[];
      /** Sockets connecting at once. */
      concurrency: number;
      /** The artist name every payload must carry (the catalog field), per follower id. */
      artistOf: Record<string, string>;
    }
  /** Starts a new measurement window: latencies and counts from here on. */
  | { type: "window" }
  /** Answers with the latencies and counts since the last window. */
  | { type: "collect" }
  /** Closes every socket (1000) and answers once they are closed. */
  | { type: "closeAll" };

export type Reply =
  | {
      type: "opened";
      sockets: number;
      subscriptions: number;
      failed: string[];
      /** Connects and subscribes refused as "try again" (SERVICE_UNAVAILABLE) and sent again. */
      retried: { connects: number; subscribes: number; reasons: string[] };
    }
  | {
      type: "collected";
      /** Publish-to-receive latencies in ms, one per delivery. */
      latencies: Float64Array;
      /** The publisher's sequence number of each delivery (same order). */
      seqs: Float64Array;
      /** Deliveries whose payload had errors or the wrong data. */
      bad: string[];
      /** Subscriptions on open sockets that got nothing since the last window. */
      silent: number;
      /** Sockets still open, and every close since the start with its code and time. */
      open: number;
      closes: { code: number; at: number }[];
    }
  | { type: "closedAll" };

const now = () => performance.timeOrigin + performance.now();

interface Sock {
  ws: WebSocket;
  open: boolean;
  /** Deliveries per subscription (id - 1) since the last window. */
  got: number[];
}

const sockets: Sock[] = [];
let latencies: number[] = [];
let seqs: number[] = [];
let bad: string[] = [];
const closes: { code: number; at: number }[] = [];
let artistOf: Record<string, string> = {};
const retried = { connects: 0, subscribes: 0, reasons: [] as string[] };
/** What a client retries: the router could not check the token just now (kit auth.ts). */
const TRY_AGAIN = /Try again in a moment/;

function send(reply: Reply): void {
  process.send!(reply);
}

type Message = {
  type: string;
  id?: string;
  payload?: {
    data?: {
      followerAdded?: { cursor: string; node: { id: string; artistProfiles: { name: string }[] } };
    };
    errors?: unknown[];
  };
};

function onNext(sock: Sock, message: Message, at: number): void {
  const index = Number(message.id) - 1;
  sock.got[index] = (sock.got[index] ?? 0) + 1;
  const edge = message.payload?.data?.followerAdded;
  if (!edge || message.payload?.errors) {
    if (bad.length < 5) bad.push(JSON.stringify(message).slice(0, 500));
    else bad.push("");
    return;
  }
  const colon = edge.cursor.indexOf(":");
  latencies.push(at - Number(edge.cursor.slice(colon + 1)));
  seqs.push(Number(edge.cursor.slice(0, colon)));
  if (edge.node.artistProfiles[0]?.name !== artistOf[edge.node.id])
    bad.push(bad.length < 5 ? `wrong artistProfiles: ${JSON.stringify(edge).slice(0, 500)}` : "");
}

/** One socket: connect, init, subscribe; resolves once every subscription was sent after the ack. */
function openSocket(url: string, query: string, token: string, subscriptions: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, "graphql-transport-ws");
    const sock: Sock = { ws, open: false, got: new Array<number>(subscriptions).fill(0) };
    let settled = false;
    ws.on("open", () => {
      ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } }));
    });
    ws.on("message", (data) => {
      const at = now();
      const message = JSON.parse(String(data)) as Message;
      switch (message.type) {
        case "next":
          onNext(sock, message, at);
          break;
        case "ping":
          ws.send('{"type":"pong"}');
          break;
        case "connection_ack":
          sock.open = true;
          sockets.push(sock);
          for (let i = 0; i < subscriptions; i++)
            ws.send(JSON.stringify({ id: String(i + 1), type: "subscribe", payload: { query } }));
          settled = true;
          resolve();
          break;
        case "error":
          if (TRY_AGAIN.test(JSON.stringify(message.payload))) {
            retried.subscribes += 1;
            if (retried.reasons.length < 3) retried.reasons.push(JSON.stringify(message.payload).slice(0, 300));
            setTimeout(() => ws.send(JSON.stringify({ id: message.id, type: "subscribe", payload: { query } })), 250);
            break;
          }
          bad.push(bad.length < 5 ? `unexpected ${JSON.stringify(message).slice(0, 500)}` : "");
          break;
        case "complete":
          bad.push(bad.length < 5 ? `unexpected ${JSON.stringify(message).slice(0, 500)}` : "");
          break;
      }
    });
    ws.on("close", (code, reason) => {
      // Only sockets that were open (acked) count as closed; a refused connect is retried.
      if (sock.open) closes.push({ code, at: now() });
      sock.open = false;
      if (!settled) {
        settled = true;
        reject(new Error(`closed ${code} ${String(reason)} before connection_ack`));
      }
    });
    ws.on("error", (err) => {
      if (!settled) {
        settled = true;
        reject(err);
      }
    });
  });
}

process.on("message", async (command: Command) => {
  switch (command.type) {
    case "open": {
      artistOf = command.artistOf;
      const failed: string[] = [];
      let next = 0;
      const worker = async () => {
        while (next < command.sockets.length) {
          const s = command.sockets[next++]!;
          for (let attempt = 1; ; attempt++) {
            const error = await openSocket(command.url, command.query, s.token, s.subscriptions).then(
              () => undefined,
              (err: unknown) => String(err instanceof Error ? err.message : err),
            );
            if (error === undefined) break;
            if (attempt < 20 && TRY_AGAIN.test(error)) {
              retried.connects += 1;
              if (retried.reasons.length < 3) retried.reasons.push(error);
              await new Promise((r) => setTimeout(r, 250));
              continue;
            }
            failed.push(error);
            break;
          }
        }
      };
      await Promise.all(Array.from({ length: command.concurrency }, worker));
      const opened = sockets.filter((s) => s.open).length;
      send({
        type: "opened",
        sockets: opened,
        subscriptions: command.sockets.reduce((n, s) => n + s.subscriptions, 0),
        failed,
        retried: { ...retried, reasons: [...retried.reasons] },
      });
      retried.connects = 0;
      retried.subscribes = 0;
      retried.reasons = [];
      break;
    }
    case "window":
      latencies = [];
      seqs = [];
      bad = [];
      for (const sock of sockets) sock.got.fill(0);
      break;
    case "collect":
      send({
        type: "collected",
        latencies: Float64Array.from(latencies),
        seqs: Float64Array.from(seqs),
        bad,
        silent: sockets.filter((s) => s.open).reduce((n, s) => n + s.got.filter((g) => g === 0).length, 0),
        open: sockets.filter((s) => s.open).length,
        closes,
      });
      break;
    case "closeAll": {
      const waits = sockets
        .filter((s) => s.open)
        .map(
          (s) =>
            new Promise<void>((resolve) => {
              s.ws.once("close", () => resolve());
              s.ws.close(1000);
            }),
        );
      await Promise.all(waits);
      sockets.length = 0;
      closes.length = 0;
      send({ type: "closedAll" });
      break;
    }
  }
});
