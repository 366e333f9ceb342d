// A TCP hop in front of the real Redis that a test can cut (every connection dropped, as when
// Redis restarts) or hang (connections accepted, nothing answered), to see how clients cope.
import net from "node:net";

export interface RedisProxy {
  url: string;
  /** Drops every connection through the proxy; new ones go through again. */
  cut(): void;
  /** While on, new connections are accepted and never answered. */
  hang(on: boolean): void;
  close(): Promise<void>;
}

export async function startRedisProxy(redisUrl: string): Promise<RedisProxy> {
  const target = new URL(redisUrl);
  const sockets = new Set<net.Socket>();
  let hanging = false;
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    if (hanging) return;
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    sockets.add(upstream);
    upstream.on("close", () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => {});
    client.on("close", () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    hang: (on) => {
      hanging = on;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
