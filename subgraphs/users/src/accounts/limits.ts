// Brute-force limits on sign-in and sign-up, kept in Redis so they hold across replicas. They
// live here rather than in the router because only this subgraph knows which account an
// attempt targets. The kit's createLimiter does the counting (rate-limiter-flexible in Redis;
// per process while Redis is away, README "When Redis is gone").
import type { Redis } from "ioredis";
import { createLimiter, RateLimiterRes, tooManyRequests, type Limiter } from "@melodi/kit";

export interface AuthLimitSettings {
  /** Login attempts per client IP per minute. */
  loginPerIpPerMinute: number;
  /** Failed logins per account per 15 minutes before the account's sign-in pauses. */
  failedLoginsPerAccount: number;
  /** Registrations per client IP per hour. */
  registerPerIpPerHour: number;
}

export const DEFAULT_AUTH_LIMITS: AuthLimitSettings = {
  loginPerIpPerMinute: 30,
  failedLoginsPerAccount: 10,
  registerPerIpPerHour: 20,
};

export function authLimitSettingsFromEnv(env: NodeJS.ProcessEnv): AuthLimitSettings {
  const num = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  return {
    loginPerIpPerMinute: num("LIMIT_LOGIN_PER_IP_PER_MINUTE", DEFAULT_AUTH_LIMITS.loginPerIpPerMinute),
    failedLoginsPerAccount: num("LIMIT_FAILED_LOGINS_PER_ACCOUNT", DEFAULT_AUTH_LIMITS.failedLoginsPerAccount),
    registerPerIpPerHour: num("LIMIT_REGISTER_PER_IP_PER_HOUR", DEFAULT_AUTH_LIMITS.registerPerIpPerHour),
  };
}

export function createAuthLimits(redis: Redis, settings: AuthLimitSettings) {
  const loginByIp = createLimiter(redis, {
    keyPrefix: "rl:login:ip",
    points: settings.loginPerIpPerMinute,
    duration: 60,
  });
  const failedByAccount = createLimiter(redis, {
    keyPrefix: "rl:login:fail",
    points: settings.failedLoginsPerAccount,
    duration: 15 * 60,
  });
  const registerByIp = createLimiter(redis, {
    keyPrefix: "rl:register:ip",
    points: settings.registerPerIpPerHour,
    duration: 60 * 60,
  });

  async function consume(limiter: Limiter, key: string, what: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        throw tooManyRequests(
          `Too many ${what}. Try again in ${Math.ceil(err.msBeforeNext / 1000)} seconds.`,
          Math.ceil(err.msBeforeNext / 1000),
        );
      }
      throw err;
    }
  }

  return {
    loginAttempt: (ip: string) => consume(loginByIp, ip, "sign-in attempts"),
    /** Throws when the account has had too many failures recently (checked before the password). */
    async assertAccountNotLocked(email: string): Promise<void> {
      const state = await failedByAccount.get(email);
      if (state && state.consumedPoints >= settings.failedLoginsPerAccount) {
        throw tooManyRequests(
          `Too many failed sign-ins for this account. Try again in ${Math.ceil(state.msBeforeNext / 1000)} seconds.`,
          Math.ceil(state.msBeforeNext / 1000),
        );
      }
    },
    async loginFailed(email: string): Promise<void> {
      await failedByAccount.penalty(email, 1);
    },
    async loginSucceeded(email: string): Promise<void> {
      await failedByAccount.delete(email);
    },
    registration: (ip: string) => consume(registerByIp, ip, "sign-ups"),
  };
}

export type AuthLimits = ReturnType<typeof createAuthLimits>;
