// The crash tests' randomness: how many kills, and a seeded generator so a failing run can be
// replayed with LAMINAR_CRASH_SEED (each test prints its seed).

export const CRASH_ITERATIONS = Number(process.env.LAMINAR_CRASH_ITERATIONS ?? 8);
export const CRASH_SEED = Number(process.env.LAMINAR_CRASH_SEED ?? Date.now() % 100000);

/** xorshift32: uniform numbers in [0, 1) from `seed` (0 acts as 1). */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}
