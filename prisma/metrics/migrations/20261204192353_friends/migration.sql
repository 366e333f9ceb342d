-- CreateTable
CREATE TABLE "metrics"."Follow" (
    "followerId" UUID NOT NULL,
    "followeeId" UUID NOT NULL,
    "following" BOOLEAN NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Follow_pkey" PRIMARY KEY ("followerId","followeeId")
);

-- CreateTable
CREATE TABLE "metrics"."ListenerSettings" (
    "userId" UUID NOT NULL,
    "privateSession" BOOLEAN NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ListenerSettings_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "metrics"."LastActivity" (
    "userId" UUID NOT NULL,
    "songId" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "playing" BOOLEAN NOT NULL,

    CONSTRAINT "LastActivity_pkey" PRIMARY KEY ("userId")
);

-- CreateIndex
CREATE INDEX "Follow_followeeId_idx" ON "metrics"."Follow"("followeeId");
