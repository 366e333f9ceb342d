// Text as search sees it: lower-case, accents removed, spaces collapsed. The same function
// prepares what is stored (`searchText` columns) and what is searched for, so "Beyonce"
// finds "Beyoncé" without a database extension.
export function searchable(...parts: (string | null | undefined)[]): string {
  return parts
    .filter(Boolean)
    .join(" ")
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
    .slice(0, 300);
}

/** A URL-safe slug from a name: "Beyoncé & Jay" → "beyonce-jay". */
export function slugify(name: string): string {
  return searchable(name).replace(/ /g, "-").slice(0, 80);
}
