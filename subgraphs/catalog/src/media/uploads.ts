// Resumable uploads (tus 1.0.0) under /uploads/, with @tus/server and its file store. Every
// request is authenticated with the same access token as GraphQL (Authorization: Bearer) and
// only ARTIST and ADMIN accounts may upload; an upload in progress answers only the account that
// created it. The client names the kind in the upload metadata (`kind`: audio | image).
//
// When the last byte arrives the file is checked (checks.ts). Accepted: a MediaUpload row, the
// file waits in the upload folder until a mutation attaches it (it then moves into media
// storage). Rejected: the file is removed, the client gets the reason (413, 415 or 422), and a
// MediaUpload row records the reason so a later mutation with that id gets a typed userError.
import type http from "node:http";
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { Server, type Locker } from "@tus/server";
import { FileStore } from "@tus/file-store";
import type { Authenticator, Logger, Viewer } from "@melodi/kit";
import type { Db } from "../db.ts";
import { checkUpload, type MediaKindName, type MediaLimits } from "./checks.ts";

export const UPLOADS_PATH = "/uploads";
const KINDS = new Set<string>(["audio", "image"]);

export interface UploadsOptions {
  /** Folder for uploads in progress and waiting to be attached. */
  dir: string;
  limits: MediaLimits;
  authenticator: Authenticator;
  db: Db;
  log: Logger;
  /** Unfinished uploads expire after this long (tus `expiration` extension). */
  expireAfterMs?: number;
  /** Locks on uploads in progress, shared by every replica (uploadLocks.ts). */
  locker: Locker;
}

export interface Uploads {
  /** Serves everything under /uploads/. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  /** Local path of a finished upload's bytes. */
  filePath(id: string): string;
  /** Removes a finished upload's file and tus record (attached and copied, or never attached). */
  discard(id: string): Promise<void>;
  /** Removes unfinished uploads past their expiry; returns how many. */
  deleteExpired(): Promise<number>;
}

/** An error tus answers with as is. */
function httpError(status_code: number, body: string) {
  return { status_code, body: `${body}\n` };
}

type TusRequest = { headers: Headers; method: string };

/** `kind` from an Upload-Metadata header ("key base64,key base64"), if any. */
function kindInHeader(header: string | null): string | undefined {
  for (const pair of (header ?? "").split(",")) {
    const [key, value] = pair.trim().split(" ");
    if (key === "kind") return Buffer.from(value ?? "", "base64").toString("utf8");
  }
  return undefined;
}

export function createUploads(opts: UploadsOptions): Uploads {
  const datastore = new FileStore({
    directory: opts.dir,
    expirationPeriodInMilliseconds: opts.expireAfterMs ?? 24 * 3600_000,
  });
  const viewers = new WeakMap<object, Viewer>();
  const fileOf = (id: string) => {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error(`not an upload id: ${id}`);
    return path.join(opts.dir, id);
  };
  const largest = Math.max(opts.limits.maxAudioBytes, opts.limits.maxImageBytes);

  async function authenticate(req: TusRequest): Promise<Viewer> {
    const known = viewers.get(req);
    if (known) return known;
    let viewer: Viewer | null;
    try {
      viewer = await opts.authenticator.authenticate(req.headers.get("authorization") ?? undefined);
    } catch {
      throw httpError(401, "The access token is invalid, expired or revoked.");
    }
    if (!viewer) throw httpError(401, "Sign in to upload: send Authorization: Bearer <access token>.");
    if (viewer.role !== "ARTIST" && viewer.role !== "ADMIN")
      throw httpError(403, "Only artist and admin accounts may upload.");
    viewers.set(req, viewer);
    return viewer;
  }

  const tus = new Server({
    path: UPLOADS_PATH,
    datastore,
    locker: opts.locker,
    relativeLocation: true,
    namingFunction: () => randomUUID(),
    // Checked before authentication, from the declared length: the kind's limit when the
    // metadata names it (creation), else the larger one (the declared size bounds later PATCHes).
    maxSize: (req) => {
      const kind = req.method === "POST" ? kindInHeader(req.headers.get("upload-metadata")) : undefined;
      return kind === "audio" ? opts.limits.maxAudioBytes : kind === "image" ? opts.limits.maxImageBytes : largest;
    },
    async onIncomingRequest(req, uploadId) {
      const viewer = await authenticate(req);
      if (req.method === "POST") return;
      let uploaderId: string | null | undefined;
      try {
        uploaderId = (await datastore.getUpload(uploadId)).metadata?.uploaderId;
      } catch {
        return; // unknown upload: tus answers 404
      }
      if (uploaderId !== viewer.id && viewer.role !== "ADMIN")
        throw httpError(404, "The file for this url was not found.");
    },
    async onUploadCreate(req, upload) {
      const viewer = await authenticate(req);
      const kind = upload.metadata?.kind;
      if (!kind || !KINDS.has(kind)) throw httpError(400, "Upload-Metadata must name the kind: audio or image.");
      if (upload.sizeIsDeferred || upload.size === undefined)
        throw httpError(400, "Declare the size with Upload-Length.");
      const filename = upload.metadata?.filename;
      return { metadata: { kind, uploaderId: viewer.id, ...(filename ? { filename: filename.slice(0, 200) } : {}) } };
    },
    async onUploadFinish(_req, upload) {
      const kind = upload.metadata?.kind as MediaKindName;
      const uploaderId = upload.metadata?.uploaderId ?? "";
      const size = upload.size ?? upload.offset;
      const result = await checkUpload(fileOf(upload.id), kind, size, opts.limits);
      const row = { id: upload.id, uploaderId, kind: kind === "audio" ? ("AUDIO" as const) : ("IMAGE" as const), size };
      if (!result.ok) {
        await datastore.remove(upload.id).catch(() => {});
        await opts.db.mediaUpload.create({ data: { ...row, rejectedReason: result.reason.slice(0, 300) } });
        opts.log.info({ uploadId: upload.id, kind, reason: result.reason }, "upload rejected");
        throw httpError(result.status, result.reason);
      }
      await opts.db.mediaUpload.create({
        data: { ...row, contentType: result.contentType, extension: result.extension, durationMs: result.durationMs },
      });
      opts.log.info({ uploadId: upload.id, kind, contentType: result.contentType, size }, "upload accepted");
      return { headers: { "Upload-Content-Type": result.contentType } };
    },
    onResponseError(_req, err) {
      if (err instanceof Error) {
        opts.log.error({ err }, "upload failed");
        return { status_code: 500, body: "Internal server error.\n" };
      }
      return undefined;
    },
  });

  return {
    handle: (req, res) => tus.handle(req, res),
    filePath: fileOf,
    async discard(id) {
      await rm(fileOf(id), { force: true });
      await rm(path.join(opts.dir, `${id}.json`), { force: true });
    },
    deleteExpired: () => datastore.deleteExpired(),
  };
}
