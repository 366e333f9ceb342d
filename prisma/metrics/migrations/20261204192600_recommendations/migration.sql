-- AlterTable
ALTER TABLE "metrics"."PlayDelta" ADD COLUMN     "private" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "metrics"."UserSong" (
    "userId" UUID NOT NULL,
    "songId" UUID NOT NULL,
    "plays" INTEGER NOT NULL,
    "lastDay" DATE NOT NULL,

    CONSTRAINT "UserSong_pkey" PRIMARY KEY ("userId","songId")
);

-- CreateTable
CREATE TABLE "metrics"."Similar" (
    "songId" UUID NOT NULL,
    "rank" INTEGER NOT NULL,
    "similarId" UUID NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "Similar_pkey" PRIMARY KEY ("songId","rank")
);

-- CreateIndex
CREATE INDEX "UserSong_lastDay_idx" ON "metrics"."UserSong"("lastDay");
