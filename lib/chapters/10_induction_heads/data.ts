/**
 * Chapter 10's data: `[BOS]` then a block of `p` distinct random tokens,
 * repeated to fill the sequence. The first block cannot be predicted; every
 * later token can, by finding the earlier occurrence of the current token and
 * copying what came after it (what an induction head does).
 *
 * Shape names: `B` sequences in a batch, `seqLen` positions per sequence
 * (`[BOS]` included), `vocabSize` token ids (`[BOS]` is id 0).
 * @module
 */

import { checkObject, describe } from "../../core/_describe.ts";
import { checkTensorSize } from "../../core/limits.ts";
import { mulberry32 } from "../../core/random.ts";

/** How sequences are drawn. */
export interface SequenceConfig {
  /** Token ids `0…vocabSize − 1`; id 0 is `[BOS]`, the others are drawn. */
  vocabSize: number;
  /** Positions per sequence, `[BOS]` included. */
  seqLen: number;
  /** Shortest block (period). */
  minPeriod: number;
  /** Longest block (period). Equal to `minPeriod`: the fixed-period control. */
  maxPeriod: number;
}

/** The chapter's data, as in the PyTorch sketch of the issue. */
export const DEFAULT_SEQUENCE_CONFIG: Readonly<SequenceConfig> = Object.freeze(
  {
    vocabSize: 64, // 63 tokens and [BOS]: random blocks rarely look alike
    seqLen: 25, // [BOS] and 24 tokens: at least two periods of the longest block
    minPeriod: 4, // short enough for 6 periods in 24 tokens
    maxPeriod: 12, // long enough that position alone cannot tell what repeats
  },
);

/** The id of `[BOS]`, the first token of every sequence. */
export const BOS = 0;

/** A batch of sequences and the period of each. */
export interface SequenceBatch {
  /** Token ids, `[B, seqLen]`; column 0 is `[BOS]`. */
  tokens: number[][];
  /** Each sequence's period `p` (block length), `[B]`. */
  periods: number[];
}

/**
 * Fills in and checks a sequence configuration.
 *
 * @param config Fields to change from {@linkcode DEFAULT_SEQUENCE_CONFIG}.
 * @returns The full configuration.
 * @throws {RangeError} When a field is not a whole number, the periods are
 *   not `1 ≤ minPeriod ≤ maxPeriod < vocabSize`, or a sequence could not hold
 *   `[BOS]` and one block.
 */
export function resolveSequenceConfig(
  config: Partial<SequenceConfig> = {},
): SequenceConfig {
  const c = { ...DEFAULT_SEQUENCE_CONFIG, ...config };
  for (
    const key of Object.keys(
      DEFAULT_SEQUENCE_CONFIG,
    ) as (keyof SequenceConfig)[]
  ) {
    if (!Number.isInteger(c[key]) || c[key] < 1) {
      throw new RangeError(
        `${key} must be a whole number ≥ 1, got ${describe(c[key])}`,
      );
    }
  }
  checkTensorSize({ vocabSize: c.vocabSize });
  checkTensorSize({ seqLen: c.seqLen });
  if (c.minPeriod > c.maxPeriod || c.maxPeriod >= c.vocabSize) {
    throw new RangeError(
      `periods must satisfy 1 ≤ minPeriod ≤ maxPeriod < vocabSize, got minPeriod ${c.minPeriod}, maxPeriod ${c.maxPeriod}, vocabSize ${c.vocabSize}`,
    );
  }
  if (c.seqLen < c.maxPeriod + 1) {
    throw new RangeError(
      `seqLen ${c.seqLen} cannot hold [BOS] and a block of ${c.maxPeriod}; use seqLen ≥ ${
        c.maxPeriod + 1
      }`,
    );
  }
  return c;
}

