/**
 * Seeded random numbers that do not depend on the tfjs backend: one small
 * generator (mulberry32) for every seeded draw in the library — initial
 * parameters, shuffles, synthetic data — so cpu, wasm and a PyTorch twin
 * start from bit-identical numbers.
 * @module
 */

/**
 * A stream of uniform numbers in `[0, 1)` from mulberry32, a small,
 * well-tested 32-bit generator.
 *
 * @param seed Any 32-bit whole number (taken modulo 2³²).
 * @returns A function returning the next number of the stream.
 *
 * @example
 * ```ts
 * import { mulberry32 } from "./random.ts";
 * const a = mulberry32(7), b = mulberry32(7);
 * if (a() !== b()) throw new Error();
 * ```
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Stream `k` of a seed: the seed mixed with `k`, so that the streams of one
 * seed never coincide (each parameter of a model draws from its own).
 *
 * @param seed The base seed, a 32-bit whole number.
 * @param k The stream's number, from 0.
 * @returns The stream.
 *
 * @example
 * ```ts
 * import { seedStream } from "./random.ts";
 * if (seedStream(1, 0)() === seedStream(1, 1)()) throw new Error();
 * ```
 */
export function seedStream(seed: number, k: number): () => number {
  return mulberry32(
    (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + k * 0x632be5ab) >>> 0,
  );
}

/**
 * A standard normal draw from two uniform draws (Box–Muller).
 *
 * @param next A uniform stream.
 * @returns One number ~ N(0, 1).
 */
export function normalDraw(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/**
 * Shuffles an array in place (Fisher–Yates) with a seeded stream.
 *
 * @param items The array, shuffled in place.
 * @param seed Any 32-bit whole number.
 *
 * @example
 * ```ts
 * import { shuffle } from "./random.ts";
 * const a = [1, 2, 3, 4], b = [1, 2, 3, 4];
 * shuffle(a, 7);
 * shuffle(b, 7);
 * if (a.join() !== b.join()) throw new Error();
 * ```
 */
export function shuffle<T>(items: T[], seed: number): void {
  const next = mulberry32(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}
