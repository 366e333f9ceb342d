// The signed-in user's devices: Expo push tokens, one account per token.
import { requireViewer } from "@melodi/kit";
import type { Context } from "../context.ts";
import type { Resolvers } from "../generated/graphql.ts";
import { fail } from "../errors.ts";
import { isPushToken } from "./expo.ts";
import { forgetTokens } from "./tokens.ts";

/** Devices one account may register (a phone, a tablet, a few reinstalls). */
export const MAX_DEVICES = 20;

export const resolvers: Resolvers<Context> = {
  Query: {
    pushDevices: (_parent, _args, ctx) =>
      ctx.db.pushToken.findMany({ where: { userId: requireViewer(ctx.viewer).id }, orderBy: { registeredAt: "desc" } }),
  },
  Mutation: {
    async registerPushToken(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const token = input.token.trim();
      if (!isPushToken(token))
        return {
          device: null,
          userErrors: [
            fail("INVALID_PUSH_TOKEN", "Not an Expo push token (ExponentPushToken[…]).", ["input", "token"]),
          ],
        };
      const device = await ctx.db.$transaction(async (tx) => {
        // Registering again keeps one row; registered by someone else, it moves here, and the
        // pushes still waiting for its old owner are not sent to a device that is no longer theirs.
        await tx.$executeRaw`UPDATE "notifications"."PushDelivery" SET "status" = 'FAILED', "error" = 'TOKEN_MOVED'
          WHERE "token" = ${token} AND "status" IN ('PENDING', 'HELD')
            AND "notificationId" IN (SELECT "id" FROM "notifications"."Notification" WHERE "recipientId" <> ${viewer.id}::uuid)`;
        const row = await tx.pushToken.upsert({
          where: { token },
          create: { token, userId: viewer.id },
          update: { userId: viewer.id, registeredAt: new Date() },
        });
        // Beyond the bound the oldest device goes: a reinstalled app gets a new token.
        const stale = await tx.pushToken.findMany({
          where: { userId: viewer.id },
          orderBy: { registeredAt: "desc" },
          skip: MAX_DEVICES,
          select: { token: true },
        });
        await forgetTokens(
          tx,
          stale.map((s) => s.token),
          "TOKEN_REMOVED",
        );
        return row;
      });
      return { device, userErrors: [] };
    },
    async removePushToken(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      // Someone else's token answers as unknown and stays theirs.
      const token = input.token.trim();
      const removed = await ctx.db.$transaction(async (tx) => {
        const mine = await tx.pushToken.findFirst({ where: { token, userId: viewer.id } });
        if (mine) await forgetTokens(tx, [token], "TOKEN_REMOVED");
        return mine !== null;
      });
      return removed
        ? { removedToken: token, userErrors: [] }
        : {
            removedToken: null,
            userErrors: [fail("PUSH_TOKEN_NOT_FOUND", "This device is not registered to you.", ["input", "token"])],
          };
    },
  },
};
