-- AlterTable
ALTER TABLE "catalog"."Artist" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "catalog"."Collection" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "catalog"."Song" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "catalog"."OutboxEvent" ADD COLUMN     "mergeKey" VARCHAR(120);

-- CreateIndex
CREATE UNIQUE INDEX "OutboxEvent_mergeKey_key" ON "catalog"."OutboxEvent"("mergeKey");


-- Added by hand (Prisma schemas cannot declare functions or triggers): catalog's events for other
-- subgraphs (subgraphs/catalog/src/events.ts declares their payloads; ARCHITECTURE.md §6), written
-- by triggers in the transaction of the change, whatever made it: a mutation, the `listed`
-- triggers' cascades (an artist hidden relists its releases and songs), the transcoder setting a
-- duration, a seed, a hand-written statement. Everything here is set-based: a statement changing
-- 500 songs writes their 500 events with one INSERT.
--
-- Versions: each row's "version" grows by one whenever what its event carries changes (a BEFORE
-- trigger, so the row is locked: of two transactions changing the same row, the one committing
-- second waits for the first and counts on from its version). Its event carries it; consumers
-- keep the highest. Rows that exist already start at 1 (the column default); the back-fill
-- sends them.
--
-- One event per entity and transaction: a trigger's event for a row already sent in this
-- transaction replaces that event ("mergeKey"), so a mutation that rewrites a song's genres in
-- two statements still sends one event, with the final state.

-- An event's id: a name-based (v3) UUID of its type, entity and version, so the outbox's event
-- and the back-fill's for the same version share an id (the consumer applies either once).
CREATE FUNCTION "catalog"."event_id"(event_type text, entity uuid, version integer) RETURNS uuid
  LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT (overlay(overlay(h PLACING '3' FROM 13)
    PLACING substr('89ab', (('x' || substr(h, 17, 1))::bit(4)::int & 3) + 1, 1) FROM 17))::uuid
  FROM md5(decode('8bd0c8f981ca4fd6836fb485245b31e8', 'hex') || convert_to(event_type || ':' || entity || ':' || version, 'UTF8')) AS h
$$;

-- What makes events of one transaction for one entity the same outbox row (see above). The
-- transaction's start time beside its id: ids begin again in a restored cluster.
CREATE FUNCTION "catalog"."event_merge_key"(event_type text, entity uuid) RETURNS text
  LANGUAGE sql VOLATILE AS $$
  SELECT event_type || ':' || entity || ':' || txid_current() || ':' || (extract(epoch FROM transaction_timestamp()) * 1000000)::bigint
$$;

-- The payloads (EventPayloads in subgraphs/catalog/src/events.ts), from a row as it is now: the
-- triggers and the back-fill (currentState) both use these, so both send the same state.
CREATE FUNCTION "catalog"."song_changed_payload"(s "catalog"."Song") RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'songId', s.id,
    'collectionId', s."collectionId",
    'artistIds', to_jsonb(ARRAY[s."primaryArtistId"] || ARRAY(
      SELECT sa."artistId" FROM "catalog"."SongArtist" sa WHERE sa."songId" = s.id ORDER BY sa.position, sa."artistId")),
    'genreIds', to_jsonb(ARRAY(
      SELECT sg."genreId" FROM "catalog"."SongGenre" sg WHERE sg."songId" = s.id ORDER BY sg."genreId")),
    'durationMs', s."durationMs",
    'listed', s.listed,
    'version', s.version)
$$;
CREATE FUNCTION "catalog"."collection_changed_payload"(c "catalog"."Collection") RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'collectionId', c.id,
    'artistId', c."primaryArtistId",
    'title', c.title,
    'listed', c.listed,
    'coverUrl', c."coverUrl",
    'version', c.version)
$$;
CREATE FUNCTION "catalog"."artist_changed_payload"(a "catalog"."Artist") RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'artistId', a.id,
    'name', a.name,
    'listed', a."isPublic" AND a."isVisible",
    'version', a.version)
$$;

-- BEFORE triggers: a new row is version 1; an update bumps the version when a field its event
-- carries changes, or when a statement writes "version" itself (what the featured artists' and
-- genres' triggers below do to their song). Other updates (a title, a track number, an audio
-- status) keep it, and send nothing. Named "*_version" so they run after "*_listed" (BEFORE
-- triggers run in name order) and see the listing it computed.
CREATE FUNCTION "catalog"."song_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.version := 1;
  ELSIF NEW.version IS DISTINCT FROM OLD.version
     OR NEW."durationMs" IS DISTINCT FROM OLD."durationMs"
     OR NEW.listed IS DISTINCT FROM OLD.listed
     OR NEW."collectionId" IS DISTINCT FROM OLD."collectionId"
     OR NEW."primaryArtistId" IS DISTINCT FROM OLD."primaryArtistId" THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER "Song_version" BEFORE INSERT OR UPDATE ON "catalog"."Song"
  FOR EACH ROW EXECUTE FUNCTION "catalog"."song_version"();

CREATE FUNCTION "catalog"."collection_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.version := 1;
  ELSIF NEW.version IS DISTINCT FROM OLD.version
     OR NEW.listed IS DISTINCT FROM OLD.listed
     OR NEW."primaryArtistId" IS DISTINCT FROM OLD."primaryArtistId"
     OR NEW."coverUrl" IS DISTINCT FROM OLD."coverUrl"
     OR NEW.title IS DISTINCT FROM OLD.title THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER "Collection_version" BEFORE INSERT OR UPDATE ON "catalog"."Collection"
  FOR EACH ROW EXECUTE FUNCTION "catalog"."collection_version"();