/**
 * Draws a batch of repeated sequences: for each, a period `p` uniform in
 * `minPeriod…maxPeriod`, `p` distinct tokens from `1…vocabSize − 1`, and the
 * block repeated after `[BOS]` until `seqLen` positions are filled (the last
 * repeat may be cut short). The same seed gives the same batch (one
 * mulberry32 stream, lib/core/random.ts).
 *
 * @param batchSize Sequences `B`, a whole number ≥ 1.
 * @param options The seed (a whole number) and the sequence configuration.
 * @returns Tokens `[B, seqLen]` and periods `[B]`.
 * @throws {RangeError} For a bad batch size, seed or configuration.
 *
 * @example
 * ```ts
 * import { repeatedSequences } from "./data.ts";
 * const { tokens, periods } = repeatedSequences(2, { seed: 1 });
 * const [t, p] = [tokens[0], periods[0]];
 * if (t[0] !== 0 || t[1 + p] !== t[1] || t.length !== 25) throw new Error();
 * ```
 */
export function repeatedSequences(
  batchSize: number,
  options: { seed: number; config?: Partial<SequenceConfig> },
): SequenceBatch {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(
      `batchSize must be a whole number ≥ 1, got ${describe(batchSize)}`,
    );
  }
  checkObject(options, "options", "an object {seed, config?}");
  const seed = options.seed;
  if (!Number.isInteger(seed)) {
    throw new RangeError(`seed must be a whole number, got ${describe(seed)}`);
  }
  const c = resolveSequenceConfig(options.config);
  checkTensorSize({ batchSize, seqLen: c.seqLen });
  const random = mulberry32(seed);
  const tokens: number[][] = [];
  const periods: number[] = [];
  const pool = Array.from({ length: c.vocabSize - 1 }, (_, i) => i + 1);
  for (let b = 0; b < batchSize; b++) {
    const p = c.minPeriod +
      Math.floor(random() * (c.maxPeriod - c.minPeriod + 1));
    // a partial Fisher–Yates shuffle: the first p entries are p distinct tokens
    for (let i = 0; i < p; i++) {
      const j = i + Math.floor(random() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    const row = [BOS];
    for (let t = 1; t < c.seqLen; t++) row.push(pool[(t - 1) % p]);
    tokens.push(row);
    periods.push(p);
  }
  return { tokens, periods };
}

/**
 * Which predictions can be made from context: the next-token prediction at
 * position `i` (of the token at `i + 1`) is "repeated" when the token at `i`
 * is itself a repeat (`i ≥ p + 1`), so the answer is what followed its
 * earlier occurrence; it is "first block" when the answer is a token of the
 * first block (`i ≤ p − 1`), which nothing before it predicts. The one
 * prediction in between (`i = p`, the first token's return) is in neither.
 *
 * @param periods The periods, `[B]`.
 * @param seqLen Positions per sequence.
 * @returns Two 0/1 masks over the predictions, each `[B, seqLen − 1]`.
 *
 * @example
 * ```ts
 * import { predictionMasks } from "./data.ts";
 * const { repeated, firstBlock } = predictionMasks([4], 8);
 * if (repeated[0].join("") !== "0000011" || firstBlock[0].join("") !== "1111000") throw new Error();
 * ```
 */
export function predictionMasks(
  periods: number[],
  seqLen: number,
): { repeated: number[][]; firstBlock: number[][] } {
  if (!Array.isArray(periods) || !periods.every(Number.isInteger)) {
    throw new TypeError(
      `periods must be a list of whole numbers, got ${describe(periods)}`,
    );
  }
  if (!Number.isInteger(seqLen) || seqLen < 2) {
    throw new RangeError(
      `seqLen must be a whole number ≥ 2, got ${describe(seqLen)}`,
    );
  }
  checkTensorSize({ batchSize: periods.length, seqLen });
  const repeated = periods.map((p) =>
    Array.from({ length: seqLen - 1 }, (_, i) => (i >= p + 1 ? 1 : 0))
  );
  const firstBlock = periods.map((p) =>
    Array.from({ length: seqLen - 1 }, (_, i) => (i <= p - 1 ? 1 : 0))
  );
  return { repeated, firstBlock };
}
