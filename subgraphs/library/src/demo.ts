// The library part of `pnpm start`'s demo data: on an empty library, each demo listener gets
// playlists (a public one, a private one, and a collaborative one the next listener edits), liked
// songs, saved releases, followed artists and a save of someone else's playlist, over the demo
// catalog's listed songs. The ids come from the earlier seeds (users' demoUsers, catalog's
// demoListedSongs in `shared`), never from their tables; what library knows of those songs and
// accounts arrives as catalog's and users' events once the services run, so for a moment after
// the first start the items show as unavailable.
import type { DemoSeed } from "@melodi/kit";
import { createDb } from "./db.ts";
import { GAP } from "./playlists/order.ts";

interface DemoUser {
  id: string;
  handle: string;
  displayName: string;
}
interface DemoSong {
  songId: string;
  collectionId: string;
  artistId: string;
}

/** A small deterministic generator, so every fresh demo is the same. */
function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export async function seedDemo({ databaseUrl, log, shared }: DemoSeed): Promise<void> {
  const users = JSON.parse(shared.demoUsers ?? "[]") as DemoUser[];
  const songs = JSON.parse(shared.demoListedSongs ?? "[]") as DemoSong[];
  if (users.length < 2 || songs.length === 0) {
    log("library: no demo accounts or songs to build libraries from; skipped");
    return;
  }
  const db = createDb({ databaseUrl, poolSize: 2 });
  try {
    if ((await db.playlist.count()) > 0) return;
    const started = performance.now();
    const random = prng(20261203);
    const pick = <T>(list: T[], n: number): T[] => {
      const copy = [...list];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy.slice(0, Math.min(n, copy.length));
    };
    const distinct = (values: string[]) => [...new Set(values)];
    const collections = distinct(songs.map((s) => s.collectionId));
    const artists = distinct(songs.map((s) => s.artistId));
    const counts = { playlists: 0, items: 0, likes: 0 };

    await db.$transaction(
      async (tx) => {
        const publicPlaylists: { id: string; ownerId: string }[] = [];
        for (const [i, user] of users.entries()) {
          const next = users[(i + 1) % users.length]!;
          const first = user.displayName.split(" ")[0] ?? user.handle;
          const made = [
            { title: `${first}'s favourites`, isPublic: true, isCollaborative: false, size: 25, editor: null },
            { title: "Late night", isPublic: false, isCollaborative: false, size: 15, editor: null },
            {
              title: `Road trip with ${next.displayName.split(" ")[0]}`,
              isPublic: true,
              isCollaborative: true,
              size: 20,
              editor: next,
            },
          ];
          for (const spec of made) {
            const playlist = await tx.playlist.create({
              data: {
                ownerId: user.id,
                title: spec.title,
                description: spec.isCollaborative ? "Add what you want to hear on the way." : "",
                isPublic: spec.isPublic,
                isCollaborative: spec.isCollaborative,
              },
            });
            if (spec.editor)
              await tx.playlistEditor.create({ data: { playlistId: playlist.id, userId: spec.editor.id } });
            const items = pick(songs, spec.size).map((song, n) => ({
              playlistId: playlist.id,
              songId: song.songId,
              position: GAP * BigInt(n),
              // On the collaborative one, every other song was added by the editor.
              addedById: spec.editor && n % 2 ? spec.editor.id : user.id,
            }));
            await tx.playlistItem.createMany({ data: items });
            counts.playlists += 1;
            counts.items += items.length;
            if (spec.isPublic && !spec.isCollaborative) publicPlaylists.push({ id: playlist.id, ownerId: user.id });
          }
          const likes = pick(songs, 30).map((song) => ({ userId: user.id, songId: song.songId }));
          await tx.likedSong.createMany({ data: likes });
          counts.likes += likes.length;
          await tx.savedCollection.createMany({
            data: pick(collections, 4).map((collectionId) => ({ userId: user.id, collectionId })),
          });
          await tx.followedArtist.createMany({
            data: pick(artists, 5).map((artistId) => ({ userId: user.id, artistId })),
          });
        }
        // Everyone saved the favourites of the person before them.
        for (const [i, user] of users.entries()) {
          const theirs = publicPlaylists[(i + publicPlaylists.length - 1) % publicPlaylists.length]!;
          if (theirs.ownerId !== user.id)
            await tx.playlistSave.create({ data: { userId: user.id, playlistId: theirs.id } });
        }
      },
      { timeout: 60_000 },
    );
    log(
      `seeded the demo libraries: ${counts.playlists} playlists (${counts.items} items), ${counts.likes} likes, saves and follows for ${users.length} accounts (${Math.round(performance.now() - started)} ms)`,
    );
  } finally {
    await db.$disconnect();
  }
}
