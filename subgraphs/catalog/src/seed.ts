// A deterministic, realistic demo catalog for `pnpm start` (and a 100k-song one for benchmarks):
// the same seed always gives the same artists, releases and songs, so a Sandbox session and a
// benchmark run are reproducible. Inserted in bulk (createMany), on an empty catalog only.
import type { Db } from "./db.ts";
import { searchable, slugify } from "./text.ts";

export const SEED_SIZES = {
  demo: { artists: 300, releasesPerArtist: 5, tracksPerAlbum: 10 },
  bench: { artists: 2800, releasesPerArtist: 6, tracksPerAlbum: 10 },
} as const;
export type SeedSize = keyof typeof SEED_SIZES;

/** mulberry32: a tiny seeded PRNG, good enough for demo data. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** A version-4 UUID from the generator, so ids are reproducible too. */
    uuid() {
      const hex = Array.from({ length: 16 }, () =>
        Math.floor(next() * 256)
          .toString(16)
          .padStart(2, "0"),
      );
      hex[6] = `4${hex[6]!.slice(1)}`;
      hex[8] = ((parseInt(hex[8]!, 16) & 0x3f) | 0x80).toString(16);
      const h = hex.join("");
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!,
    chance: (p: number) => next() < p,
  };
}

const FIRST = [
  "Ana",
  "Bruno",
  "Camila",
  "Diego",
  "Elena",
  "Fernando",
  "Gabriela",
  "Héctor",
  "Inés",
  "Javier",
  "Lucía",
  "Mateo",
  "Nora",
  "Óscar",
  "Paula",
  "Rosa",
  "Sofía",
  "Tomás",
  "Valeria",
  "Zoë",
  "Amélie",
  "Björn",
  "Chloé",
  "Dmitri",
  "Erik",
  "Freya",
  "Jürgen",
  "Kenji",
  "Léa",
  "Maëlle",
  "Noémie",
  "Søren",
  "Yuki",
  "Aitana",
  "Beatriz",
  "Joaquín",
  "Mónica",
  "Ramón",
  "Begoña",
  "Iñaki",
];
const LAST = [
  "García",
  "Martínez",
  "López",
  "Sánchez",
  "Pérez",
  "Gómez",
  "Fernández",
  "Díaz",
  "Muñoz",
  "Álvarez",
  "Romero",
  "Navarro",
  "Torres",
  "Domínguez",
  "Vázquez",
  "Ramos",
  "Gil",
  "Serrano",
  "Molina",
  "Castillo",
  "Müller",
  "Dubois",
  "Nyström",
  "Okafor",
  "Tanaka",
  "Kowalski",
  "Rossi",
  "Silva",
  "Costa",
  "Björk",
];
const BAND_A = ["The", "Los", "Las", "Les", "Die"];
const BAND_B = [
  "Midnight",
  "Velvet",
  "Electric",
  "Golden",
  "Silent",
  "Crimson",
  "Lunar",
  "Neon",
  "Wild",
  "Paper",
  "Atomic",
  "Cosmic",
  "Hollow",
  "Gentle",
  "Rebel",
  "Azul",
  "Dorado",
  "Salvaje",
  "Eterno",
  "Nocturno",
];
const BAND_C = [
  "Tigers",
  "Echoes",
  "Rivers",
  "Lanterns",
  "Machines",
  "Ghosts",
  "Satellites",
  "Wolves",
  "Orchids",
  "Pilots",
  "Mareas",
  "Lobos",
  "Sombras",
  "Relámpagos",
  "Cometas",
  "Gaviotas",
  "Corazones",
  "Fantasmas",
];
const ADJ = [
  "Blue",
  "Broken",
  "Endless",
  "Golden",
  "Hidden",
  "Lonely",
  "Lost",
  "Neon",
  "Quiet",
  "Secret",
  "Silver",
  "Summer",
  "Sweet",
  "Wild",
  "Electric",
  "Bitter",
  "Dulce",
  "Último",
  "Perdido",
  "Eterna",
  "Salvaje",
  "Tranquila",
  "Oscura",
  "Brillante",
];
const NOUN = [
  "Heart",
  "Night",
  "Dream",
  "Fire",
  "River",
  "Sky",
  "Road",
  "Light",
  "Storm",
  "City",
  "Ocean",
  "Garden",
  "Mirror",
  "Shadow",
  "Horizon",
  "Canción",
  "Corazón",
  "Noche",
  "Lluvia",
  "Verano",
  "Ciudad",
  "Camino",
  "Fuego",
  "Luna",
  "Mañana",
  "Océano",
];
const SUFFIX = [
  "",
  "",
  "",
  " (Live)",
  " (Acoustic)",
  " (Remix)",
  " Pt. II",
  " (Interlude)",
  " (Demo)",
  " (Radio Edit)",
];

