// What every bench prints with: aligned tables (the first column left, the rest right) and
// nearest-rank percentiles.

/** p50/p95/p99/max of `values` (nearest rank); undefined when there are none. */
export function percentiles(
  values: ArrayLike<number>,
): { p50: number; p95: number; p99: number; max: number } | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

/** A figure with `digits` decimals, or "n/a" for none. */
export const fmt = (v: number | undefined, digits = 1) =>
  v === undefined || !Number.isFinite(v) ? "n/a" : v.toFixed(digits);

export function table(title: string, header: string[], rows: string[][]) {
  console.log(`\n${title}`);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const row of rows) console.log(line(row));
}
