-- CreateTable
CREATE TABLE "users"."Revocation" (
    "id" BIGSERIAL NOT NULL,
    "userId" UUID,
    "tokenVersion" INTEGER,
    "sessionId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Revocation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Revocation_createdAt_idx" ON "users"."Revocation"("createdAt");
