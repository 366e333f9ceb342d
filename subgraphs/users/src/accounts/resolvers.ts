import { actAsViewer, requireViewer } from "@melodi/kit";
import { z } from "zod";
import type { Resolvers } from "../generated/graphql.ts";
import { fail, isUniqueViolation } from "../errors.ts";
import * as rules from "../validation.ts";
import { parseInput } from "../validation.ts";
import { decoyHash, hashPassword, verifyPassword } from "./passwords.ts";
import {
  type AuthSessionModel,
  endAllSessions,
  endSession,
  publishRevocation,
  refreshSession,
  startSession,
} from "./sessions.ts";
import type { Context } from "../context.ts";
import type { UserRow } from "../db.ts";

const registerInput = z.object({
  email: rules.email,
  password: rules.password,
  handle: rules.handle,
  displayName: rules.displayName.nullish(),
});
const changePasswordInput = z.object({
  currentPassword: z.string().max(rules.LIMITS.passwordMax),
  newPassword: rules.password,
});

/**
 * The payload of a sign-in is read by the account it signed in (ARCHITECTURE.md §9): the rest of
 * the operation, here and in other subgraphs, runs as that viewer, so `login { user { email } }`
 * answers the user's own email.
 */
function signedIn(ctx: Context, user: UserRow, session: AuthSessionModel): void {
  actAsViewer(ctx, { id: user.id, role: user.role, sessionId: session.sessionId }, session.accessToken);
}

const INVALID_CREDENTIALS = () => fail("INVALID_CREDENTIALS", "Email or password is incorrect.");

export const resolvers: Resolvers = {
  Query: {
    me: (_parent, _args, ctx) => (ctx.viewer ? ctx.loaders.user.load(ctx.viewer.id) : null),
  },

  Mutation: {
    async register(_parent, { input }, ctx) {
      await ctx.limits.registration(ctx.clientIp);
      const parsed = parseInput(registerInput, input);
      if (!parsed.ok) return { user: null, session: null, userErrors: parsed.userErrors };
      const { email, password, handle, displayName } = parsed.value;
      const passwordHash = await hashPassword(password);
      try {
        const { user, session } = await ctx.db.$transaction(async (tx) => {
          const user = await tx.user.create({
            data: {
              email,
              credential: { create: { passwordHash } },
              profile: { create: { handle, handleKey: handle.toLowerCase(), displayName: displayName ?? handle } },
            },
            include: { profile: true },
          });
          return { user, session: await startSession(tx, ctx.signingKey, user, undefined) };
        });
        signedIn(ctx, user, session);
        ctx.loaders.user.prime(user.id, user);
        return { user, session, userErrors: [] };
      } catch (err) {
        if (isUniqueViolation(err, "email"))
          return {
            user: null,
            session: null,
            userErrors: [fail("EMAIL_TAKEN", "An account with this email already exists.", ["input", "email"])],
          };
        if (isUniqueViolation(err, "handle"))
          return {
            user: null,
            session: null,
            userErrors: [fail("HANDLE_TAKEN", "This handle is taken.", ["input", "handle"])],
          };
        throw err;
      }
    },

    async login(_parent, { input }, ctx) {
      await ctx.limits.loginAttempt(ctx.clientIp);
      const email = input.email.trim().toLowerCase().slice(0, rules.LIMITS.emailMax);
      await ctx.limits.assertAccountNotLocked(email);
      const user = await ctx.db.user.findUnique({ where: { email }, include: { credential: true, profile: true } });
      // Same work and same answer whether or not the account exists.
      const ok =
        input.password.length <= rules.LIMITS.passwordMax &&
        (await verifyPassword(input.password, user?.credential?.passwordHash ?? (await decoyHash())));
      if (!user || !ok) {
        await ctx.limits.loginFailed(email);
        return { user: null, session: null, userErrors: [INVALID_CREDENTIALS()] };
      }
      if (user.blockedAt)
        return { user: null, session: null, userErrors: [fail("ACCOUNT_BLOCKED", "This account is blocked.")] };
      await ctx.limits.loginSucceeded(email);
      const session = await ctx.db.$transaction((tx) => startSession(tx, ctx.signingKey, user, undefined));
      signedIn(ctx, user, session);
      return { user, session, userErrors: [] };
    },

    async refreshSession(_parent, { input }, ctx) {
      const outcome = await refreshSession(ctx.db, ctx.revocations, ctx.signingKey, input.refreshToken);
      if (outcome.ok) return { session: outcome.session, userErrors: [] };
      const message =
        outcome.reason === "blocked"
          ? "This account is blocked."
          : "Refresh token is invalid, expired or already used. Sign in again.";
      return {
        session: null,
        userErrors: [
          fail(outcome.reason === "blocked" ? "ACCOUNT_BLOCKED" : "INVALID_REFRESH_TOKEN", message, [
            "input",
            "refreshToken",
          ]),
        ],
      };
    },

    async logout(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      if (!input?.everywhere)
        return { signedOutSessionCount: await endSession(ctx.db, ctx.revocations, viewer.sessionId), userErrors: [] };
      const { count, user } = await ctx.db.$transaction((tx) => endAllSessions(tx, ctx.revocations, viewer.id));
      await publishRevocation(ctx.revocations, user);
      return { signedOutSessionCount: count, userErrors: [] };
    },

    async changePassword(_parent, { input }, ctx) {
      const viewer = requireViewer(ctx.viewer);
      const parsed = parseInput(changePasswordInput, input);
      if (!parsed.ok) return { user: null, session: null, userErrors: parsed.userErrors };
      const credential = await ctx.db.credential.findUnique({ where: { userId: viewer.id } });
      if (!credential || !(await verifyPassword(parsed.value.currentPassword, credential.passwordHash))) {
        return {
          user: null,
          session: null,
          userErrors: [fail("INVALID_CREDENTIALS", "Current password is incorrect.", ["input", "currentPassword"])],
        };
      }
      const passwordHash = await hashPassword(parsed.value.newPassword);
      const { user, session } = await ctx.db.$transaction(async (tx) => {
        await tx.credential.update({
          where: { userId: viewer.id },
          data: { passwordHash, passwordChangedAt: new Date() },
        });
        const { user } = await endAllSessions(tx, ctx.revocations, viewer.id);
        return { user, session: await startSession(tx, ctx.signingKey, user, undefined) };
      });
      await publishRevocation(ctx.revocations, user);
      // The caller's token was just revoked with the others: the rest runs on the fresh one.
      signedIn(ctx, user, session);
      return { user: await ctx.loaders.user.load(user.id), session, userErrors: [] };
    },
  },
};
