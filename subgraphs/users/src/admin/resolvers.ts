// The backoffice's account management. Every field here is ADMIN-only.
import { encodeCursor, isUuid, pageSize, requireRole, toConnection, type Viewer, afterTime } from "@melodi/kit";
import type { Resolvers } from "../generated/graphql.ts";
import type { Context } from "../context.ts";
import type { Prisma } from "../db.ts";
import { fail, type UsersUserError } from "../errors.ts";
import { endAllSessions, publishRevocation } from "../accounts/sessions.ts";

const MAX_QUERY_LENGTH = 100;

/** Loads the target of an admin action, refusing unknown ids and the admin themself. */
async function target(
  ctx: Context,
  admin: Viewer,
  userId: string,
): Promise<{ ok: true; id: string } | { ok: false; userErrors: UsersUserError[] }> {
  const user = isUuid(userId) ? await ctx.loaders.user.load(userId) : null;
  if (!user) return { ok: false, userErrors: [fail("USER_NOT_FOUND", "No user with this id.", ["input", "userId"])] };
  if (user.id === admin.id)
    return {
      ok: false,
      userErrors: [fail("CANNOT_TARGET_SELF", "Admins cannot do this to their own account.", ["input", "userId"])],
    };
  return { ok: true, id: user.id };
}

/** Applies a change that must end every session and token of the user, then reloads them. */
async function changeAndRevoke(ctx: Context, userId: string, data: Prisma.UserUpdateInput) {
  const { user } = await ctx.db.$transaction((tx) => endAllSessions(tx, ctx.revocations, userId, data));
  await publishRevocation(ctx.revocations, user);
  ctx.loaders.user.clear(userId);
  return ctx.loaders.user.load(userId);
}

export const resolvers: Resolvers = {
  Query: {
    async users(_parent, args, ctx) {
      requireRole(ctx.viewer, "ADMIN");
      const limit = pageSize(args);
      const query = args.filter?.query?.trim().slice(0, MAX_QUERY_LENGTH);
      const where: Prisma.UserWhereInput = {
        ...(args.filter?.role ? { role: args.filter.role } : {}),
        ...(typeof args.filter?.isBlocked === "boolean"
          ? { blockedAt: args.filter.isBlocked ? { not: null } : null }
          : {}),
        ...(query
          ? {
              OR: [
                { email: { startsWith: query.toLowerCase() } },
                { profile: { handleKey: { startsWith: query.toLowerCase() } } },
                { profile: { displayName: { contains: query, mode: "insensitive" } } },
              ],
            }
          : {}),
      };
      let after: Prisma.UserWhereInput = {};
      const key = afterTime(args.after);
      if (key) after = { OR: [{ createdAt: { lt: key.at } }, { createdAt: key.at, id: { lt: key.id } }] };
      const [rows, totalCount] = await Promise.all([
        ctx.db.user.findMany({
          where: { AND: [where, after] },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          take: limit + 1,
          include: { profile: true },
        }),
        ctx.db.user.count({ where }),
      ]);
      for (const row of rows) ctx.loaders.user.prime(row.id, row);
      const page = toConnection(
        rows,
        limit,
        (row) => encodeCursor([row.createdAt.getTime(), row.id]),
        (row) => row,
        Boolean(args.after),
      );
      return { ...page, totalCount };
    },
  },

  Mutation: {
    async blockUser(_parent, { input }, ctx) {
      const admin = requireRole(ctx.viewer, "ADMIN");
      const found = await target(ctx, admin, input.userId);
      if (!found.ok) return { user: null, userErrors: found.userErrors };
      return { user: await changeAndRevoke(ctx, found.id, { blockedAt: new Date() }), userErrors: [] };
    },

    async unblockUser(_parent, { input }, ctx) {
      const admin = requireRole(ctx.viewer, "ADMIN");
      const found = await target(ctx, admin, input.userId);
      if (!found.ok) return { user: null, userErrors: found.userErrors };
      await ctx.db.user.update({ where: { id: found.id }, data: { blockedAt: null } });
      ctx.loaders.user.clear(found.id);
      return { user: await ctx.loaders.user.load(found.id), userErrors: [] };
    },

    async changeUserRole(_parent, { input }, ctx) {
      const admin = requireRole(ctx.viewer, "ADMIN");
      const found = await target(ctx, admin, input.userId);
      if (!found.ok) return { user: null, userErrors: found.userErrors };
      return { user: await changeAndRevoke(ctx, found.id, { role: input.role }), userErrors: [] };
    },

    async deleteUser(_parent, { input }, ctx) {
      const admin = requireRole(ctx.viewer, "ADMIN");
      const found = await target(ctx, admin, input.userId);
      if (!found.ok) return { deletedUserId: null, userErrors: found.userErrors };
      // Profile, credential, follows, sessions and refresh tokens go with the row (ON DELETE
      // CASCADE). Other subgraphs learn of it from the outbox event, written in the same
      // transaction. Tokens already handed out die through the revocation record.
      const deleted = await ctx.db.$transaction(async (tx) => {
        const row = await tx.user.delete({ where: { id: found.id }, select: { id: true, tokenVersion: true } });
        await ctx.outbox.record(tx, "user.deleted", { userId: row.id });
        await ctx.revocations.record(tx, { userId: row.id, tokenVersion: row.tokenVersion + 1 });
        return row;
      });
      ctx.outbox.nudge();
      await ctx.revocations.publish({ userId: deleted.id, tokenVersion: deleted.tokenVersion + 1 });
      ctx.loaders.user.clear(found.id);
      return { deletedUserId: deleted.id, userErrors: [] };
    },
  },
};
