-- CreateEnum
CREATE TYPE "notifications"."Role" AS ENUM ('USER', 'ARTIST', 'ADMIN');

-- CreateEnum
CREATE TYPE "notifications"."PushStatus" AS ENUM ('PENDING', 'HELD', 'SENDING', 'SENT', 'DELIVERED', 'FAILED');

-- CreateEnum
CREATE TYPE "notifications"."AnnouncementStatus" AS ENUM ('SCHEDULED', 'SENT', 'CANCELLED');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "notifications"."NotificationType" ADD VALUE 'USER_FOLLOWED';
ALTER TYPE "notifications"."NotificationType" ADD VALUE 'NEW_RELEASE';
ALTER TYPE "notifications"."NotificationType" ADD VALUE 'ANNOUNCEMENT';

-- AlterTable
ALTER TABLE "notifications"."Notification" ADD COLUMN     "announcementId" UUID,
ADD COLUMN     "artistId" UUID,
ADD COLUMN     "changeCount" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "collectionId" UUID,
ADD COLUMN     "shown" BOOLEAN NOT NULL DEFAULT true;

-- CreateTable
CREATE TABLE "notifications"."NotificationPreference" (
    "userId" UUID NOT NULL,
    "type" "notifications"."NotificationType" NOT NULL,
    "inApp" BOOLEAN NOT NULL,
    "push" BOOLEAN NOT NULL,

    CONSTRAINT "NotificationPreference_pkey" PRIMARY KEY ("userId","type")
);

-- CreateTable
CREATE TABLE "notifications"."QuietHours" (
    "userId" UUID NOT NULL,
    "startMinute" SMALLINT NOT NULL,
    "endMinute" SMALLINT NOT NULL,
    "timeZone" VARCHAR(64) NOT NULL,

    CONSTRAINT "QuietHours_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "notifications"."PushToken" (
    "token" VARCHAR(255) NOT NULL,
    "userId" UUID NOT NULL,
    "registeredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PushToken_pkey" PRIMARY KEY ("token")
);

-- CreateTable
CREATE TABLE "notifications"."PushDelivery" (
    "id" UUID NOT NULL,
    "notificationId" UUID NOT NULL,
    "token" VARCHAR(255) NOT NULL,
    "status" "notifications"."PushStatus" NOT NULL,
    "ticketId" VARCHAR(100),
    "error" VARCHAR(200),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedAt" TIMESTAMP(3),
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "PushDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notifications"."UserRecord" (
    "id" UUID NOT NULL,
    "displayName" VARCHAR(100) NOT NULL,
    "role" "notifications"."Role" NOT NULL,
    "blocked" BOOLEAN NOT NULL,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL,

    CONSTRAINT "UserRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notifications"."ArtistFollower" (
    "artistId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "following" BOOLEAN NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ArtistFollower_pkey" PRIMARY KEY ("artistId","userId")
);

-- CreateTable
CREATE TABLE "notifications"."Release" (
    "collectionId" UUID NOT NULL,
    "artistId" UUID NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "listedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Release_pkey" PRIMARY KEY ("collectionId")
);

-- CreateTable
CREATE TABLE "notifications"."Announcement" (
    "id" UUID NOT NULL,
    "title" VARCHAR(100) NOT NULL,
    "body" VARCHAR(1000) NOT NULL,
    "segment" "notifications"."Role",
    "sendAt" TIMESTAMP(3) NOT NULL,
    "status" "notifications"."AnnouncementStatus" NOT NULL DEFAULT 'SCHEDULED',
    "createdById" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),
    "recipientCount" INTEGER,

    CONSTRAINT "Announcement_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PushToken_userId_idx" ON "notifications"."PushToken"("userId");

-- CreateIndex
CREATE INDEX "PushDelivery_status_createdAt_idx" ON "notifications"."PushDelivery"("status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "PushDelivery_notificationId_token_key" ON "notifications"."PushDelivery"("notificationId", "token");

-- CreateIndex
CREATE INDEX "UserRecord_role_idx" ON "notifications"."UserRecord"("role");

-- CreateIndex
CREATE INDEX "ArtistFollower_userId_idx" ON "notifications"."ArtistFollower"("userId");

-- CreateIndex
CREATE INDEX "Announcement_status_sendAt_idx" ON "notifications"."Announcement"("status", "sendAt");

-- CreateIndex
CREATE INDEX "Announcement_createdAt_id_idx" ON "notifications"."Announcement"("createdAt" DESC, "id");

-- CreateIndex
CREATE INDEX "Notification_createdAt_idx" ON "notifications"."Notification"("createdAt");

-- AddForeignKey
ALTER TABLE "notifications"."Notification" ADD CONSTRAINT "Notification_announcementId_fkey" FOREIGN KEY ("announcementId") REFERENCES "notifications"."Announcement"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notifications"."PushDelivery" ADD CONSTRAINT "PushDelivery_notificationId_fkey" FOREIGN KEY ("notificationId") REFERENCES "notifications"."Notification"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Whether `at` (a UTC timestamp, as every column here) falls in quiet hours from `start_minute`
-- to `end_minute` (minutes after midnight in `tz`; a start after the end spans midnight; equal:
-- none). Pushes made then are HELD; the hourly job releases them once this turns false.
CREATE FUNCTION "notifications"."in_quiet_hours"(start_minute int, end_minute int, tz text, at timestamp)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN start_minute < end_minute THEN m >= start_minute AND m < end_minute
    WHEN start_minute > end_minute THEN m >= start_minute OR m < end_minute
    ELSE false END
  FROM (SELECT (extract(hour FROM local) * 60 + extract(minute FROM local))::int AS m
        FROM (SELECT (at AT TIME ZONE 'UTC') AT TIME ZONE tz AS local) l) t
$$;
