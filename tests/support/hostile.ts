// Hostile documents of issue 9, shared by the router's tests and the bench's figures.

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM = `${LETTERS}0123456789`;

/** The shortest fragment names: a, b, …, aa, ab, … (a letter, then letters or digits). */
function shortName(i: number): string {
  let name = LETTERS[i % LETTERS.length]!;
  for (let rest = Math.floor(i / LETTERS.length); rest > 0; rest = Math.floor((rest - 1) / ALNUM.length))
    name += ALNUM[(rest - 1) % ALNUM.length];
  return name;
}

/**
 * `{ ...F0 } fragment F0 on Query { ...F1 } … fragment Fn on Query { __typename }`: n + 1 fragments.
 * `compact` writes it as small as GraphQL allows (about 29 bytes a fragment), to fit the most
 * fragments under the body limit.
 */
export function fragmentChain(n: number, compact = false): string {
  const name = compact ? shortName : (i: number) => `F${i}`;
  const sep = compact ? "" : " ";
  const parts = [`{${sep}...${name(0)}${sep}}`];
  for (let i = 0; i < n; i++) parts.push(`fragment ${name(i)} on Query{${sep}...${name(i + 1)}${sep}}`);
  parts.push(`fragment ${name(n)} on Query{${sep}__typename${sep}}`);
  return parts.join(compact ? "" : " ");
}

/** Each of `levels` fragments spreads the next `width` times: width^levels expansions of the last. */
export function fragmentFanOut(levels: number, width: number, leaf = "__typename"): string {
  const parts = ["{ ...F0 }"];
  for (let i = 0; i < levels; i++)
    parts.push(`fragment F${i} on Query { ${Array.from({ length: width }, () => `...F${i + 1}`).join(" ")} }`);
  parts.push(`fragment F${levels} on Query { ${leaf} }`);
  return parts.join(" ");
}

/** The fan-out of the issue: 8 aliases of genres → artists(first: 100) → albums(first: 100) → tracks → song. */
export const CATALOG_FAN_OUT = `{ ${Array.from(
  { length: 8 },
  (_, i) =>
    `g${i}: genres { artists(first: 100) { edges { node { discography { albums(first: 100) { edges { node { tracks { song { id title } } } } } } } } } }`,
).join(" ")} }`;