function artistName(r: ReturnType<typeof prng>): string {
  return r.chance(0.55)
    ? `${r.pick(FIRST)} ${r.pick(LAST)}`
    : `${r.chance(0.5) ? `${r.pick(BAND_A)} ` : ""}${r.pick(BAND_B)} ${r.pick(BAND_C)}`;
}

function title(r: ReturnType<typeof prng>, withSuffix: boolean): string {
  const base = r.chance(0.3) ? r.pick(NOUN) : `${r.pick(ADJ)} ${r.pick(NOUN)}`;
  return withSuffix ? `${base}${r.pick(SUFFIX)}` : base;
}

async function inChunks<T>(rows: T[], size: number, insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

export interface SeedResult {
  artists: number;
  collections: number;
  songs: number;
}

/**
 * Seeds the catalog if it has no artist yet; returns what it made, or null when the catalog
 * already has content. `managerUserId` (an ARTIST account) manages the first ten artists.
 */
export async function seedCatalog(
  db: Db,
  opts: { size?: SeedSize; managerUserId?: string; seed?: number } = {},
): Promise<SeedResult | null> {
  if ((await db.artist.count()) > 0) return null;
  const size = SEED_SIZES[opts.size ?? "demo"];
  const r = prng(opts.seed ?? 20261125);
  const genres = await db.genre.findMany({ orderBy: { slug: "asc" } });
  const epoch = Date.UTC(2024, 0, 1);

  const artists: {
    id: string;
    name: string;
    slug: string;
    imageUrl: string;
    biography: string;
    isVerified: boolean;
    isPublic: boolean;
    isVisible: boolean;
    searchText: string;
  }[] = [];
  const artistGenres: { artistId: string; genreId: string }[] = [];
  const collections: {
    id: string;
    type: "ALBUM" | "EP" | "SINGLE";
    title: string;
    coverUrl: string;
    releaseDate: Date;
    primaryArtistId: string;
    isPublic: boolean;
    isVisible: boolean;
    searchText: string;
  }[] = [];
  const songs: {
    id: string;
    title: string;
    durationMs: number;
    explicit: boolean;
    collectionId: string;
    trackNumber: number;
    primaryArtistId: string;
    isPublic: boolean;
    isVisible: boolean;
    searchText: string;
  }[] = [];
  const songGenres: { songId: string; genreId: string }[] = [];
  const featured: { songId: string; artistId: string; position: number }[] = [];
  const picks: {
    artistId: string;
    songId: string | null;
    collectionId: string | null;
    note: string;
    position: number;
  }[] = [];
  const slugs = new Set<string>();

  for (let a = 0; a < size.artists; a++) {
    const name = artistName(r);
    let slug = slugify(name);
    for (let n = 2; slugs.has(slug); n++) slug = `${slugify(name)}-${n}`;
    slugs.add(slug);
    const id = r.uuid();
    // Most artists are live; a few are drafts or hidden by an admin, as in a real catalog.
    const isPublic = !r.chance(0.03);
    const isVisible = !r.chance(0.01);
    artists.push({
      id,
      name,
      slug,
      imageUrl: `https://picsum.photos/seed/${slug}/600/600`,
      biography: `${name} makes ${r.pick(ADJ).toLowerCase()} music about ${r.pick(NOUN).toLowerCase()}s and ${r.pick(NOUN).toLowerCase()}s.`,
      isVerified: r.chance(0.2),
      isPublic,
      isVisible,
      searchText: searchable(name),
    });
    const artistGenreIds = [...new Set([r.pick(genres).id, r.pick(genres).id])];
    for (const genreId of artistGenreIds) artistGenres.push({ artistId: id, genreId });

    const releases = r.int(Math.max(1, size.releasesPerArtist - 3), size.releasesPerArtist + 3);
    for (let c = 0; c < releases; c++) {
      const type = r.pick(["ALBUM", "ALBUM", "EP", "SINGLE", "SINGLE"] as const);
      const collectionTitle = title(r, false);
      const collectionId = r.uuid();
      collections.push({
        id: collectionId,
        type,
        title: collectionTitle,
        coverUrl: `https://picsum.photos/seed/${collectionId.slice(0, 8)}/600/600`,
        releaseDate: new Date(epoch - r.int(0, 365 * 20) * 86_400_000),
        primaryArtistId: id,
        isPublic: !r.chance(0.02),
        isVisible: true,
        searchText: searchable(collectionTitle, name),
      });
      const tracks =
        type === "SINGLE"
          ? r.int(1, 2)
          : type === "EP"
            ? r.int(4, 6)
            : r.int(size.tracksPerAlbum - 2, size.tracksPerAlbum + 4);
      for (let t = 1; t <= tracks; t++) {
        const songTitle = type === "SINGLE" && t === 1 ? collectionTitle : title(r, true);
        const songId = r.uuid();
        songs.push({
          id: songId,
          title: songTitle,
          durationMs: r.int(95, 420) * 1000,
          explicit: r.chance(0.12),
          collectionId,
          trackNumber: t,
          primaryArtistId: id,
          isPublic: !r.chance(0.01),
          isVisible: true,
          searchText: searchable(songTitle, name),
        });
        songGenres.push({ songId, genreId: artistGenreIds[0]! });
        if (a > 0 && r.chance(0.08)) featured.push({ songId, artistId: artists[r.int(0, a - 1)]!.id, position: 0 });
      }
    }
    // Two picks: the newest release and one of its songs.
    const newest = collections
      .filter((c) => c.primaryArtistId === id)
      .sort((x, y) => y.releaseDate.getTime() - x.releaseDate.getTime())[0]!;
    picks.push({ artistId: id, collectionId: newest.id, songId: null, note: "Our newest release.", position: 0 });
    const favourite = songs.find((s) => s.collectionId === newest.id)!;
    picks.push({
      artistId: id,
      songId: favourite.id,
      collectionId: null,
      note: "The one we play every night.",
      position: 1,
    });
  }

  // Chunks small enough (under ~30,000 bound values) that Prisma sends each as one INSERT:
  // larger ones it splits and runs at once on the transaction's one connection.
  await db.$transaction(
    async (tx) => {
      await inChunks(artists, 2000, (chunk) => tx.artist.createMany({ data: chunk }));
      await inChunks(artistGenres, 5000, (chunk) => tx.artistGenre.createMany({ data: chunk }));
      await inChunks(collections, 3000, (chunk) => tx.collection.createMany({ data: chunk }));
      await inChunks(songs, 2500, (chunk) => tx.song.createMany({ data: chunk }));
      await inChunks(songGenres, 10000, (chunk) => tx.songGenre.createMany({ data: chunk }));
      await inChunks(featured, 10000, (chunk) => tx.songArtist.createMany({ data: chunk }));
      await inChunks(picks, 10000, (chunk) => tx.artistPick.createMany({ data: chunk }));
      if (opts.managerUserId) {
        const userId = opts.managerUserId;
        await tx.artistManager.createMany({
          data: artists.slice(0, 10).map((artist) => ({ artistId: artist.id, userId })),
        });
      }
    },
    { timeout: 600_000, maxWait: 10_000 },
  );
  return { artists: artists.length, collections: collections.length, songs: songs.length };
}
