-- Added by hand (Prisma schemas cannot declare triggers): every change to what other subgraphs
-- keep of a user (handle, display name, role, blocked) writes a `user.changed` event into the
-- outbox in the same transaction, whichever path made it (sign-up, profile edit, admin, seeds).
-- The event carries the user's whole state and a version: a consumer keeps the highest version
-- (subgraphs/users/src/events.ts). The trigger locks the user's row before reading, so changes
-- to the User and Profile rows of one user take versions in commit order and the highest
-- version always carries the latest state of both.
CREATE SEQUENCE "users"."user_event_version";

CREATE FUNCTION "users"."record_user_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  uid uuid;
BEGIN
  IF TG_TABLE_NAME = 'User' THEN
    uid := NEW."id";
  ELSE
    uid := NEW."userId";
  END IF;
  PERFORM 1 FROM "users"."User" WHERE "id" = uid FOR UPDATE;
  INSERT INTO "users"."OutboxEvent" ("id", "type", "payload")
  SELECT gen_random_uuid(), 'user.changed', jsonb_build_object(
    'userId', u."id", 'handle', p."handle", 'displayName', p."displayName", 'role', u."role",
    'blocked', u."blockedAt" IS NOT NULL, 'version', nextval('"users"."user_event_version"'))
  FROM "users"."User" u JOIN "users"."Profile" p ON p."userId" = u."id"
  WHERE u."id" = uid;
  RETURN NULL;
END
$$;

-- An account is created before its profile: the profile's insert sends the first event.
CREATE TRIGGER "User_changed" AFTER UPDATE OF "role", "blockedAt" ON "users"."User"
  FOR EACH ROW WHEN (OLD."role" IS DISTINCT FROM NEW."role" OR OLD."blockedAt" IS DISTINCT FROM NEW."blockedAt")
  EXECUTE FUNCTION "users"."record_user_changed"();
CREATE TRIGGER "Profile_created" AFTER INSERT ON "users"."Profile"
  FOR EACH ROW EXECUTE FUNCTION "users"."record_user_changed"();
CREATE TRIGGER "Profile_changed" AFTER UPDATE OF "handle", "displayName" ON "users"."Profile"
  FOR EACH ROW WHEN (OLD."handle" IS DISTINCT FROM NEW."handle" OR OLD."displayName" IS DISTINCT FROM NEW."displayName")
  EXECUTE FUNCTION "users"."record_user_changed"();
