-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "metrics";

-- CreateEnum
CREATE TYPE "metrics"."PlaybackKind" AS ENUM ('STARTED', 'PROGRESS', 'ENDED');

-- CreateTable
CREATE TABLE "metrics"."SongRecord" (
    "id" UUID NOT NULL,
    "collectionId" UUID NOT NULL,
    "artistIds" UUID[],
    "genreIds" UUID[],
    "durationMs" INTEGER NOT NULL,
    "listed" BOOLEAN NOT NULL,
    "version" INTEGER NOT NULL,

    CONSTRAINT "SongRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "metrics"."ListeningEvent" (
    "id" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "userId" UUID NOT NULL,
    "clientEventId" VARCHAR(100) NOT NULL,
    "playbackId" VARCHAR(100) NOT NULL,
    "songId" UUID NOT NULL,
    "kind" "metrics"."PlaybackKind" NOT NULL,
    "positionMs" INTEGER NOT NULL,
    "device" VARCHAR(100),
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ListeningEvent_pkey" PRIMARY KEY ("id","at")
) PARTITION BY RANGE ("at");

-- CreateTable
CREATE TABLE "metrics"."Play" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "playbackId" VARCHAR(100) NOT NULL,
    "songId" UUID NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "lastAt" TIMESTAMP(3) NOT NULL,
    "maxPositionMs" INTEGER NOT NULL,
    "countedAt" TIMESTAMP(3),
    "completed" BOOLEAN NOT NULL DEFAULT false,
    "ended" BOOLEAN NOT NULL DEFAULT false,
    "skipped" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Play_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "metrics"."PlayDelta" (
    "id" BIGSERIAL NOT NULL,
    "songId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "plays" INTEGER NOT NULL,
    "completions" INTEGER NOT NULL,
    "skips" INTEGER NOT NULL,

    CONSTRAINT "PlayDelta_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "metrics"."SongDaily" (
    "songId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "plays" INTEGER NOT NULL,
    "completions" INTEGER NOT NULL,
    "skips" INTEGER NOT NULL,

    CONSTRAINT "SongDaily_pkey" PRIMARY KEY ("songId","day")
);

-- CreateTable
CREATE TABLE "metrics"."ProcessedEvent" (
    "id" UUID NOT NULL,
    "type" VARCHAR(100) NOT NULL,
    "processedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProcessedEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "metrics"."OutboxEvent" (
    "id" UUID NOT NULL,
    "type" VARCHAR(100) NOT NULL,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "OutboxEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ListeningEvent_userId_clientEventId_at_key" ON "metrics"."ListeningEvent"("userId", "clientEventId", "at");

-- CreateIndex
CREATE INDEX "Play_userId_lastAt_id_idx" ON "metrics"."Play"("userId", "lastAt" DESC, "id");

-- CreateIndex
CREATE UNIQUE INDEX "Play_userId_playbackId_key" ON "metrics"."Play"("userId", "playbackId");

-- CreateIndex
CREATE INDEX "SongDaily_day_idx" ON "metrics"."SongDaily"("day");

-- CreateIndex
CREATE INDEX "OutboxEvent_deliveredAt_createdAt_idx" ON "metrics"."OutboxEvent"("deliveredAt", "createdAt");

-- ListeningEvent's partitions, one per month (UTC), from 2026 through 2028, and a default one for
-- anything else (a later migration adds the years after; until then they land in the default).
-- In a schema of their own, so Prisma's view of "metrics" is the parent table alone; the service
-- reads and writes through the parent (privileges are checked on it, not on its partitions).
CREATE SCHEMA IF NOT EXISTS "metrics_partitions";
DO $$
DECLARE
  m date := date '2026-01-01';
BEGIN
  WHILE m < date '2029-01-01' LOOP
    EXECUTE format(
      'CREATE TABLE "metrics_partitions".%I PARTITION OF "metrics"."ListeningEvent" FOR VALUES FROM (%L) TO (%L)',
      'ListeningEvent_' || to_char(m, 'YYYY_MM'), m, (m + interval '1 month')::date);
    m := (m + interval '1 month')::date;
  END LOOP;
END
$$;
CREATE TABLE "metrics_partitions"."ListeningEvent_default" PARTITION OF "metrics"."ListeningEvent" DEFAULT;
