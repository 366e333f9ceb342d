-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "notifications";

-- CreateEnum
CREATE TYPE "notifications"."NotificationType" AS ENUM ('PLAYLIST_SAVED', 'PLAYLIST_CHANGED');

-- CreateTable
CREATE TABLE "notifications"."Notification" (
    "id" UUID NOT NULL,
    "recipientId" UUID NOT NULL,
    "type" "notifications"."NotificationType" NOT NULL,
    "actorId" UUID,
    "playlistId" UUID,
    "sourceKey" VARCHAR(200) NOT NULL,
    "eventId" UUID NOT NULL,
    "readAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notifications"."ProcessedEvent" (
    "id" UUID NOT NULL,
    "type" VARCHAR(100) NOT NULL,
    "processedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProcessedEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notifications"."OutboxEvent" (
    "id" UUID NOT NULL,
    "type" VARCHAR(100) NOT NULL,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "OutboxEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Notification_recipientId_createdAt_id_idx" ON "notifications"."Notification"("recipientId", "createdAt" DESC, "id");

-- CreateIndex
CREATE INDEX "Notification_eventId_idx" ON "notifications"."Notification"("eventId");

-- CreateIndex
CREATE UNIQUE INDEX "Notification_recipientId_sourceKey_key" ON "notifications"."Notification"("recipientId", "sourceKey");

-- CreateIndex
CREATE INDEX "OutboxEvent_deliveredAt_createdAt_idx" ON "notifications"."OutboxEvent"("deliveredAt", "createdAt");
