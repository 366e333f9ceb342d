-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "library";

-- CreateTable
CREATE TABLE "library"."Playlist" (
    "id" UUID NOT NULL,
    "ownerId" UUID NOT NULL,
    "title" VARCHAR(100) NOT NULL,
    "description" VARCHAR(300) NOT NULL DEFAULT '',
    "isPublic" BOOLEAN NOT NULL DEFAULT false,
    "isCollaborative" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Playlist_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "library"."PlaylistItem" (
    "id" UUID NOT NULL,
    "playlistId" UUID NOT NULL,
    "songId" UUID NOT NULL,
    "position" BIGINT NOT NULL,
    "addedById" UUID NOT NULL,
    "addedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PlaylistItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "library"."PlaylistEditor" (
    "playlistId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "addedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PlaylistEditor_pkey" PRIMARY KEY ("playlistId","userId")
);

-- CreateTable
CREATE TABLE "library"."PlaylistSave" (
    "userId" UUID NOT NULL,
    "playlistId" UUID NOT NULL,
    "savedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PlaylistSave_pkey" PRIMARY KEY ("userId","playlistId")
);

-- CreateTable
CREATE TABLE "library"."LikedSong" (
    "userId" UUID NOT NULL,
    "songId" UUID NOT NULL,
    "likedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LikedSong_pkey" PRIMARY KEY ("userId","songId")
);

-- CreateTable
CREATE TABLE "library"."SavedCollection" (
    "userId" UUID NOT NULL,
    "collectionId" UUID NOT NULL,
    "savedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SavedCollection_pkey" PRIMARY KEY ("userId","collectionId")
);

-- CreateTable
CREATE TABLE "library"."FollowedArtist" (
    "userId" UUID NOT NULL,
    "artistId" UUID NOT NULL,
    "followedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FollowedArtist_pkey" PRIMARY KEY ("userId","artistId")
);

-- CreateTable
CREATE TABLE "library"."CatalogSong" (
    "id" UUID NOT NULL,
    "collectionId" UUID NOT NULL,
    "artistIds" UUID[],
    "genreIds" UUID[],
    "durationMs" INTEGER NOT NULL,
    "listed" BOOLEAN NOT NULL,
    "version" BIGINT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CatalogSong_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "library"."CatalogCollection" (
    "id" UUID NOT NULL,
    "artistId" UUID NOT NULL,
    "title" VARCHAR(200) NOT NULL DEFAULT '',
    "listed" BOOLEAN NOT NULL,
    "coverUrl" VARCHAR(2048),
    "version" BIGINT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CatalogCollection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "library"."CatalogArtist" (
    "id" UUID NOT NULL,
    "name" VARCHAR(120) NOT NULL DEFAULT '',
    "listed" BOOLEAN NOT NULL,
    "version" BIGINT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CatalogArtist_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "library"."UserProfile" (
    "id" UUID NOT NULL,
    "handle" VARCHAR(30) NOT NULL,
    "displayName" VARCHAR(80) NOT NULL,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "version" BIGINT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UserProfile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "library"."OutboxEvent" (
    "id" UUID NOT NULL,
    "type" VARCHAR(100) NOT NULL,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "OutboxEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "library"."ProcessedEvent" (
    "id" UUID NOT NULL,
    "type" VARCHAR(100) NOT NULL,
    "processedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProcessedEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Playlist_ownerId_createdAt_id_idx" ON "library"."Playlist"("ownerId", "createdAt" DESC, "id");

-- CreateIndex
CREATE INDEX "PlaylistItem_playlistId_position_id_idx" ON "library"."PlaylistItem"("playlistId", "position", "id");

-- CreateIndex
CREATE INDEX "PlaylistItem_songId_idx" ON "library"."PlaylistItem"("songId");

-- CreateIndex
CREATE INDEX "PlaylistItem_addedById_idx" ON "library"."PlaylistItem"("addedById");

-- CreateIndex
CREATE INDEX "PlaylistEditor_userId_addedAt_idx" ON "library"."PlaylistEditor"("userId", "addedAt" DESC);

-- CreateIndex
CREATE INDEX "PlaylistSave_playlistId_idx" ON "library"."PlaylistSave"("playlistId");

-- CreateIndex
CREATE INDEX "PlaylistSave_userId_savedAt_playlistId_idx" ON "library"."PlaylistSave"("userId", "savedAt" DESC, "playlistId");

-- CreateIndex
CREATE INDEX "LikedSong_userId_likedAt_songId_idx" ON "library"."LikedSong"("userId", "likedAt" DESC, "songId");

-- CreateIndex
CREATE INDEX "LikedSong_songId_idx" ON "library"."LikedSong"("songId");

-- CreateIndex
CREATE INDEX "SavedCollection_userId_savedAt_collectionId_idx" ON "library"."SavedCollection"("userId", "savedAt" DESC, "collectionId");

-- CreateIndex
CREATE INDEX "SavedCollection_collectionId_idx" ON "library"."SavedCollection"("collectionId");

-- CreateIndex
CREATE INDEX "FollowedArtist_userId_followedAt_artistId_idx" ON "library"."FollowedArtist"("userId", "followedAt" DESC, "artistId");

-- CreateIndex
CREATE INDEX "FollowedArtist_artistId_idx" ON "library"."FollowedArtist"("artistId");

-- CreateIndex
CREATE INDEX "CatalogSong_collectionId_idx" ON "library"."CatalogSong"("collectionId");

-- CreateIndex
CREATE INDEX "OutboxEvent_deliveredAt_createdAt_idx" ON "library"."OutboxEvent"("deliveredAt", "createdAt");

-- AddForeignKey
ALTER TABLE "library"."PlaylistItem" ADD CONSTRAINT "PlaylistItem_playlistId_fkey" FOREIGN KEY ("playlistId") REFERENCES "library"."Playlist"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "library"."PlaylistEditor" ADD CONSTRAINT "PlaylistEditor_playlistId_fkey" FOREIGN KEY ("playlistId") REFERENCES "library"."Playlist"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "library"."PlaylistSave" ADD CONSTRAINT "PlaylistSave_playlistId_fkey" FOREIGN KEY ("playlistId") REFERENCES "library"."Playlist"("id") ON DELETE CASCADE ON UPDATE CASCADE;
