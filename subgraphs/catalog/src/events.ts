// Catalog's events (kit/src/events.ts; README "Events between subgraphs"): what it does with
// other subgraphs' events (each handler runs in the transaction that records the event as
// applied; the types here must be catalog's `consumes` in subgraphs.json), and what it produces.
//
// What it produces, a song's, release's or artist's current state, is written by triggers
// (prisma/catalog/migrations/*_catalog_events), not by outbox.record: every path that changes
// these rows, the `listed` cascades included, writes the event in its own transaction. Each row
// has a "version" that grows by one whenever what its event carries changes (never otherwise: a
// song's title change sends nothing); of two transactions changing one row, the second to commit waits
// for the first's row lock and counts on from its version. One event per entity and
// transaction, with the state at commit. The back-fill (`currentState`) sends every row's
// current state with its current version, under the same event id as the outbox's event for
// that version (a name-based UUID of type, entity and version), so either is applied once.
// Catalog deletes no song, release or artist (no mutation or admin operation does): the
// payloads have no `deleted` flag. A deletion path would need one.
import { defineEvents, type CurrentStateSource, type DomainEvent, type EventType, type SqlRunner } from "@melodi/kit";
// The payloads of the events catalog consumes are declared by their producers.
import type {} from "../../users/src/events.ts";

declare module "@melodi/kit" {
  interface EventPayloads {
    /** A song's current state for other subgraphs: sent when it is created, when any field below changes, and when its listing changes because of its release or an artist. */
    "song.changed": {
      songId: string;
      collectionId: string;
      /** Primary artist first, then featured artists in their order. */
      artistIds: string[];
      /** Sorted by id (a song's genres have no order). */
      genreIds: string[];
      durationMs: number;
      /** Listeners may see it (Song.listed). */
      listed: boolean;
      /** Only ever grows for one song; a consumer keeps the state with the highest version (events may arrive out of order or twice). */
      version: number;
    };
    /** A release's current state: sent when it is created and when a field below changes (its listing too, because of its artist). `listed` is Collection.listed; `version` as for songs. */
    "collection.changed": {
      collectionId: string;
      artistId: string;
      /** For consumers that sort or show releases by title (library's "Your Library"). */
      title: string;
      listed: boolean;
      coverUrl: string | null;
      version: number;
    };
    /** An artist's current state: sent when it is created and when its name or `listed` (both its switches on) changes. `version` as for songs. */
    "artist.changed": { artistId: string; name: string; listed: boolean; version: number };
  }
}

/** Rows read at a time by the back-fill. */
const PAGE = 500;
const FIRST_ID = "00000000-0000-0000-0000-000000000000";

/**
 * Every row of `table`, in id order, as events: the payload and the event id are the SQL
 * functions the triggers use, so a back-filled event equals the outbox's for the same version.
 */
function currentState<T extends EventType>(type: T, table: "Song" | "Collection" | "Artist", payload: string) {
  const sql = `SELECT "catalog"."event_id"($1, r.id, r.version)::text AS id, "catalog"."${payload}"(r) AS payload,
      r."updatedAt" AS "occurredAt", r.id::text AS key
    FROM "catalog"."${table}" r WHERE r.id > $2::uuid ORDER BY r.id LIMIT ${PAGE}`;
  const source: CurrentStateSource<T> = async function* (db: SqlRunner) {
    let after = FIRST_ID;
    for (;;) {
      const rows = await db.$queryRawUnsafe<
        { id: string; payload: DomainEvent<T>["payload"]; occurredAt: Date; key: string }[]
      >(sql, type, after);
      if (rows.length > 0)
        yield rows.map((row) => ({
          id: row.id,
          type,
          payload: row.payload,
          occurredAt: new Date(row.occurredAt).toISOString(),
        }));
      if (rows.length < PAGE) return;
      after = rows.at(-1)!.key;
    }
  };
  return source;
}

export const events = defineEvents({
  produces: ["song.changed", "collection.changed", "artist.changed"],
  handlers: {
    // A deleted account manages nothing: its artists stay, managed by their other accounts and
    // by admins, and no longer name it among their managers.
    async "user.deleted"(event, tx) {
      await tx.$executeRawUnsafe(
        `DELETE FROM "catalog"."ArtistManager" WHERE "userId" = $1::uuid`,
        event.payload.userId,
      );
    },
  },
  currentState: {
    "song.changed": currentState("song.changed", "Song", "song_changed_payload"),
    "collection.changed": currentState("collection.changed", "Collection", "collection_changed_payload"),
    "artist.changed": currentState("artist.changed", "Artist", "artist_changed_payload"),
  },
});