CREATE FUNCTION "catalog"."artist_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.version := 1;
  ELSIF NEW.version IS DISTINCT FROM OLD.version
     OR NEW.name IS DISTINCT FROM OLD.name
     OR (NEW."isPublic" AND NEW."isVisible") IS DISTINCT FROM (OLD."isPublic" AND OLD."isVisible") THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER "Artist_version" BEFORE INSERT OR UPDATE ON "catalog"."Artist"
  FOR EACH ROW EXECUTE FUNCTION "catalog"."artist_version"();

-- AFTER statement triggers: one INSERT for the rows of the statement whose version moved (all
-- of them for an INSERT), with their state as it is now. A trigger with transition tables takes
-- one kind of statement, hence an insert and an update trigger per table.
CREATE FUNCTION "catalog"."song_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(n.id) INTO ids FROM new_rows n;
  ELSE
    SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.version <> o.version;
  END IF;
  IF ids IS NULL THEN RETURN NULL; END IF;
  INSERT INTO "catalog"."OutboxEvent" ("id", "type", "payload", "mergeKey")
  SELECT "catalog"."event_id"('song.changed', s.id, s.version), 'song.changed',
         "catalog"."song_changed_payload"(s), "catalog"."event_merge_key"('song.changed', s.id)
  FROM "catalog"."Song" s WHERE s.id = ANY(ids)
  ON CONFLICT ("mergeKey") DO UPDATE SET "id" = EXCLUDED."id", "payload" = EXCLUDED."payload";
  RETURN NULL;
END
$$;
CREATE TRIGGER "Song_changed_insert" AFTER INSERT ON "catalog"."Song"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "catalog"."song_changed"();
CREATE TRIGGER "Song_changed_update" AFTER UPDATE ON "catalog"."Song"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "catalog"."song_changed"();

CREATE FUNCTION "catalog"."collection_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(n.id) INTO ids FROM new_rows n;
  ELSE
    SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.version <> o.version;
  END IF;
  IF ids IS NULL THEN RETURN NULL; END IF;
  INSERT INTO "catalog"."OutboxEvent" ("id", "type", "payload", "mergeKey")
  SELECT "catalog"."event_id"('collection.changed', c.id, c.version), 'collection.changed',
         "catalog"."collection_changed_payload"(c), "catalog"."event_merge_key"('collection.changed', c.id)
  FROM "catalog"."Collection" c WHERE c.id = ANY(ids)
  ON CONFLICT ("mergeKey") DO UPDATE SET "id" = EXCLUDED."id", "payload" = EXCLUDED."payload";
  RETURN NULL;
END
$$;
CREATE TRIGGER "Collection_changed_insert" AFTER INSERT ON "catalog"."Collection"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "catalog"."collection_changed"();
CREATE TRIGGER "Collection_changed_update" AFTER UPDATE ON "catalog"."Collection"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "catalog"."collection_changed"();

CREATE FUNCTION "catalog"."artist_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(n.id) INTO ids FROM new_rows n;
  ELSE
    SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.version <> o.version;
  END IF;
  IF ids IS NULL THEN RETURN NULL; END IF;
  INSERT INTO "catalog"."OutboxEvent" ("id", "type", "payload", "mergeKey")
  SELECT "catalog"."event_id"('artist.changed', a.id, a.version), 'artist.changed',
         "catalog"."artist_changed_payload"(a), "catalog"."event_merge_key"('artist.changed', a.id)
  FROM "catalog"."Artist" a WHERE a.id = ANY(ids)
  ON CONFLICT ("mergeKey") DO UPDATE SET "id" = EXCLUDED."id", "payload" = EXCLUDED."payload";
  RETURN NULL;
END
$$;
CREATE TRIGGER "Artist_changed_insert" AFTER INSERT ON "catalog"."Artist"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "catalog"."artist_changed"();
CREATE TRIGGER "Artist_changed_update" AFTER UPDATE ON "catalog"."Artist"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "catalog"."artist_changed"();

-- A song's featured artists and genres are in its event: a statement changing them writes the
-- song's "version", once per song, which bumps it and sends the song (triggers above).
CREATE FUNCTION "catalog"."song_parts_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT n."songId") INTO ids FROM new_rows n;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT o."songId") INTO ids FROM old_rows o;
  ELSE
    SELECT array_agg(DISTINCT x.id) INTO ids
    FROM (SELECT n."songId" AS id FROM new_rows n UNION SELECT o."songId" FROM old_rows o) x;
  END IF;
  IF ids IS NULL THEN RETURN NULL; END IF;
  UPDATE "catalog"."Song" SET "version" = "version" + 1 WHERE id = ANY(ids);
  RETURN NULL;
END
$$;
CREATE TRIGGER "SongArtist_changed_insert" AFTER INSERT ON "catalog"."SongArtist"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "catalog"."song_parts_changed"();
CREATE TRIGGER "SongArtist_changed_update" AFTER UPDATE ON "catalog"."SongArtist"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "catalog"."song_parts_changed"();
CREATE TRIGGER "SongArtist_changed_delete" AFTER DELETE ON "catalog"."SongArtist"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "catalog"."song_parts_changed"();
CREATE TRIGGER "SongGenre_changed_insert" AFTER INSERT ON "catalog"."SongGenre"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "catalog"."song_parts_changed"();
CREATE TRIGGER "SongGenre_changed_update" AFTER UPDATE ON "catalog"."SongGenre"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "catalog"."song_parts_changed"();
CREATE TRIGGER "SongGenre_changed_delete" AFTER DELETE ON "catalog"."SongGenre"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "catalog"."song_parts_changed"();
