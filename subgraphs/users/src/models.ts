// What resolvers pass around as parents (codegen `mappers`): rows, not GraphQL shapes.
import type { ProfileRow, UserRow } from "./db.ts";

export type UserModel = UserRow & { profile: ProfileRow | null };
export type ProfileModel = ProfileRow;
export interface FollowEdgeModel {
  cursor: string;
  userId: string;
  followedAt: Date;
}
