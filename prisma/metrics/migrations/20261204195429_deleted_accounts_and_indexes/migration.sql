-- CreateIndex
CREATE INDEX "SongRecord_artistIds_idx" ON "metrics"."SongRecord" USING GIN ("artistIds");

-- CreateIndex
CREATE INDEX "PlayDelta_userId_idx" ON "metrics"."PlayDelta"("userId");

-- CreateIndex
CREATE INDEX "ArtistListenerDay_userId_idx" ON "metrics"."ArtistListenerDay"("userId");

-- CreateIndex
CREATE INDEX "ArtistListener_userId_idx" ON "metrics"."ArtistListener"("userId");
