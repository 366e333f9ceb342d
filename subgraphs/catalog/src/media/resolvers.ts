// Attaching finished uploads (media/uploads.ts) to songs, artists and releases, and the song's
// playback fields. Who may attach: the managers of the item's artist and admins (FORBIDDEN
// otherwise, access.ts), and only an upload they made themselves (admins: any).
import { isUuid, requireRole } from "@melodi/kit";
import { forbidden } from "@melodi/kit";
import type { Resolvers } from "../generated/graphql.ts";
import type { Context } from "../context.ts";
import type { SongRow } from "../models.ts";
import { canManage, canSeeSong, managedArtist, managedCollection, managedSong } from "../access.ts";
import { fail, notFound, type CatalogUserError } from "../errors.ts";
import { rules } from "../validation.ts";
import { RENDITIONS } from "./transcode.ts";

const MAX_ABOUT_IMAGES = 20;
const UPLOAD_FIELD = ["input", "uploadId"];

type UploadRow = NonNullable<Awaited<ReturnType<Context["db"]["mediaUpload"]["findUnique"]>>>;

/** The caller's finished, accepted, unused upload of the given kind, or the userError saying why not. */
async function usableUpload(
  ctx: Context,
  uploadId: string,
  kind: "AUDIO" | "IMAGE",
): Promise<{ upload: UploadRow } | { error: CatalogUserError }> {
  const viewer = requireRole(ctx.viewer, "ARTIST", "ADMIN");
  const upload = isUuid(uploadId) ? await ctx.db.mediaUpload.findUnique({ where: { id: uploadId } }) : null;
  if (!upload || (upload.uploaderId !== viewer.id && viewer.role !== "ADMIN")) {
    return { error: fail("UPLOAD_NOT_FOUND", "No finished upload with this id.", UPLOAD_FIELD) };
  }
  if (upload.rejectedReason)
    return { error: fail("UPLOAD_REJECTED", `This upload was rejected: ${upload.rejectedReason}`, UPLOAD_FIELD) };
  if (upload.kind !== kind)
    return {
      error: fail(
        "UPLOAD_WRONG_KIND",
        `This mutation takes ${kind === "AUDIO" ? "an audio" : "an image"} upload.`,
        UPLOAD_FIELD,
      ),
    };
  if (upload.attachedAt)
    return {
      error: fail("UPLOAD_ALREADY_USED", "This upload is already attached; upload the file again.", UPLOAD_FIELD),
    };
  return { upload };
}

const ALREADY_USED = () =>
  fail("UPLOAD_ALREADY_USED", "This upload is already attached; upload the file again.", UPLOAD_FIELD);

class AlreadyUsed extends Error {}

/**
 * Claims the upload and copies its file into storage under `key`, inside `write`'s transaction;
 * the upload's own file goes only after the commit. If anything fails, including the commit,
 * nothing is written, the stored copy is removed and the upload stays usable.
 */
async function attach<T>(
  ctx: Context,
  upload: UploadRow,
  key: string,
  write: (tx: Parameters<Parameters<Context["db"]["$transaction"]>[0]>[0]) => Promise<T>,
): Promise<T | null> {
  try {
    const result = await ctx.db.$transaction(async (tx) => {
      const claimed = await tx.mediaUpload.updateMany({
        where: { id: upload.id, attachedAt: null },
        data: { attachedAt: new Date() },
      });
      if (claimed.count !== 1) throw new AlreadyUsed();
      const value = await write(tx);
      await ctx.media.storage.copyIn(key, ctx.media.uploads.filePath(upload.id));
      return value;
    });
    await ctx.media.uploads.discard(upload.id).catch(() => {});
    return result;
  } catch (err) {
    if (err instanceof AlreadyUsed) return null;
    await ctx.media.storage.remove(key).catch(() => {});
    throw err;
  }
}

const imageKey = (upload: UploadRow) => `images/${upload.id}.${upload.extension ?? "bin"}`;

async function canManageSong(ctx: Context, song: SongRow): Promise<boolean> {
  if (await canManage(ctx, song.primaryArtistId)) return true;
  const collection = await ctx.loaders.collection.load(song.collectionId);
  return collection ? canManage(ctx, collection.primaryArtistId) : false;
}

/** The artist named by a mutation, if it exists; FORBIDDEN unless the viewer manages it. */

