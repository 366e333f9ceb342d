-- The curated genre list (DESIGN.md §3: genres are curated, not user-made). Data only: the
-- schema is unchanged. Later additions go in new migrations, so every environment has the same list.
INSERT INTO "catalog"."Genre" ("id", "slug", "name") VALUES
  (gen_random_uuid(), 'pop', 'Pop'),
  (gen_random_uuid(), 'rock', 'Rock'),
  (gen_random_uuid(), 'hip-hop', 'Hip-Hop'),
  (gen_random_uuid(), 'r-and-b', 'R&B'),
  (gen_random_uuid(), 'soul', 'Soul'),
  (gen_random_uuid(), 'funk', 'Funk'),
  (gen_random_uuid(), 'electronic', 'Electronic'),
  (gen_random_uuid(), 'house', 'House'),
  (gen_random_uuid(), 'techno', 'Techno'),
  (gen_random_uuid(), 'ambient', 'Ambient'),
  (gen_random_uuid(), 'jazz', 'Jazz'),
  (gen_random_uuid(), 'blues', 'Blues'),
  (gen_random_uuid(), 'classical', 'Classical'),
  (gen_random_uuid(), 'latin', 'Latin'),
  (gen_random_uuid(), 'reggaeton', 'Reggaeton'),
  (gen_random_uuid(), 'salsa', 'Salsa'),
  (gen_random_uuid(), 'flamenco', 'Flamenco'),
  (gen_random_uuid(), 'indie', 'Indie'),
  (gen_random_uuid(), 'metal', 'Metal'),
  (gen_random_uuid(), 'punk', 'Punk'),
  (gen_random_uuid(), 'folk', 'Folk'),
  (gen_random_uuid(), 'country', 'Country'),
  (gen_random_uuid(), 'reggae', 'Reggae'),
  (gen_random_uuid(), 'k-pop', 'K-Pop'),
  (gen_random_uuid(), 'soundtrack', 'Soundtrack')
ON CONFLICT ("slug") DO NOTHING
