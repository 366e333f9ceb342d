// `pnpm db:seed`: the first admin from configuration (ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_HANDLE),
// never from a public mutation; with SEED_DEMO=true, demo listeners on an empty database.
// `pnpm start` does the same with development defaults; production must set the admin's password.
import { createDb } from "../../subgraphs/users/src/db.ts";
import { ensureAdmin, SeedError, seedDemoUsers } from "../../subgraphs/users/src/seed.ts";
import { localDatabase } from "./databaseUrl.ts";

const env = process.env;
if (!env.ADMIN_EMAIL || !env.ADMIN_PASSWORD || env.ADMIN_PASSWORD.length < 10) {
  console.error(
    "db:seed: set ADMIN_EMAIL and ADMIN_PASSWORD (at least 10 characters); ADMIN_HANDLE defaults to 'admin'.",
  );
  process.exit(1);
}
const database = await localDatabase();
const db = createDb({ databaseUrl: database.url });
try {
  const admin = await ensureAdmin(db, {
    email: env.ADMIN_EMAIL,
    password: env.ADMIN_PASSWORD,
    handle: env.ADMIN_HANDLE ?? "admin",
  });
  console.log(
    admin.created
      ? `created admin ${env.ADMIN_EMAIL} (${admin.id})`
      : `admin ${env.ADMIN_EMAIL} already exists (${admin.id}); left unchanged`,
  );
  if (env.SEED_DEMO === "true") console.log(`demo users created: ${await seedDemoUsers(db)}`);
  await db.$disconnect();
  await database.stop();
  process.exit(0);
} catch (e) {
  console.error(
    e instanceof SeedError ? `db:seed: ${e.message}` : `db:seed failed: ${e instanceof Error ? e.message : String(e)}`,
  );
  process.exit(1);
}
