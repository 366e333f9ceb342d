import type { Db } from "../db.ts";
import { fail, type CatalogUserError } from "../errors.ts";

/** Genre ids for slugs, or a GENRE_NOT_FOUND error naming the first unknown one. */
export async function genreIdsFor(
  db: Db,
  slugs: string[],
  field: string[],
): Promise<{ ok: true; ids: string[] } | { ok: false; userErrors: CatalogUserError[] }> {
  const unique = [...new Set(slugs)];
  if (unique.length === 0) return { ok: true, ids: [] };
  const genres = await db.genre.findMany({ where: { slug: { in: unique } }, select: { id: true, slug: true } });
  const missing = unique.find((slug) => !genres.some((g) => g.slug === slug));
  if (missing) return { ok: false, userErrors: [fail("GENRE_NOT_FOUND", `No genre "${missing}".`, field)] };
  return { ok: true, ids: genres.map((g) => g.id) };
}
