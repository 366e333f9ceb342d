-- AlterTable
ALTER TABLE "catalog"."Artist" ADD COLUMN     "searchLength" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "catalog"."Collection" ADD COLUMN     "searchLength" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "catalog"."Song" ADD COLUMN     "searchLength" INTEGER NOT NULL DEFAULT 0;

-- Added by hand (Prisma schemas cannot declare triggers): the search trigger also keeps
-- "searchLength", the first key of search's ranking after exactness.
CREATE OR REPLACE FUNCTION "catalog"."refresh_search_vector"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."searchVector" := to_tsvector('simple', NEW."searchText");
  NEW."searchLength" := length(NEW."searchText");
  INSERT INTO "catalog"."SearchWord" ("word")
    SELECT w FROM unnest(tsvector_to_array(NEW."searchVector")) AS w WHERE length(w) <= 100
    ON CONFLICT DO NOTHING;
  RETURN NEW;
END
$$;

-- Rows written before this migration (no trigger fires: "searchText" is not written), before
-- the indexes below exist.
UPDATE "catalog"."Artist" SET "searchLength" = length("searchText");
UPDATE "catalog"."Collection" SET "searchLength" = length("searchText");
UPDATE "catalog"."Song" SET "searchLength" = length("searchText");

-- CreateIndex
CREATE INDEX "Artist_searchLength_id_isPublic_isVisible_searchVector_idx" ON "catalog"."Artist"("searchLength", "id", "isPublic", "isVisible", "searchVector");

-- CreateIndex
CREATE INDEX "Collection_listed_searchLength_id_searchVector_idx" ON "catalog"."Collection"("listed", "searchLength", "id", "searchVector");

-- CreateIndex
CREATE INDEX "Song_listed_searchLength_id_searchVector_idx" ON "catalog"."Song"("listed", "searchLength", "id", "searchVector");
