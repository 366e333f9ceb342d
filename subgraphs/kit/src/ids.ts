// Entity ids are opaque strings to clients; in our tables they are UUIDs. Anything that is not
// one cannot name an entity, so it is "not found" before any SQL is sent (a malformed id must
// never become a database error).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(id: unknown): id is string {
  return typeof id === "string" && UUID.test(id);
}
