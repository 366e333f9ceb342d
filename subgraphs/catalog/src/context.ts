// The one context type of the catalog subgraph.
import type { Outbox, RequestBase } from "@melodi/kit";
import type { Db } from "./db.ts";
import type { Loaders } from "./loaders.ts";
import type { MediaStorage } from "./media/storage.ts";
import type { Uploads } from "./media/uploads.ts";
import type { Transcoder } from "./media/transcode.ts";
import type { UrlSigner } from "./media/streaming.ts";
import type { UploadCleanup } from "./media/cleanup.ts";
import type { SearchCache } from "./search/cache.ts";
import type { events } from "./events.ts";

export interface MediaServices {
  storage: MediaStorage;
  uploads: Uploads;
  transcoder: Transcoder;
  urls: UrlSigner;
  cleanup: UploadCleanup;
}

export interface Services {
  db: Db;
  searchCache: SearchCache;
  /** Records catalog's events with the change (record), and relays them (nudge after such a commit). */
  outbox: Outbox<(typeof events.produces)[number]>;
  media: MediaServices;
}

export interface Context extends RequestBase, Services {
  loaders: Loaders;
}
