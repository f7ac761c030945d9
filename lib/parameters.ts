/**
 * The model's learnable numbers as plain arrays, and their seeded
 * initialisation. Both the tfjs model and the fast trainer start from these,
 * so every path begins from bit-identical values.
 * @module
 */

/** Every learnable parameter, as nested number arrays (float32 values). */
export interface Parameters {
  /** One row per vocabulary entry, `[vocabSize, dModel]`. */
  embedding: number[][];
  /** Query projection, `q = x · W + b`, `[dModel, dModel]`. */
  queryWeight: number[][];
  /** Query bias, `[dModel]`. */
  queryBias: number[];
  /** Key projection, `[dModel, dModel]`. */
  keyWeight: number[][];
  /** Key bias, `[dModel]`. */
  keyBias: number[];
  /** Value projection, `[dModel, dModel]`. */
  valueWeight: number[][];
  /** Value bias, `[dModel]`. */
  valueBias: number[];
}

/** The parameter names in a fixed order (also the order of their seeds). */
export const PARAMETER_NAMES: readonly (keyof Parameters)[] = [
  "embedding",
  "queryWeight",
  "queryBias",
  "keyWeight",
  "keyBias",
  "valueWeight",
  "valueBias",
];

/** Options for {@linkcode initParameters}. */
export interface InitOptions {
  /** Base seed; parameter `k` of {@linkcode PARAMETER_NAMES} uses its own stream. Default 42. */
  seed?: number;
}

/**
 * Creates the initial parameters the way PyTorch does for `nn.Embedding` and
 * `nn.Linear`: embeddings ~ N(0, 1); projection weights and biases ~
 * U(−1/√dModel, 1/√dModel). Each parameter draws from its own seeded stream,
 * so Q, K and V never start equal. Values are rounded to float32.
 *
 * @param vocabSize Number of distinct tokens.
 * @param dModel Embedding width.
 * @param options The seed.
 * @returns Fresh parameters; the same arguments always give the same numbers.
 *
 * @example
 * ```ts
 * import { initParameters } from "./parameters.ts";
 * const p = initParameters(12, 4, { seed: 42 });
 * if (p.embedding.length !== 12 || p.queryWeight[0].length !== 4) throw new Error();
 * ```
 */
export function initParameters(
  vocabSize: number,
  dModel: number,
  options: InitOptions = {},
): Parameters {
  const seed = options.seed ?? 42;
  const bound = 1 / Math.sqrt(dModel);
  const uniform = (k: number, rows: number, cols: number) => {
    const next = randomStream(seed, k);
    return matrix(rows, cols, () => (2 * next() - 1) * bound);
  };
  const normal = (k: number, rows: number, cols: number) => {
    const next = randomStream(seed, k);
    // Box–Muller: two uniforms → one standard normal.
    return matrix(
      rows,
      cols,
      () =>
        Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    );
  };
  return {
    embedding: normal(0, vocabSize, dModel),
    queryWeight: uniform(1, dModel, dModel),
    queryBias: uniform(2, 1, dModel)[0],
    keyWeight: uniform(3, dModel, dModel),
    keyBias: uniform(4, 1, dModel)[0],
    valueWeight: uniform(5, dModel, dModel),
    valueBias: uniform(6, 1, dModel)[0],
  };
}

/**
 * A deep copy of some parameters.
 *
 * @param parameters The parameters to copy.
 * @returns An independent copy.
 */
export function cloneParameters(parameters: Parameters): Parameters {
  return structuredClone(parameters);
}

function matrix(rows: number, cols: number, draw: () => number): number[][] {
  return Array.from(
    { length: rows },
    () => Array.from({ length: cols }, () => Math.fround(draw())),
  );
}

// mulberry32, a small, well-tested 32-bit generator; the stream for parameter
// k starts from the seed mixed with k, so streams never coincide.
function randomStream(seed: number, k: number): () => number {
  let state = (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + k * 0x632be5ab) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