export const resolvers: Resolvers = {
  Song: {
    async streamingUrls(song, _args, ctx) {
      if (!song.audioId || !(await canSeeSong(ctx, song))) return null;
      const audioId = song.audioId;
      const [low, medium, high] = RENDITIONS.map(({ kbps }) => ctx.media.urls.audioUrl(audioId, kbps));
      return { low: low!, medium: medium!, high: high! };
    },
    async audioStatus(song, _args, ctx) {
      if (!(await canManageSong(ctx, song)))
        throw forbidden("Only the artist's managers and admins may see the audio status.");
      return song.audioStatus ?? null;
    },
  },

  Mutation: {
    async attachSongAudio(_parent, { input }, ctx) {
      const song = await managedSong(ctx, input.songId);
      if (!song) return { song: null, userErrors: [notFound.song()] };
      const usable = await usableUpload(ctx, input.uploadId, "AUDIO");
      if ("error" in usable) return { song: null, userErrors: [usable.error] };
      const { upload } = usable;
      const audioId = crypto.randomUUID();
      const originalKey = `audio/${audioId}/original.${upload.extension ?? "bin"}`;
      const done = await attach(ctx, upload, originalKey, async (tx) => {
        await tx.songAudio.create({
          data: { id: audioId, songId: song.id, uploadId: upload.id, durationMs: upload.durationMs ?? 0, originalKey },
        });
        await tx.song.update({ where: { id: song.id }, data: { audioStatus: "PROCESSING" } });
        return true;
      });
      if (!done) return { song: null, userErrors: [ALREADY_USED()] };
      try {
        await ctx.media.transcoder.enqueue(audioId);
      } catch (err) {
        // Stays PROCESSING; a worker starting later queues it again (transcode.ts).
        ctx.log.error({ err, audioId }, "could not queue transcoding");
      }
      ctx.loaders.song.clear(song.id);
      return { song: await ctx.loaders.song.load(song.id), userErrors: [] };
    },

    async attachArtistImage(_parent, { input }, ctx) {
      const artist = await managedArtist(ctx, input.artistId);
      if (!artist) return { artist: null, userErrors: [notFound.artist()] };
      const usable = await usableUpload(ctx, input.uploadId, "IMAGE");
      if ("error" in usable) return { artist: null, userErrors: [usable.error] };
      const key = imageKey(usable.upload);
      const done = await attach(ctx, usable.upload, key, (tx) =>
        tx.artist.update({ where: { id: artist.id }, data: { imageUrl: ctx.media.urls.imageUrl(key) } }),
      );
      if (!done) return { artist: null, userErrors: [ALREADY_USED()] };
      ctx.loaders.artist.clear(artist.id);
      return { artist: done, userErrors: [] };
    },

    async attachCollectionCover(_parent, { input }, ctx) {
      const collection = await managedCollection(ctx, input.collectionId);
      if (!collection) return { collection: null, userErrors: [notFound.collection()] };
      const usable = await usableUpload(ctx, input.uploadId, "IMAGE");
      if ("error" in usable) return { collection: null, userErrors: [usable.error] };
      const key = imageKey(usable.upload);
      const done = await attach(ctx, usable.upload, key, (tx) =>
        tx.collection.update({ where: { id: collection.id }, data: { coverUrl: ctx.media.urls.imageUrl(key) } }),
      );
      if (!done) return { collection: null, userErrors: [ALREADY_USED()] };
      ctx.loaders.collection.clear(collection.id);
      return { collection: done, userErrors: [] };
    },

    async addArtistAboutImage(_parent, { input }, ctx) {
      const artist = await managedArtist(ctx, input.artistId);
      if (!artist) return { artist: null, userErrors: [notFound.artist()] };
      const caption = rules.caption.safeParse(input.caption ?? "");
      if (!caption.success)
        return {
          artist: null,
          userErrors: [fail("TOO_LONG", "Caption must be at most 200 characters.", ["input", "caption"])],
        };
      const usable = await usableUpload(ctx, input.uploadId, "IMAGE");
      if ("error" in usable) return { artist: null, userErrors: [usable.error] };
      const key = imageKey(usable.upload);
      const tooMany = fail("TOO_MANY", `The gallery holds at most ${MAX_ABOUT_IMAGES} images.`, ["input", "uploadId"]);
      let full = false;
      const done = await attach(ctx, usable.upload, key, async (tx) => {
        // Serialises concurrent additions to the same gallery.
        await tx.$queryRaw`SELECT id FROM "catalog"."Artist" WHERE id = ${artist.id}::uuid FOR UPDATE`;
        const count = await tx.aboutImage.count({ where: { artistId: artist.id } });
        if (count >= MAX_ABOUT_IMAGES) {
          full = true;
          throw new Error("gallery full");
        }
        const last = await tx.aboutImage.findFirst({
          where: { artistId: artist.id },
          orderBy: { position: "desc" },
          select: { position: true },
        });
        await tx.aboutImage.create({
          data: {
            artistId: artist.id,
            url: ctx.media.urls.imageUrl(key),
            caption: caption.data,
            position: (last?.position ?? -1) + 1,
          },
        });
        return true;
      }).catch((err: unknown) => {
        if (full) return "full" as const;
        throw err;
      });
      if (done === "full") return { artist: null, userErrors: [tooMany] };
      if (!done) return { artist: null, userErrors: [ALREADY_USED()] };
      ctx.loaders.aboutImages.clear(artist.id);
      return { artist, userErrors: [] };
    },
  },
};
