// The users part of `pnpm start`'s demo data: the first admin (ADMIN_EMAIL / ADMIN_PASSWORD, with
// development defaults) and, on an empty database, the demo listeners and artist account.
import type { DemoSeed } from "@melodi/kit";
import { createDb } from "./db.ts";
import { DEMO_ARTIST_EMAIL, ensureAdmin, seedDemoUsers } from "./seed.ts";

export async function seedDemo({ databaseUrl, env, log, shared }: DemoSeed): Promise<void> {
  const db = createDb({ databaseUrl, poolSize: 2 });
  try {
    const admin = {
      email: env.ADMIN_EMAIL ?? "admin@melodi.local",
      password: env.ADMIN_PASSWORD ?? "change-me-admin",
      handle: env.ADMIN_HANDLE ?? "admin",
    };
    const made = await ensureAdmin(db, admin);
    const demo = await seedDemoUsers(db);
    if (demo) log(`seeded ${demo} demo users (password "listen-to-melodi", e.g. ana@demo.melodi.app)`);
    log(
      made.created
        ? `created admin ${admin.email} (password from ADMIN_PASSWORD${env.ADMIN_PASSWORD ? "" : ', default "change-me-admin"'})`
        : `admin ${admin.email} exists (its password is not changed by ADMIN_PASSWORD)`,
    );
    const artist = await db.user.findUnique({ where: { email: DEMO_ARTIST_EMAIL }, select: { id: true } });
    shared.demoArtistUserId = artist?.id;
    // The demo accounts, for later seeds (library builds their libraries).
    const demoUsers = await db.user.findMany({
      where: { email: { endsWith: "@demo.melodi.app" } },
      select: { id: true, profile: { select: { handle: true, displayName: true } } },
      orderBy: { email: "asc" },
    });
    shared.demoUsers = JSON.stringify(
      demoUsers.map((u) => ({ id: u.id, handle: u.profile?.handle ?? "", displayName: u.profile?.displayName ?? "" })),
    );
  } finally {
    await db.$disconnect();
  }
}
