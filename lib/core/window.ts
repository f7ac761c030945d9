/**
 * Sliding-window attention and attention sinks (Xiao et al. 2023,
 * StreamingLLM): a causal mask where each query sees only the `window` most
 * recent keys, itself included, and optionally the first `sinks` keys of
 * the text, which large models use as a place to put attention they do not
 * need elsewhere.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { describe } from "./_describe.ts";
import { checkAttentionCells } from "./limits.ts";

// No "use the Node.js backend" banner for readers.
tf.enableProdMode();

/** Options for {@linkcode slidingWindowMask}. */
export interface SlidingWindowOptions {
  /** Always keep the first this many keys visible (the sinks). Default 0. */
  sinks?: number;
}

/**
 * The additive mask of causal sliding-window attention: entry `[i][j]` is 0
 * when key `j` is visible to query `i` (`j ≤ i` and `i − j < window`, or
 * `j < sinks`) and `−Infinity` otherwise. With `window ≥ T` and no sinks it
 * is the causal mask.
 *
 * @param seqLen `T`, a whole number ≥ 1.
 * @param window How many recent keys each query sees, itself included (≥ 1).
 * @param options How many first keys stay visible.
 * @returns The mask, `[T, T]` float32; the caller disposes it.
 * @throws {RangeError} For sizes that are not whole numbers in range.
 *
 * @example
 * ```ts
 * import { slidingWindowMask } from "./window.ts";
 * const m = slidingWindowMask(4, 2, { sinks: 1 }).arraySync() as number[][];
 * // query 3 sees key 0 (a sink), keys 2 and 3 (its window), not key 1
 * if (m[3].map((x) => x === 0 ? 1 : 0).join() !== "1,0,1,1") throw new Error();
 * ```
 */
export function slidingWindowMask(
  seqLen: number,
  window: number,
  options: SlidingWindowOptions = {},
): tf.Tensor2D {
  const sinks = options.sinks ?? 0;
  for (
    const [name, value, min] of [["seqLen", seqLen, 1], ["window", window, 1], [
      "sinks",
      sinks,
      0,
    ]] as const
  ) {
    if (!Number.isInteger(value) || (value as number) < min) {
      throw new RangeError(
        `${name} must be a whole number ≥ ${min}, got ${describe(value)}`,
      );
    }
  }
  checkAttentionCells(seqLen * seqLen, `a window mask [${seqLen}, ${seqLen}]`);
  const values = new Float32Array(seqLen * seqLen);
  for (let i = 0; i < seqLen; i++) {
    for (let j = 0; j < seqLen; j++) {
      const visible = j <= i && (i - j < window || j < sinks);
      if (!visible) values[i * seqLen + j] = -Infinity;
    }
  }
  return tf.tensor2d(values, [seqLen, seqLen]); // [T, T]
}
