-- CreateEnum
CREATE TYPE "catalog"."MediaKind" AS ENUM ('AUDIO', 'IMAGE');

-- CreateEnum
CREATE TYPE "catalog"."AudioStatus" AS ENUM ('PROCESSING', 'READY', 'FAILED');

-- AlterTable
ALTER TABLE "catalog"."Song" ADD COLUMN     "audioId" UUID,
ADD COLUMN     "audioStatus" "catalog"."AudioStatus";

-- CreateTable
CREATE TABLE "catalog"."MediaUpload" (
    "id" UUID NOT NULL,
    "uploaderId" UUID NOT NULL,
    "kind" "catalog"."MediaKind" NOT NULL,
    "size" INTEGER NOT NULL,
    "contentType" VARCHAR(100),
    "extension" VARCHAR(10),
    "durationMs" INTEGER,
    "rejectedReason" VARCHAR(300),
    "attachedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MediaUpload_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "catalog"."SongAudio" (
    "id" UUID NOT NULL,
    "songId" UUID NOT NULL,
    "uploadId" UUID NOT NULL,
    "status" "catalog"."AudioStatus" NOT NULL DEFAULT 'PROCESSING',
    "durationMs" INTEGER NOT NULL,
    "originalKey" VARCHAR(300) NOT NULL,
    "error" VARCHAR(500),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SongAudio_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MediaUpload_uploaderId_idx" ON "catalog"."MediaUpload"("uploaderId");

-- CreateIndex
CREATE INDEX "SongAudio_songId_createdAt_idx" ON "catalog"."SongAudio"("songId", "createdAt");

-- CreateIndex
CREATE INDEX "SongAudio_status_idx" ON "catalog"."SongAudio"("status");

-- AddForeignKey
ALTER TABLE "catalog"."SongAudio" ADD CONSTRAINT "SongAudio_songId_fkey" FOREIGN KEY ("songId") REFERENCES "catalog"."Song"("id") ON DELETE CASCADE ON UPDATE CASCADE;
