import {
  channelEvents,
  encodeCursor,
  isUuid,
  pageSize,
  publishEvent,
  requireViewer,
  toConnection,
  afterTime,
} from "@melodi/kit";
import type { Resolvers } from "../generated/graphql.ts";
import type { Context } from "../context.ts";
import type { UserModel } from "../models.ts";
import { fail } from "../errors.ts";

type Direction = "followers" | "following";

/** The pub/sub channel of one user's new followers (Subscription.followerAdded). */
export const followerAddedChannel = (userId: string) => `users:followerAdded:${userId}`;

/** What goes through pub/sub: a FollowEdge as JSON. */
interface FollowerAddedEvent {
  userId: string;
  followedAt: string;
  cursor: string;
}

/**
 * One page of a user's followers or followees, newest first, keyed by (createdAt, other id) so
 * pages stay stable while people follow and unfollow. Counts come from a loader, so a list of
 * users each showing counts stays one statement per kind.
 */
async function followPage(
  user: UserModel,
  direction: Direction,
  args: { first?: number | null; after?: string | null },
  ctx: Context,
) {
  const limit = pageSize(args);
  const self = direction === "followers" ? "followeeId" : "followerId";
  const other = direction === "followers" ? "followerId" : "followeeId";
  const key = afterTime(args.after);
  const after = key && { createdAt: key.at, id: key.id };
  const rows = await ctx.db.follow.findMany({
    where: {
      [self]: user.id,
      ...(after
        ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, [other]: { lt: after.id } }] }
        : {}),
    },
    orderBy: [{ createdAt: "desc" }, { [other]: "desc" }],
    take: limit + 1,
    select: { createdAt: true, followerId: true, followeeId: true },
  });
  return toConnection(
    rows,
    limit,
    (row) => encodeCursor([row.createdAt.getTime(), row[other]]),
    (row) => ({
      userId: row[other],
      followedAt: row.createdAt,
      cursor: encodeCursor([row.createdAt.getTime(), row[other]]),
    }),
    after !== null,
  );
}

export const resolvers: Resolvers = {
  User: {
    async followers(user, args, ctx) {
      const page = await followPage(user, "followers", args, ctx);
      return {
        ...page,
        edges: page.edges.map((e) => e.node),
        totalCount: await ctx.loaders.followerCount.load(user.id),
      };
    },
    async following(user, args, ctx) {
      const page = await followPage(user, "following", args, ctx);
      return {
        ...page,
        edges: page.edges.map((e) => e.node),
        totalCount: await ctx.loaders.followingCount.load(user.id),
      };
    },
    followerCount: (user, _args, ctx) => ctx.loaders.followerCount.load(user.id),
    followingCount: (user, _args, ctx) => ctx.loaders.followingCount.load(user.id),
    viewerIsFollowing: (user, _args, ctx) => (ctx.viewer ? ctx.loaders.viewerFollows.load(user.id) : false),
  },

  FollowEdge: {
    async node(edge, _args, ctx) {
      const user = await ctx.loaders.user.load(edge.userId);
      // The follow row cascades with the user, so this only happens mid-deletion.
      if (!user) throw new Error(`followed user ${edge.userId} not found`);
      return user;
    },
  },

  Subscription: {
    followerAdded: {
      subscribe: async (_parent, _args, ctx) =>
        channelEvents<FollowerAddedEvent>(ctx.pubsub, followerAddedChannel(requireViewer(ctx.viewer).id)),
      resolve: (event: FollowerAddedEvent) => ({ ...event, followedAt: new Date(event.followedAt) }),
    },
  },

  Mutation: {
    async followUser(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const target = isUuid(input.userId) ? await ctx.loaders.user.load(input.userId) : null;
      if (!target)
        return { user: null, userErrors: [fail("USER_NOT_FOUND", "No user with this id.", ["input", "userId"])] };
      if (target.id === viewer.id)
        return {
          user: null,
          userErrors: [fail("CANNOT_FOLLOW_SELF", "You cannot follow yourself.", ["input", "userId"])],
        };
      // The follow and its event commit together; only a new follow is news.
      const followedAt = await ctx.db.$transaction(async (tx) => {
        const [row] = await tx.follow.createManyAndReturn({
          data: [{ followerId: viewer.id, followeeId: target.id }],
          skipDuplicates: true,
          select: { createdAt: true },
        });
        if (row)
          await ctx.outbox.record(tx, "user.followed", {
            followerId: viewer.id,
            followeeId: target.id,
            followedAt: row.createdAt.toISOString(),
          });
        return row?.createdAt ?? null;
      });
      if (!followedAt)
        return {
          user: null,
          userErrors: [fail("ALREADY_FOLLOWING", "You already follow this user.", ["input", "userId"])],
        };
      ctx.outbox.nudge();
      ctx.loaders.viewerFollows.prime(target.id, true);
      const event: FollowerAddedEvent = {
        userId: viewer.id,
        followedAt: followedAt.toISOString(),
        cursor: encodeCursor([followedAt.getTime(), viewer.id]),
      };
      // After the commit, and best effort: a live notice lost to a Redis fault must not undo
      // or fail the follow, which the followers list shows anyway.
      await publishEvent(ctx.pubsub, followerAddedChannel(target.id), event).catch((err: unknown) =>
        ctx.log.warn({ err }, "followerAdded not published"),
      );
      return { user: target, userErrors: [] };
    },

    async unfollowUser(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const target = isUuid(input.userId) ? await ctx.loaders.user.load(input.userId) : null;
      if (!target)
        return { user: null, userErrors: [fail("USER_NOT_FOUND", "No user with this id.", ["input", "userId"])] };
      // The unfollow and its event commit together; unfollowing someone not followed says nothing.
      const unfollowed = await ctx.db.$transaction(async (tx) => {
        const { count } = await tx.follow.deleteMany({ where: { followerId: viewer.id, followeeId: target.id } });
        if (count > 0)
          await ctx.outbox.record(tx, "user.unfollowed", {
            followerId: viewer.id,
            followeeId: target.id,
            at: new Date().toISOString(),
          });
        return count > 0;
      });
      if (!unfollowed)
        return { user: null, userErrors: [fail("NOT_FOLLOWING", "You do not follow this user.", ["input", "userId"])] };
      ctx.outbox.nudge();
      ctx.loaders.viewerFollows.prime(target.id, false);
      return { user: target, userErrors: [] };
    },
  },
};
