// An API explorer that works offline: Altair, served from the files altair-static ships in its
// npm package. Apollo Sandbox (GET /graphql in development) loads its app from Apollo's CDN and
// shows nothing without internet; this page needs nothing but the router. Development only.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type http from "node:http";
import path from "node:path";
import { getDistDirectory, renderAltair, type RenderOptions } from "altair-static";
import type { RouteHandler } from "@melodi/kit";

export const EXPLORER_PATH = "/explorer";

export interface ExplorerOptions {
  /** Where the page lives (default `/explorer`); its assets are under `<path>/`. */
  path?: string;
  /** The GraphQL endpoint, as a path on the page's own origin (default `/graphql`). */
  graphqlPath?: string;
}

// The page's own script (the HTML names it; it is not one of Altair's files). It computes the
// endpoints in the browser, from the address the page was opened at, so the explorer works
// behind any host, port or TLS proxy without the router knowing its public URL.
const INIT_SCRIPT = "melodi-explorer-init.js";

// Altair's own files whose names carry a content hash: their content never changes under that
// name, so browsers may keep them for a year. Everything else is revalidated (ETag).
const HASHED = /-[A-Za-z0-9_]{8}\.(?:js|css)$/;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
};

// Nothing but this origin: no CDN, no plugins from jsDelivr, no Altair cloud account, no error
// reporting. Inline styles are allowed because Altair's Angular components set them at runtime.
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join("; ");

interface Asset {
  file: string;
  /** Served instead of the file's content. */
  body?: Buffer;
  contentType: string;
  cacheControl: string;
  etag: string;
}

// The script sandbox's HTML names its icon by an absolute path (`/vite.svg`), which would be the
// router's root; the file sits next to it, so it is named relative to the frame instead.
const REWRITES: Record<string, (html: string) => string> = {
  "iframe-sandbox/index.html": (html) => html.replace('href="/vite.svg"', 'href="vite.svg"'),
};

/** Every file of Altair's build, by its path relative to the build folder (`assets/img/logo_350.svg`). */
function indexAssets(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const relative = path.relative(root, file).split(path.sep).join("/");
    const rewrite = REWRITES[relative];
    const content = readFileSync(file);
    const body = rewrite ? Buffer.from(rewrite(content.toString("utf8"))) : undefined;
    assets.set(relative, {
      file,
      body,
      contentType: CONTENT_TYPES[path.extname(entry.name).toLowerCase()] ?? "application/octet-stream",
      cacheControl: HASHED.test(entry.name) ? "public, max-age=31536000, immutable" : "no-cache",
      etag: `"${createHash("sha1")
        .update(body ?? content)
        .digest("base64url")}"`,
    });
  }
  return assets;
}

function initScript(graphqlPath: string): string {
  const options = {
    initialHeaders: { Authorization: "" },
    initialSubscriptionRequestHandlerId: "graphql-ws",
    // Altair's graphql-ws client sends these as connectionParams (not the headers above): the
    // router authenticates a WebSocket from connectionParams `authorization`.
    initialSubscriptionsPayload: { authorization: "" },
    initialSettings: { "schema.reloadOnStart": true },
    // Re-applied on every load (not only the first): no update checks, banners or push prompts.
    persistedSettings: {
      "alert.disableUpdateNotification": true,
      "banners.disable": true,
      disablePushNotification: true,
      "plugin.list": [],
    },
    disableAccount: true,
    // Its own keys in the browser's storage, apart from any other Altair opened on this origin.
    instanceStorageNamespace: "melodi_explorer_",
  } satisfies RenderOptions;
  return `// Melodi's settings for Altair; the endpoints are this page's own origin.
const http = new URL(${JSON.stringify(graphqlPath)}, location.href);
const ws = new URL(http);
ws.protocol = http.protocol === "https:" ? "wss:" : "ws:";
AltairGraphQL.init({ ...${JSON.stringify(options)}, endpointURL: http.href, subscriptionsEndpoint: ws.href });
`;
}

function send(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
): void {
  res.writeHead(status, {
    "content-length": String(Buffer.byteLength(body)),
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

function notFound(req: http.IncomingMessage, res: http.ServerResponse): void {
  send(req, res, 404, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" }, "Not found.\n");
}

/**
 * The explorer's routes, for the kit's http front as `prefixRoutes`: one handler for the page
 * (`/explorer`, `/explorer/`) and every file under it. Mount it only in development.
 */
export function explorerRoutes(options: ExplorerOptions = {}): Record<string, RouteHandler> {
  const base = (options.path ?? EXPLORER_PATH).replace(/\/+$/, "");
  const assets = indexAssets(getDistDirectory());
  // Altair's HTML with <base href="/explorer/"> (its files are named relative to it) and our
  // init script instead of an inline one, so the page's CSP needs no inline script.
  const page = renderAltair({ baseURL: `${base}/`, serveInitialOptionsInSeperateRequest: INIT_SCRIPT });
  const init = initScript(options.graphqlPath ?? "/graphql");
  const pageHeaders = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-cache",
    "content-security-policy": PAGE_CSP,
  };

  const handler: RouteHandler = async (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return send(
        req,
        res,
        405,
        { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" },
        "Method not allowed.\n",
      );
    }
    // The same parse as the http front's (dot segments, also %2e, are already resolved here).
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const rest = pathname.slice(base.length).replace(/^\//, "");
    if (rest === "" || rest === "index.html") return send(req, res, 200, pageHeaders, page);
    if (rest === INIT_SCRIPT)
      return send(
        req,
        res,
        200,
        { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" },
        init,
      );

    let name: string;
    try {
      name = decodeURIComponent(rest);
    } catch {
      return send(req, res, 400, { "content-type": "text/plain; charset=utf-8" }, "Bad path.\n");
    }
    // Only names from the index are served: a path never reaches the file system, so encoded
    // separators or dots (`..%2f..%2fpackage.json`) find nothing instead of escaping the folder.
    const asset = assets.get(name);
    if (!asset) return notFound(req, res);
    if (req.headers["if-none-match"] === asset.etag) {
      res.writeHead(304, { etag: asset.etag, "cache-control": asset.cacheControl });
      return void res.end();
    }
    const body = asset.body ?? (await readFile(asset.file));
    // Altair runs the user's pre- and post-request scripts in this frame (an iframe the browser
    // sandboxes): it evaluates code by design, so it gets none of the page's restrictions.
    const frame: Record<string, string> = name.startsWith("iframe-sandbox/")
      ? {}
      : { "content-security-policy": PAGE_CSP };
    send(
      req,
      res,
      200,
      { "content-type": asset.contentType, "cache-control": asset.cacheControl, etag: asset.etag, ...frame },
      body,
    );
  };
  return { [`${base}/`]: handler };
}
