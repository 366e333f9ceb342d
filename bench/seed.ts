// Deterministic benchmark data: one account ("bench_star", who signs in) with a profile and
// FOLLOWERS followers, each with a profile and an avatar; bench_star follows every third of
// them back so viewerIsFollowing varies. Idempotent: rows that exist are reused, missing ones
// are added. Every handle starts with `bench_`, every email ends in @bench.melodi.local.
import type { Db } from "../subgraphs/users/src/db.ts";
import { hashPassword } from "../subgraphs/users/src/accounts/passwords.ts";

export const BENCH_EMAIL = "bench_star@bench.melodi.local";
export const BENCH_PASSWORD = "bench-password-not-secret";
export const FOLLOWERS = 30;

const BASE_TIME = Date.UTC(2026, 0, 1);

async function ensureUser(db: Db, handle: string, displayName: string, withAvatar: boolean): Promise<string> {
  const email = `${handle}@bench.melodi.local`;
  const existing = await db.user.findUnique({
    where: { email },
    select: { id: true, profile: { select: { userId: true } } },
  });
  if (existing?.profile) return existing.id;
  if (existing) {
    await db.profile.create({ data: { userId: existing.id, handle, handleKey: handle.toLowerCase(), displayName } });
    return existing.id;
  }
  const user = await db.user.create({
    data: {
      email,
      createdAt: new Date(BASE_TIME),
      profile: {
        create: {
          handle,
          handleKey: handle.toLowerCase(),
          displayName,
          bio: `Benchmark account ${handle}.`,
          avatarUrl: withAvatar ? `https://cdn.melodi.app/avatars/${handle}.jpg` : null,
        },
      },
    },
  });
  return user.id;
}

/** Returns the id of bench_star, whose password is BENCH_PASSWORD. */
export async function seedBench(db: Db): Promise<{ userId: string; created: boolean }> {
  const before = await db.follow.count({ where: { followee: { email: BENCH_EMAIL } } });
  const starId = await ensureUser(db, "bench_star", "Bench Star", true);
  const credential = await db.credential.findUnique({ where: { userId: starId } });
  if (!credential)
    await db.credential.create({ data: { userId: starId, passwordHash: await hashPassword(BENCH_PASSWORD) } });

  const followerIds: string[] = [];
  for (let i = 1; i <= FOLLOWERS; i++) {
    const n = String(i).padStart(2, "0");
    followerIds.push(await ensureUser(db, `bench_f${n}`, `Bench Follower ${n}`, i % 4 !== 0));
  }
  const follows = followerIds.flatMap((id, i) => {
    const at = new Date(BASE_TIME + (i + 1) * 60_000);
    const rows = [{ followerId: id, followeeId: starId, createdAt: at }];
    if (i % 3 === 0) rows.push({ followerId: starId, followeeId: id, createdAt: at });
    return rows;
  });
  await db.follow.createMany({ data: follows, skipDuplicates: true });
  return { userId: starId, created: before < FOLLOWERS };
}
