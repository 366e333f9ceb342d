// Seed data for the local stack: the first admin (from configuration, never from a public
// mutation) and, on an empty database, a handful of demo listeners who follow each other.
import type { Db } from "./db.ts";
import { hashPassword } from "./accounts/passwords.ts";

export interface AdminSeed {
  email: string;
  password: string;
  handle: string;
}

export class SeedError extends Error {}

/**
 * Creates the admin account unless one with that email exists; returns its id and whether it
 * was made now. An existing admin is left as it is (its password is not reset); an existing
 * account of another role, a taken handle or a short password are errors that say what to set.
 */
export async function ensureAdmin(db: Db, admin: AdminSeed): Promise<{ id: string; created: boolean }> {
  const email = admin.email.trim().toLowerCase();
  const existing = await db.user.findUnique({ where: { email } });
  if (existing) {
    if (existing.role !== "ADMIN")
      throw new SeedError(
        `ADMIN_EMAIL ${email} belongs to an account with role ${existing.role}; choose another email, or change its role as an admin.`,
      );
    return { id: existing.id, created: false };
  }
  if (admin.password.length < 10) throw new SeedError("ADMIN_PASSWORD must be at least 10 characters.");
  const handleKey = admin.handle.toLowerCase();
  if (await db.profile.findUnique({ where: { handleKey } }))
    throw new SeedError(`The handle "${admin.handle}" is taken; set ADMIN_HANDLE to another one.`);
  const user = await db.user.create({
    data: {
      email,
      role: "ADMIN",
      credential: { create: { passwordHash: await hashPassword(admin.password) } },
      profile: { create: { handle: admin.handle, handleKey, displayName: "Melodi Admin" } },
    },
  });
  return { id: user.id, created: true };
}

export const DEMO_PASSWORD = "listen-to-melodi";

const DEMO_USERS = [
  { handle: "ana", displayName: "Ana Torres", bio: "Indie pop, late-night playlists." },
  { handle: "bruno", displayName: "Bruno Díaz", bio: "Jazz on vinyl, jazz on Melodi." },
  { handle: "carla", displayName: "Carla Méndez", bio: "Reggaeton and everything after." },
  { handle: "diego", displayName: "Diego Ruiz", bio: "Guitar, amps, more guitar." },
  { handle: "elena", displayName: "Elena Sanz", bio: "Classical for focus." },
  { handle: "fer", displayName: "Fer Castillo", bio: "Producer. Beats daily." },
  {
    handle: "nova",
    displayName: "Nova Ríos",
    bio: "Artist account: manages ten artists of the demo catalog.",
    role: "ARTIST" as const,
  },
];

/** The demo ARTIST account, which manages part of the demo catalog. */
export const DEMO_ARTIST_EMAIL = "nova@demo.melodi.app";

/** On a database with no listeners yet: demo users (password DEMO_PASSWORD) who follow each other. */
export async function seedDemoUsers(db: Db): Promise<number> {
  if ((await db.user.count({ where: { role: { not: "ADMIN" } } })) > 0) return 0;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  return db.$transaction(async (tx) => {
    const ids: string[] = [];
    for (const demo of DEMO_USERS) {
      const user = await tx.user.create({
        data: {
          email: `${demo.handle}@demo.melodi.app`,
          role: "role" in demo ? demo.role : "USER",
          credential: { create: { passwordHash } },
          profile: {
            create: { handle: demo.handle, handleKey: demo.handle, displayName: demo.displayName, bio: demo.bio },
          },
        },
      });
      ids.push(user.id);
    }
    // Everyone follows the next two people round the circle, so every profile has followers.
    const follows = ids.flatMap((id, i) =>
      [1, 2].map((step) => ({ followerId: id, followeeId: ids[(i + step) % ids.length]! })),
    );
    await tx.follow.createMany({ data: follows });
    return ids.length;
  });
}
