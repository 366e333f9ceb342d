// Expo's push service through expo-server-sdk. The SDK reads EXPO_BASE_URL once, when it is first
// imported; we take the base URL from our own settings and route the SDK's requests there with an
// undici dispatcher, so a service (or a test) started after the import still reaches the Expo it
// was configured with.
import { Expo, type ExpoPushMessage, type ExpoPushReceipt, type ExpoPushTicket } from "expo-server-sdk";
import { Agent, type Dispatcher } from "undici";
import type { PushConfig } from "./config.ts";

export type { ExpoPushMessage, ExpoPushReceipt, ExpoPushTicket };

/** What the sender needs of Expo (the SDK's client fits). */
export interface PushService {
  sendPushNotificationsAsync(messages: ExpoPushMessage[]): Promise<ExpoPushTicket[]>;
  getPushNotificationReceiptsAsync(ids: string[]): Promise<Record<string, ExpoPushReceipt>>;
}

/** Sends every request to `base` (scheme, host, port and path prefix) instead of exp.host. */
function redirectTo(base: string): Dispatcher {
  const target = new URL(base);
  const prefix = target.pathname.replace(/\/$/, "");
  return new Agent({ keepAliveTimeout: 10_000, connections: 16 }).compose(
    (dispatch) => (opts, handler) =>
      dispatch({ ...opts, origin: target.origin, path: `${prefix}${opts.path}` }, handler),
  );
}

export function createExpo(config: Pick<PushConfig, "expoBaseUrl" | "expoAccessToken">): PushService {
  return new Expo({
    accessToken: config.expoAccessToken,
    httpAgent: config.expoBaseUrl ? (redirectTo(config.expoBaseUrl) as never) : undefined,
    // Our sender retries 429s and 5xx itself with its own backoff (sender.ts); the SDK's own
    // retries of a 429 (two, from this delay) come first.
    retryMinTimeout: 200,
  });
}

/**
 * A push token Expo accepts: `ExponentPushToken[…]`, `ExpoPushToken[…]` or a bare uuid-shaped id
 * (Expo.isExpoPushToken), with something between the brackets and no spaces.
 */
export function isPushToken(token: string): boolean {
  return token.length <= 255 && !/\s/.test(token) && !/\[\]$/.test(token) && Expo.isExpoPushToken(token);
}
