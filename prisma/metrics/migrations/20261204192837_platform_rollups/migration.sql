-- CreateTable
CREATE TABLE "metrics"."PlatformDaily" (
    "day" DATE NOT NULL,
    "plays" INTEGER NOT NULL,
    "activeUsers" INTEGER NOT NULL,

    CONSTRAINT "PlatformDaily_pkey" PRIMARY KEY ("day")
);

-- CreateTable
CREATE TABLE "metrics"."PlatformMonthly" (
    "month" DATE NOT NULL,
    "plays" INTEGER NOT NULL,
    "activeUsers" INTEGER NOT NULL,

    CONSTRAINT "PlatformMonthly_pkey" PRIMARY KEY ("month")
);
