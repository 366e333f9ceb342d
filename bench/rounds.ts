// Rounds of measurements over several sides, each round starting with a different side, so none
// always runs first (or last). Loads nothing (bench/streamingReader.ts runs in a bare process).
export async function inRotation(
  names: string[],
  rounds: number,
  measure: (side: string) => number | Promise<number>,
): Promise<Record<string, number[]>> {
  const results: Record<string, number[]> = Object.fromEntries(names.map((side) => [side, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const side = names[(round + i) % names.length]!;
      results[side]!.push(await measure(side));
    }
  }
  return results;
}
