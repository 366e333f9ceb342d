// The database the db:* commands work on: DATABASE_URL, or else the local stack's embedded
// Postgres (.data/postgres), reused if `pnpm start` is running it, started for the command if not.
import { ensurePostgres } from "../services.ts";

export async function localDatabase(): Promise<{ url: string; stop(): Promise<void> }> {
  return ensurePostgres({ persistent: true, log: (msg) => console.log(msg) });
}
