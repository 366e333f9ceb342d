-- AlterTable
ALTER TABLE "notifications"."Release" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 0;
