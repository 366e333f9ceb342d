// The offline API explorer at /explorer: served from the router's own packaged files in
// development (every file the page names answers, nothing from another host), gone in production.
import { readdirSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";
import { rawSocket } from "../support/ws.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startStack, type Stack } from "../support/stack.ts";
import { gql, register } from "../support/graphql.ts";

// altair-static is the router's dependency, not the root's: resolved from the router's package.
const { getDistDirectory } = createRequire(path.join(ROOT, "router/package.json"))("altair-static") as {
  getDistDirectory(): string;
};

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request with the path sent exactly as written (fetch would resolve `..` before sending). */
function raw(
  port: number,
  rawPath: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path: rawPath, method: opts.method ?? "GET", headers: opts.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const TYPES: Record<string, RegExp> = {
  ".html": /^text\/html; charset=utf-8$/,
  ".js": /^text\/javascript; charset=utf-8$/,
  ".css": /^text\/css; charset=utf-8$/,
  ".json": /^application\/json; charset=utf-8$/,
  ".md": /^text\/markdown; charset=utf-8$/,
  ".svg": /^image\/svg\+xml$/,
  ".png": /^image\/png$/,
  ".ico": /^image\/x-icon$/,
  ".woff": /^font\/woff$/,
  ".woff2": /^font\/woff2$/,
};

function expectedType(url: URL): RegExp {
  if (url.pathname === "/explorer" || url.pathname.endsWith("/")) return TYPES[".html"]!;
  const type = TYPES[path.posix.extname(url.pathname)];
  if (!type) throw new Error(`no expected content type for ${url.pathname}`);
  return type;
}

/** The relative URLs a file names: attributes in HTML, url() in CSS, module imports and workers in JS. */
function referencesOf(body: string, contentType: string): string[] {
  const all = (re: RegExp) => [...body.matchAll(re)].map((m) => m[1]!);
  if (contentType.startsWith("text/html")) return all(/<(?!base\b)[^>]*\s(?:src|href)="([^"]+)"/g);
  if (contentType.startsWith("text/css"))
    return all(/url\(\s*["']?([^"')]+)["']?\s*\)/g).filter((u) => !u.startsWith("data:") && !u.startsWith("#"));
  if (contentType.startsWith("text/javascript")) {
    return [
      ...all(/(?:\bimport|\bfrom)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g),
      ...all(/new URL\("([^"]+)",\s*import\.meta\.url\)/g),
    ];
  }
  return [];
}

describe("in development", () => {
  let stack: Stack;
  let port: number;
  let origin: string;
  beforeAll(async () => {
    stack = await startStack({ router: true, routerDevelopment: true });
    port = stack.router!.port;
    origin = `http://127.0.0.1:${port}`;
  });
  afterAll(() => stack.stop());

  it("serves the explorer page as HTML, locked to its own origin", async () => {
    for (const page of ["/explorer", "/explorer/"]) {
      const res = await raw(port, page);
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.body).toContain('<base href="/explorer/">');
      expect(res.body).toContain('src="melodi-explorer-init.js"');
      const csp = res.headers["content-security-policy"];
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("script-src 'self'");
    }
  });

  it("answers for every file the page names, recursively, with a sensible content type", async () => {
    // The script sandbox is named by computed strings in the JS (document.baseURI + "iframe-sandbox"), so it is a start of its own.
    const queue = ["/explorer", "/explorer/iframe-sandbox/index.html", "/explorer/iframe-sandbox/sandbox.png"].map(
      (p) => new URL(p, origin),
    );
    const seen = new Set(queue.map((u) => u.href));
    const external: string[] = [];
    for (let url = queue.shift(); url; url = queue.shift()) {
      const res = await fetch(url);
      expect(res.status, url.pathname).toBe(200);
      const contentType = res.headers.get("content-type") ?? "";
      expect(contentType, url.pathname).toMatch(expectedType(url));
      const body = await res.text();
      const base = contentType.startsWith("text/html")
        ? new URL(/<base href="([^"]*)"/.exec(body)?.[1] ?? "", url)
        : url;
      for (const reference of referencesOf(body, contentType)) {
        const target = new URL(reference, base);
        if (target.origin !== origin) {
          external.push(`${url.pathname} -> ${reference}`);
          continue;
        }
        target.hash = "";
        if (!seen.has(target.href)) {
          seen.add(target.href);
          queue.push(target);
        }
      }
    }
    // HTML and CSS name nothing on another host (the JS is checked by running it in a browser).
    expect(external.filter((e) => !e.includes(".js -> "))).toEqual([]);
    const paths = [...seen].map((href) => new URL(href).pathname);
    const entryPoints = [
      "/explorer/main.js",
      "/explorer/polyfills.js",
      "/explorer/styles.css",
      "/explorer/melodi-explorer-init.js",
    ];
    expect(paths).toEqual(expect.arrayContaining(entryPoints));
    expect(paths.filter((p) => p.endsWith(".woff2")).length).toBeGreaterThan(0);
    expect(paths.filter((p) => /\/chunk-\w+\.js$/.test(p)).length).toBeGreaterThan(10);
  });

  it("serves every file altair-static ships, each with a content type", async () => {
    const dist = getDistDirectory();
    const files = readdirSync(dist, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(50);
    for (const entry of files) {
      const relative = path.relative(dist, path.join(entry.parentPath, entry.name)).split(path.sep).join("/");
      const res = await raw(port, `/explorer/${relative}`, { method: "HEAD" });
      expect(res.status, relative).toBe(200);
      expect(res.headers["content-type"], relative).toMatch(TYPES[path.extname(entry.name)] ?? /^$/);
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
    }
  });

  it("configures Altair with this origin's /graphql, graphql-ws subscriptions and an editable Authorization header", async () => {
    const script = (await raw(port, "/explorer/melodi-explorer-init.js")).body;
    const run = (href: string) => {
      let options: Record<string, any> | undefined;
      vm.runInNewContext(script, {
        URL,
        location: new URL(href),
        AltairGraphQL: { init: (o: Record<string, any>) => (options = o) },
      });
      return options!;
    };
    const local = run(`${origin}/explorer`);
    expect(local.endpointURL).toBe(`${origin}/graphql`);
    expect(local.subscriptionsEndpoint).toBe(`ws://127.0.0.1:${port}/graphql`);
    expect(local.initialSubscriptionRequestHandlerId).toBe("graphql-ws");
    expect(local.initialHeaders).toEqual({ Authorization: "" });
    expect(local.initialSubscriptionsPayload).toEqual({ authorization: "" });
    expect(local.disableAccount).toBe(true);
    // Behind a TLS proxy on another host the page talks to that host, over wss.
    const proxied = run("https://api.example.test/explorer/");
    expect(proxied.endpointURL).toBe("https://api.example.test/graphql");
    expect(proxied.subscriptionsEndpoint).toBe("wss://api.example.test/graphql");

    // What the explorer sends before anyone pastes a token: an empty Authorization header.
    const res = await gql(local.endpointURL, "{ __typename }", {}, { headers: { Authorization: "" } });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ __typename: "Query" });

    // And what its graphql-ws client sends on connect (the payload as connectionParams) is accepted.
    const socket = await rawSocket(local.subscriptionsEndpoint.replace(/^ws/, "http"));
    await socket.init(local.initialSubscriptionsPayload);
    socket.socket.close();
  });

  it("runs Apollo Sandbox's subscriptions: its headers as connectionParams, from the page's origin or Studio's", async () => {
    // Sandbox (the landing page at GET /graphql, and Studio's) opens graphql-ws itself with the
    // request headers of its Headers panel as connectionParams: `Authorization`, capitalised.
    const star = await register(stack.router!.url);
    const fan = await register(stack.router!.url);
    for (const pageOrigin of [origin, "https://studio.apollographql.com"]) {
      const socket = await rawSocket(stack.router!.url, "graphql-transport-ws", { origin: pageOrigin });
      await socket.init({ Authorization: `Bearer ${star.accessToken}` });
      socket.send({ id: "1", type: "subscribe", payload: { query: "subscription { followerAdded { node { id } } }" } });
      // Signed in: the subscription stays open (a guest's would end with an error at once).
      await expect.poll(() => stack.router!.subscriptionStats().subscriptions).toBe(1);
      const followed = await gql(
        stack.router!.url,
        `mutation($id: ID!) { followUser(input: { userId: $id }) { userErrors { code } } }`,
        { id: star.id },
        { token: fan.accessToken },
      );
      expect(followed.data.followUser.userErrors).toEqual([]);
      expect(await socket.next()).toEqual({
        id: "1",
        type: "next",
        payload: { data: { followerAdded: { node: { id: fan.id } } } },
      });
      socket.socket.close();
      await expect.poll(() => stack.router!.subscriptionStats().connections).toBe(0);
      await gql(
        stack.router!.url,
        `mutation($id: ID!) { unfollowUser(input: { userId: $id }) { userErrors { code } } }`,
        { id: star.id },
        { token: fan.accessToken },
      );
    }
  });

  it("sends no CORS headers: Studio's hosted Sandbox cannot query the router over HTTP (README)", async () => {
    const preflight = await raw(port, "/graphql", {
      method: "OPTIONS",
      headers: {
        origin: "https://studio.apollographql.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,authorization",
      },
    });
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("lets browsers keep hashed files and revalidate the rest", async () => {
    const hashed = await raw(port, "/explorer/chunk-B7YGBANW.js");
    expect(hashed.status).toBe(200);
    expect(hashed.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const main = await raw(port, "/explorer/main.js");
    expect(main.headers["cache-control"]).toBe("no-cache");
    expect(main.headers.etag).toMatch(/^".+"$/);
    const again = await raw(port, "/explorer/main.js", { headers: { "if-none-match": main.headers.etag! } });
    expect(again.status).toBe(304);
    expect(again.body).toBe("");
    expect((await raw(port, "/explorer")).headers["cache-control"]).toBe("no-cache");
  });

  it("never serves a file outside Altair's build folder", async () => {
    const attempts = [
      "/explorer/../../package.json",
      "/explorer/../router/package.json",
      "/explorer/..%2f..%2fpackage.json",
      "/explorer/..%2F..%2F..%2Frouter%2Fpackage.json",
      "/explorer/%2e%2e/%2e%2e/package.json",
      "/explorer/%2e%2e%2f%2e%2e%2fpackage.json",
      "/explorer/assets/..%5c..%5c..%5cpackage.json",
      "/explorer/..\\..\\package.json",
      "/explorer//etc/passwd",
      "/explorer/%2fetc%2fpasswd",
      "/explorer/....//....//package.json",
      "/explorer/index.html%00.js",
      "/explorer/%E0%A4%A",
      "/explorer/assets/",
      "/explorer/iframe-sandbox",
    ];
    for (const attempt of attempts) {
      const res = await raw(port, attempt);
      expect([400, 404], attempt).toContain(res.status);
      expect(res.body, attempt).not.toMatch(/"name"|root:/);
    }
  });

  it("answers only GET and HEAD", async () => {
    const head = await raw(port, "/explorer/main.js", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers["content-length"])).toBeGreaterThan(1000);
    expect(head.body).toBe("");
    const post = await raw(port, "/explorer", { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
  });

  it("leaves GET /graphql to Apollo's landing page", async () => {
    const res = await raw(port, "/graphql", { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.body).not.toContain("melodi-explorer-init.js");
  });
});

describe("in production", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ router: true });
  });
  afterAll(() => stack.stop());

  it("has no explorer", async () => {
    const port = stack.router!.port;
    for (const page of ["/explorer", "/explorer/", "/explorer/main.js", "/explorer/melodi-explorer-init.js"]) {
      const res = await raw(port, page);
      expect(res.status, page).toBe(404);
      expect(res.body).not.toContain("<html");
    }
  });
});
