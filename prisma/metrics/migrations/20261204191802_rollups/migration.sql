-- CreateEnum
CREATE TYPE "metrics"."RankingKind" AS ENUM ('SONG', 'ARTIST');

-- AlterTable
ALTER TABLE "metrics"."PlayDelta" ADD COLUMN     "artistIds" UUID[],
ADD COLUMN     "genreIds" UUID[],
ADD COLUMN     "userId" UUID NOT NULL;

-- CreateTable
CREATE TABLE "metrics"."ArtistRecord" (
    "id" UUID NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "listed" BOOLEAN NOT NULL,
    "version" INTEGER NOT NULL,

    CONSTRAINT "ArtistRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "metrics"."ArtistDaily" (
    "artistId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "plays" INTEGER NOT NULL,
    "completions" INTEGER NOT NULL,
    "skips" INTEGER NOT NULL,
    "listeners" INTEGER NOT NULL,

    CONSTRAINT "ArtistDaily_pkey" PRIMARY KEY ("artistId","day")
);

-- CreateTable
CREATE TABLE "metrics"."ArtistListenerDay" (
    "artistId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "userId" UUID NOT NULL,

    CONSTRAINT "ArtistListenerDay_pkey" PRIMARY KEY ("artistId","day","userId")
);

-- CreateTable
CREATE TABLE "metrics"."ArtistListener" (
    "artistId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "lastDay" DATE NOT NULL,

    CONSTRAINT "ArtistListener_pkey" PRIMARY KEY ("artistId","userId")
);

-- CreateTable
CREATE TABLE "metrics"."GenreSongDaily" (
    "genreId" UUID NOT NULL,
    "songId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "plays" INTEGER NOT NULL,

    CONSTRAINT "GenreSongDaily_pkey" PRIMARY KEY ("genreId","day","songId")
);

-- CreateTable
CREATE TABLE "metrics"."GenreArtistDaily" (
    "genreId" UUID NOT NULL,
    "artistId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "plays" INTEGER NOT NULL,

    CONSTRAINT "GenreArtistDaily_pkey" PRIMARY KEY ("genreId","day","artistId")
);

-- CreateTable
CREATE TABLE "metrics"."UserDaily" (
    "userId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "plays" INTEGER NOT NULL,

    CONSTRAINT "UserDaily_pkey" PRIMARY KEY ("userId","day")
);

-- CreateTable
CREATE TABLE "metrics"."UserMonthly" (
    "userId" UUID NOT NULL,
    "month" DATE NOT NULL,
    "plays" INTEGER NOT NULL,

    CONSTRAINT "UserMonthly_pkey" PRIMARY KEY ("userId","month")
);

-- CreateTable
CREATE TABLE "metrics"."Ranking" (
    "kind" "metrics"."RankingKind" NOT NULL,
    "scope" UUID NOT NULL,
    "rank" INTEGER NOT NULL,
    "entityId" UUID NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "Ranking_pkey" PRIMARY KEY ("kind","scope","rank")
);

-- CreateIndex
CREATE INDEX "ArtistDaily_day_idx" ON "metrics"."ArtistDaily"("day");

-- CreateIndex
CREATE INDEX "ArtistListener_artistId_lastDay_idx" ON "metrics"."ArtistListener"("artistId", "lastDay");

-- CreateIndex
CREATE INDEX "UserDaily_day_idx" ON "metrics"."UserDaily"("day");

-- CreateIndex
CREATE INDEX "UserMonthly_month_idx" ON "metrics"."UserMonthly"("month");
