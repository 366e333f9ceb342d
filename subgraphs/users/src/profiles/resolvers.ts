import { requireSelfOrAdmin, requireViewer } from "@melodi/kit";
import { z } from "zod";
import type { Resolvers } from "../generated/graphql.ts";
import { fail, isUniqueViolation } from "../errors.ts";
import * as rules from "../validation.ts";

const updateProfileInput = z.object({
  handle: rules.handle.nullish(),
  displayName: rules.displayName.nullish(),
  bio: rules.bio.nullish(),
  avatarUrl: rules.avatarUrl.nullish(),
});

export const resolvers: Resolvers = {
  Query: {
    user: (_parent, { id }, ctx) => ctx.loaders.user.load(id),
    async userByHandle(_parent, { handle }, ctx) {
      if (handle.length > rules.LIMITS.handleMax) return null;
      const profile = await ctx.db.profile.findUnique({
        where: { handleKey: handle.trim().toLowerCase() },
        select: { userId: true },
      });
      return profile ? ctx.loaders.user.load(profile.userId) : null;
    },
  },

  Mutation: {
    async updateProfile(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const parsed = rules.parseInput(updateProfileInput, input);
      if (!parsed.ok) return { user: null, userErrors: parsed.userErrors };
      const { handle, displayName, bio, avatarUrl } = parsed.value;
      try {
        await ctx.db.profile.update({
          where: { userId: viewer.id },
          data: {
            ...(handle ? { handle, handleKey: handle.toLowerCase() } : {}),
            ...(displayName ? { displayName } : {}),
            ...(bio !== undefined && bio !== null ? { bio } : {}),
            // An explicit null clears the avatar; leaving the field out keeps it.
            ...("avatarUrl" in input ? { avatarUrl: avatarUrl ?? null } : {}),
          },
        });
      } catch (err) {
        if (isUniqueViolation(err, "handle"))
          return { user: null, userErrors: [fail("HANDLE_TAKEN", "This handle is taken.", ["input", "handle"])] };
        throw err;
      }
      ctx.loaders.user.clear(viewer.id);
      return { user: await ctx.loaders.user.load(viewer.id), userErrors: [] };
    },
  },

  User: {
    __resolveReference: (ref, ctx) => ctx.loaders.user.load(ref.id),
    profile(user) {
      // Every account is created with its profile in the same transaction.
      if (!user.profile) throw new Error(`user ${user.id} has no profile`);
      return user.profile;
    },
    email(user, _args, ctx) {
      requireSelfOrAdmin(ctx.viewer, user.id);
      return user.email;
    },
    isBlocked(user, _args, ctx) {
      requireSelfOrAdmin(ctx.viewer, user.id);
      return user.blockedAt !== null;
    },
  },
};
