-- DropIndex
DROP INDEX "catalog"."Artist_searchText_idx";

-- DropIndex
DROP INDEX "catalog"."Collection_searchText_idx";

-- DropIndex
DROP INDEX "catalog"."Song_searchText_idx";

-- AlterTable
ALTER TABLE "catalog"."Artist" ADD COLUMN     "searchVector" tsvector;

-- AlterTable
ALTER TABLE "catalog"."Collection" ADD COLUMN     "searchVector" tsvector;

-- AlterTable
ALTER TABLE "catalog"."Song" ADD COLUMN     "searchVector" tsvector;

-- CreateTable
CREATE TABLE "catalog"."SearchWord" (
    "word" VARCHAR(100) NOT NULL,

    CONSTRAINT "SearchWord_pkey" PRIMARY KEY ("word")
);

-- CreateIndex
CREATE INDEX "SearchWord_word_idx" ON "catalog"."SearchWord" USING GIST ("word" gist_trgm_ops);

-- CreateIndex
CREATE INDEX "Artist_searchVector_idx" ON "catalog"."Artist" USING GIN ("searchVector");

-- CreateIndex
CREATE INDEX "Collection_searchVector_idx" ON "catalog"."Collection" USING GIN ("searchVector");

-- CreateIndex
CREATE INDEX "Song_searchVector_idx" ON "catalog"."Song" USING GIN ("searchVector");


-- Added by hand (Prisma schemas cannot declare triggers): every write of a searchable text
-- refreshes its full-text vector and adds its words to the search dictionary.
CREATE FUNCTION "catalog"."refresh_search_vector"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."searchVector" := to_tsvector('simple', NEW."searchText");
  INSERT INTO "catalog"."SearchWord" ("word")
    SELECT w FROM unnest(tsvector_to_array(NEW."searchVector")) AS w WHERE length(w) <= 100
    ON CONFLICT DO NOTHING;
  RETURN NEW;
END
$$;

CREATE TRIGGER "Artist_refresh_search_vector" BEFORE INSERT OR UPDATE OF "searchText" ON "catalog"."Artist"
  FOR EACH ROW EXECUTE FUNCTION "catalog"."refresh_search_vector"();
CREATE TRIGGER "Collection_refresh_search_vector" BEFORE INSERT OR UPDATE OF "searchText" ON "catalog"."Collection"
  FOR EACH ROW EXECUTE FUNCTION "catalog"."refresh_search_vector"();
CREATE TRIGGER "Song_refresh_search_vector" BEFORE INSERT OR UPDATE OF "searchText" ON "catalog"."Song"
  FOR EACH ROW EXECUTE FUNCTION "catalog"."refresh_search_vector"();

-- Rows written before this migration.
UPDATE "catalog"."Artist" SET "searchText" = "searchText";
UPDATE "catalog"."Collection" SET "searchText" = "searchText";
UPDATE "catalog"."Song" SET "searchText" = "searchText";
