-- AlterTable
ALTER TABLE "catalog"."Collection" ADD COLUMN     "listed" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "catalog"."Song" ADD COLUMN     "listed" BOOLEAN NOT NULL DEFAULT false;


-- Added by hand (Prisma schemas cannot declare triggers): "listed" follows every switch it
-- depends on, so search filters on one column instead of joining three tables per match.

-- A release is listed when its switches and its artist's are on.
CREATE FUNCTION "catalog"."collection_listed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."listed" := NEW."isPublic" AND NEW."isVisible" AND EXISTS (
    SELECT 1 FROM "catalog"."Artist" a WHERE a.id = NEW."primaryArtistId" AND a."isPublic" AND a."isVisible");
  RETURN NEW;
END
$$;
CREATE TRIGGER "Collection_listed" BEFORE INSERT OR UPDATE OF "isPublic", "isVisible", "primaryArtistId" ON "catalog"."Collection"
  FOR EACH ROW EXECUTE FUNCTION "catalog"."collection_listed"();

-- A song is listed when its switches, its primary artist's and its release's listing are on.
CREATE FUNCTION "catalog"."song_listed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."listed" := NEW."isPublic" AND NEW."isVisible"
    AND EXISTS (SELECT 1 FROM "catalog"."Artist" a WHERE a.id = NEW."primaryArtistId" AND a."isPublic" AND a."isVisible")
    AND EXISTS (SELECT 1 FROM "catalog"."Collection" c WHERE c.id = NEW."collectionId" AND c."listed");
  RETURN NEW;
END
$$;
CREATE TRIGGER "Song_listed" BEFORE INSERT OR UPDATE OF "isPublic", "isVisible", "collectionId", "primaryArtistId" ON "catalog"."Song"
  FOR EACH ROW EXECUTE FUNCTION "catalog"."song_listed"();

-- A release whose listing changed passes it on to its songs.
CREATE FUNCTION "catalog"."collection_relist_songs"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "catalog"."Song" SET "isPublic" = "isPublic" WHERE "collectionId" = NEW.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER "Collection_relist_songs" AFTER UPDATE ON "catalog"."Collection"
  FOR EACH ROW WHEN (OLD."listed" IS DISTINCT FROM NEW."listed") EXECUTE FUNCTION "catalog"."collection_relist_songs"();

-- An artist's switches reach their releases (and through them their songs) and their songs on
-- other artists' releases.
CREATE FUNCTION "catalog"."artist_relist"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "catalog"."Collection" SET "isPublic" = "isPublic" WHERE "primaryArtistId" = NEW.id;
  UPDATE "catalog"."Song" SET "isPublic" = "isPublic" WHERE "primaryArtistId" = NEW.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER "Artist_relist" AFTER UPDATE OF "isPublic", "isVisible" ON "catalog"."Artist"
  FOR EACH ROW WHEN (OLD."isPublic" IS DISTINCT FROM NEW."isPublic" OR OLD."isVisible" IS DISTINCT FROM NEW."isVisible")
  EXECUTE FUNCTION "catalog"."artist_relist"();

-- Rows written before this migration: releases first, then songs.
UPDATE "catalog"."Collection" SET "isPublic" = "isPublic";
UPDATE "catalog"."Song" SET "isPublic" = "isPublic";
