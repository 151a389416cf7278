/**
 * Runs every variant once per round, in the same order each round (A B C A B C ...), so drift
 * in the machine's load hits all variants alike; returns the samples per variant.
 */
export async function runInterleaved<V extends string, S>(
  variants: readonly V[],
  rounds: number,
  runOne: (variant: V, round: number) => Promise<S>,
): Promise<Map<V, S[]>> {
  const samples = new Map<V, S[]>(variants.map((variant) => [variant, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const variant of variants) samples.get(variant)!.push(await runOne(variant, round));
  }
  return samples;
}
