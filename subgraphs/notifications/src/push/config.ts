// The push settings (README "Configuration"): where Expo's push service is and how the worker
// talks to it. Tests and benches point `expoBaseUrl` at a fake Expo server.
export interface PushConfig {
  /** EXPO_BASE_URL: Expo's push service (default https://exp.host). */
  expoBaseUrl?: string;
  /** EXPO_ACCESS_TOKEN: sent as a bearer token when the project requires one. */
  expoAccessToken?: string;
  /** PUSH_WORKER=false: this replica sends no pushes and runs no hourly jobs (default: it does). */
  worker: boolean;
  /**
   * Deliveries claimed at a time by the send job (default 1,000: ten of Expo's chunks, sent side
   * by side, at most 6 requests in flight as the SDK bounds them). One send job runs at a time
   * across replicas (BullMQ deduplication), so this is the parallelism.
   */
  claimSize: number;
  /** First retry delay after a 429 or 5xx from Expo, doubling (default 1,000 ms). */
  retryMinMs: number;
  /** Attempts of one chunk before its deliveries go back to wait (default 5). */
  chunkAttempts: number;
  /** Receipts are asked for tickets at least this old (Expo's advice: 15 minutes). */
  receiptDelayMs: number;
}

export const PUSH_DEFAULTS: PushConfig = {
  worker: true,
  claimSize: 1000,
  retryMinMs: 1000,
  chunkAttempts: 5,
  receiptDelayMs: 15 * 60_000,
};
