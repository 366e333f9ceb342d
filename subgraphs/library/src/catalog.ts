// What library knows of the catalog (ARCHITECTURE.md §6, §14): a local record of each song,
// release and artist, kept by catalog's events and never read from catalog's tables. Events may
// arrive twice or out of order (a retried job, a back-fill racing a live change): each record
// keeps the state with the highest version, so the newest state wins whatever the order.
import type { EventHandlers } from "@melodi/kit";
import type {} from "../../catalog/src/events.ts";

export const catalogHandlers = {
  async "song.changed"(event, tx) {
    const s = event.payload;
    await tx.$executeRawUnsafe(
      `INSERT INTO "library"."CatalogSong" AS cur ("id", "collectionId", "artistIds", "genreIds", "durationMs", "listed", "version", "updatedAt")
       VALUES ($1::uuid, $2::uuid, $3::uuid[], $4::uuid[], $5, $6, $7, now())
       ON CONFLICT ("id") DO UPDATE SET "collectionId" = EXCLUDED."collectionId", "artistIds" = EXCLUDED."artistIds",
         "genreIds" = EXCLUDED."genreIds", "durationMs" = EXCLUDED."durationMs", "listed" = EXCLUDED."listed",
         "version" = EXCLUDED."version", "updatedAt" = now()
       WHERE cur."version" < EXCLUDED."version"`,
      s.songId,
      s.collectionId,
      s.artistIds,
      s.genreIds,
      s.durationMs,
      s.listed,
      s.version,
    );
  },
  async "collection.changed"(event, tx) {
    const c = event.payload;
    await tx.$executeRawUnsafe(
      `INSERT INTO "library"."CatalogCollection" AS cur ("id", "artistId", "listed", "coverUrl", "version", "title", "updatedAt")
       VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, now())
       ON CONFLICT ("id") DO UPDATE SET "artistId" = EXCLUDED."artistId", "listed" = EXCLUDED."listed", "title" = EXCLUDED."title",
         "coverUrl" = EXCLUDED."coverUrl", "version" = EXCLUDED."version", "updatedAt" = now()
       WHERE cur."version" < EXCLUDED."version"`,
      c.collectionId,
      c.artistId,
      c.listed,
      c.coverUrl,
      c.version,
      c.title,
    );
  },
  async "artist.changed"(event, tx) {
    const a = event.payload;
    await tx.$executeRawUnsafe(
      `INSERT INTO "library"."CatalogArtist" AS cur ("id", "listed", "version", "name", "updatedAt")
       VALUES ($1::uuid, $2, $3, $4, now())
       ON CONFLICT ("id") DO UPDATE SET "listed" = EXCLUDED."listed", "version" = EXCLUDED."version",
         "name" = EXCLUDED."name", "updatedAt" = now()
       WHERE cur."version" < EXCLUDED."version"`,
      a.artistId,
      a.listed,
      a.version,
      a.name,
    );
  },
} satisfies EventHandlers;
