-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "catalog";

-- Trigram matching for search (typo-tolerant), added by hand: Prisma schemas cannot declare
-- extensions. It goes into the first schema on the search path, which for our migrations is
-- "catalog" (scripts/db/engine.ts), so the operator classes below resolve there.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateEnum
CREATE TYPE "catalog"."CollectionType" AS ENUM ('ALBUM', 'EP', 'SINGLE');

-- CreateTable
CREATE TABLE "catalog"."Artist" (
    "id" UUID NOT NULL,
    "name" VARCHAR(120) NOT NULL,
    "slug" VARCHAR(80) NOT NULL,
    "imageUrl" VARCHAR(2048),
    "biography" VARCHAR(5000) NOT NULL DEFAULT '',
    "isVerified" BOOLEAN NOT NULL DEFAULT false,
    "isPublic" BOOLEAN NOT NULL DEFAULT false,
    "isVisible" BOOLEAN NOT NULL DEFAULT true,
    "searchText" VARCHAR(200) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Artist_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "catalog"."ArtistManager" (
    "artistId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ArtistManager_pkey" PRIMARY KEY ("artistId","userId")
);

-- CreateTable
CREATE TABLE "catalog"."Genre" (
    "id" UUID NOT NULL,
    "slug" VARCHAR(60) NOT NULL,
    "name" VARCHAR(80) NOT NULL,

    CONSTRAINT "Genre_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "catalog"."ArtistGenre" (
    "artistId" UUID NOT NULL,
    "genreId" UUID NOT NULL,

    CONSTRAINT "ArtistGenre_pkey" PRIMARY KEY ("artistId","genreId")
);

-- CreateTable
CREATE TABLE "catalog"."AboutImage" (
    "id" UUID NOT NULL,
    "artistId" UUID NOT NULL,
    "url" VARCHAR(2048) NOT NULL,
    "caption" VARCHAR(200) NOT NULL DEFAULT '',
    "position" INTEGER NOT NULL,

    CONSTRAINT "AboutImage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "catalog"."Collection" (
    "id" UUID NOT NULL,
    "type" "catalog"."CollectionType" NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "coverUrl" VARCHAR(2048),
    "releaseDate" DATE NOT NULL,
    "primaryArtistId" UUID NOT NULL,
    "isPublic" BOOLEAN NOT NULL DEFAULT false,
    "isVisible" BOOLEAN NOT NULL DEFAULT true,
    "searchText" VARCHAR(300) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Collection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "catalog"."CollectionArtist" (
    "collectionId" UUID NOT NULL,
    "artistId" UUID NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "CollectionArtist_pkey" PRIMARY KEY ("collectionId","artistId")
);

-- CreateTable
CREATE TABLE "catalog"."Song" (
    "id" UUID NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "explicit" BOOLEAN NOT NULL DEFAULT false,
    "collectionId" UUID NOT NULL,
    "discNumber" INTEGER NOT NULL DEFAULT 1,
    "trackNumber" INTEGER NOT NULL,
    "primaryArtistId" UUID NOT NULL,
    "isPublic" BOOLEAN NOT NULL DEFAULT false,
    "isVisible" BOOLEAN NOT NULL DEFAULT true,
    "searchText" VARCHAR(300) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Song_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "catalog"."SongArtist" (
    "songId" UUID NOT NULL,
    "artistId" UUID NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "SongArtist_pkey" PRIMARY KEY ("songId","artistId")
);

-- CreateTable
CREATE TABLE "catalog"."SongGenre" (
    "songId" UUID NOT NULL,
    "genreId" UUID NOT NULL,

    CONSTRAINT "SongGenre_pkey" PRIMARY KEY ("songId","genreId")
);

-- CreateTable
CREATE TABLE "catalog"."ArtistPick" (
    "id" UUID NOT NULL,
    "artistId" UUID NOT NULL,
    "songId" UUID,
    "collectionId" UUID,
    "note" VARCHAR(280) NOT NULL DEFAULT '',
    "position" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ArtistPick_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Artist_slug_key" ON "catalog"."Artist"("slug");

-- CreateIndex
CREATE INDEX "Artist_searchText_idx" ON "catalog"."Artist" USING GIN ("searchText" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Artist_createdAt_id_idx" ON "catalog"."Artist"("createdAt", "id");

-- CreateIndex
CREATE INDEX "ArtistManager_userId_idx" ON "catalog"."ArtistManager"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Genre_slug_key" ON "catalog"."Genre"("slug");

-- CreateIndex
CREATE INDEX "ArtistGenre_genreId_idx" ON "catalog"."ArtistGenre"("genreId");

-- CreateIndex
CREATE INDEX "AboutImage_artistId_position_idx" ON "catalog"."AboutImage"("artistId", "position");

-- CreateIndex
CREATE INDEX "Collection_primaryArtistId_releaseDate_id_idx" ON "catalog"."Collection"("primaryArtistId", "releaseDate" DESC, "id");

-- CreateIndex
CREATE INDEX "Collection_releaseDate_id_idx" ON "catalog"."Collection"("releaseDate" DESC, "id");

-- CreateIndex
CREATE INDEX "Collection_searchText_idx" ON "catalog"."Collection" USING GIN ("searchText" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "CollectionArtist_artistId_idx" ON "catalog"."CollectionArtist"("artistId");

-- CreateIndex
CREATE INDEX "Song_primaryArtistId_idx" ON "catalog"."Song"("primaryArtistId");

-- CreateIndex
CREATE INDEX "Song_searchText_idx" ON "catalog"."Song" USING GIN ("searchText" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "Song_collectionId_discNumber_trackNumber_key" ON "catalog"."Song"("collectionId", "discNumber", "trackNumber");

-- CreateIndex
CREATE INDEX "SongArtist_artistId_idx" ON "catalog"."SongArtist"("artistId");

-- CreateIndex
CREATE INDEX "SongGenre_genreId_idx" ON "catalog"."SongGenre"("genreId");

-- CreateIndex
CREATE INDEX "ArtistPick_artistId_position_idx" ON "catalog"."ArtistPick"("artistId", "position");

-- CreateIndex
CREATE INDEX "ArtistPick_songId_idx" ON "catalog"."ArtistPick"("songId");

-- CreateIndex
CREATE INDEX "ArtistPick_collectionId_idx" ON "catalog"."ArtistPick"("collectionId");

-- AddForeignKey
ALTER TABLE "catalog"."ArtistManager" ADD CONSTRAINT "ArtistManager_artistId_fkey" FOREIGN KEY ("artistId") REFERENCES "catalog"."Artist"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog"."ArtistGenre" ADD CONSTRAINT "ArtistGenre_artistId_fkey" FOREIGN KEY ("artistId") REFERENCES "catalog"."Artist"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog"."ArtistGenre" ADD CONSTRAINT "ArtistGenre_genreId_fkey" FOREIGN KEY ("genreId") REFERENCES "catalog"."Genre"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog"."AboutImage" ADD CONSTRAINT "AboutImage_artistId_fkey" FOREIGN KEY ("artistId") REFERENCES "catalog"."Artist"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog"."Collection" ADD CONSTRAINT "Collection_primaryArtistId_fkey" FOREIGN KEY ("primaryArtistId") REFERENCES "catalog"."Artist"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog"."CollectionArtist" ADD CONSTRAINT "CollectionArtist_collectionId_fkey" FOREIGN KEY ("collectionId") REFERENCES "catalog"."Collection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog"."CollectionArtist" ADD CONSTRAINT "CollectionArtist_artistId_fkey" FOREIGN KEY ("artistId") REFERENCES "catalog"."Artist"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog"."Song" ADD CONSTRAINT "Song_collectionId_fkey" FOREIGN KEY ("collectionId") REFERENCES "catalog"."Collection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog"."Song" ADD CONSTRAINT "Song_primaryArtistId_fkey" FOREIGN KEY ("primaryArtistId") REFERENCES "catalog"."Artist"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog"."SongArtist" ADD CONSTRAINT "SongArtist_songId_fkey" FOREIGN KEY ("songId") REFERENCES "catalog"."Song"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog"."SongArtist" ADD CONSTRAINT "SongArtist_artistId_fkey" FOREIGN KEY ("artistId") REFERENCES "catalog"."Artist"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog"."SongGenre" ADD CONSTRAINT "SongGenre_songId_fkey" FOREIGN KEY ("songId") REFERENCES "catalog"."Song"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog"."SongGenre" ADD CONSTRAINT "SongGenre_genreId_fkey" FOREIGN KEY ("genreId") REFERENCES "catalog"."Genre"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog"."ArtistPick" ADD CONSTRAINT "ArtistPick_artistId_fkey" FOREIGN KEY ("artistId") REFERENCES "catalog"."Artist"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog"."ArtistPick" ADD CONSTRAINT "ArtistPick_songId_fkey" FOREIGN KEY ("songId") REFERENCES "catalog"."Song"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog"."ArtistPick" ADD CONSTRAINT "ArtistPick_collectionId_fkey" FOREIGN KEY ("collectionId") REFERENCES "catalog"."Collection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
