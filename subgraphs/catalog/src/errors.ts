import { userError, type UserError } from "@melodi/kit";
export { isUniqueViolation } from "@melodi/kit";
import type { UserErrorCode } from "./generated/graphql.ts";

export type CatalogUserError = UserError<UserErrorCode>;

export function fail(code: UserErrorCode, message: string, field?: string[]): CatalogUserError {
  return userError(code, message, field);
}

export const notFound = {
  artist: (field = ["input", "artistId"]) => fail("ARTIST_NOT_FOUND", "No artist with this id.", field),
  collection: (field = ["input", "collectionId"]) => fail("COLLECTION_NOT_FOUND", "No release with this id.", field),
  song: (field = ["input", "songId"]) => fail("SONG_NOT_FOUND", "No song with this id.", field),
};
