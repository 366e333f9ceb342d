// Many subscribers for a bench, each its own graphql-ws connection (graphql-transport-ws, written
// by hand: connection_init with the token, one subscribe, pong to every ping) in this process.
// Resolves once every connection is acknowledged and subscribed; each `next` is handed over with
// the time it arrived (performance.timeOrigin + performance.now(), the clock every process on the
// machine shares).
import WebSocket from "ws";

export async function openSubscribers(opts: {
  url: string;
  tokens: string[];
  query: string;
  /** Each delivery's data, and when it arrived. */
  onNext: (data: any, at: number) => void;
  /** Every socket opened, for the bench to close at the end whatever happens. */
  sockets: WebSocket[];
}): Promise<void> {
  await Promise.all(
    opts.tokens.map(
      (token) =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(opts.url, "graphql-transport-ws");
          opts.sockets.push(ws);
          ws.once("error", reject);
          ws.on("open", () =>
            ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })),
          );
          ws.on("message", (raw) => {
            const at = performance.timeOrigin + performance.now();
            const m = JSON.parse(String(raw)) as { type: string; payload?: any };
            if (m.type === "ping") ws.send(JSON.stringify({ type: "pong" }));
            else if (m.type === "connection_ack") {
              ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: opts.query } }));
              resolve();
            } else if (m.type === "next") opts.onNext(m.payload?.data, at);
            else if (m.type === "error") reject(new Error(JSON.stringify(m.payload)));
          });
        }),
    ),
  );
}
