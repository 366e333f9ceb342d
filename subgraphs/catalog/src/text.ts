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

/**
 * Latin letters that are not a base letter plus marks, so NFKD leaves them whole: spelled the way
 * their languages write them in ASCII.
 */
const ASCII_LETTERS: Record<string, string> = {
  ø: "o",
  æ: "ae",
  œ: "oe",
  ß: "ss",
  ł: "l",
  đ: "d",
  ð: "d",
  þ: "th",
  ı: "i",
  ħ: "h",
  ŧ: "t",
  ŋ: "n",
  ĸ: "k",
  ſ: "s",
};

/**
 * A URL-safe slug from a name, in the form explicit slugs must have (`[a-z0-9]` words joined by
 * single dashes): "Beyoncé & Jay" → "beyonce-jay", "Søren Łukasz" → "soren-lukasz". Letters
 * with no ASCII spelling are left out; a name with none left gives "" (the caller asks for a slug).
 */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^ -~]/g, (c) => ASCII_LETTERS[c] ?? " ")
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
    .slice(0, 80)
    .trim()
    .replace(/ /g, "-");
}
