/**
 * Chapter 10's head scores, read from attention weights: the previous-token
 * score (how much position `i` looks at `i − 1`) and the induction score (how
 * much a repeated token looks at the token after its previous occurrence,
 * `i − p + 1`). Each as a plain loop, for reading, and as tensor ops.
 *
 * Shape names: `B` sequences, `heads` heads of one layer, `T` positions.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { checkNumberLists, describe } from "../../core/_describe.ts";

/**
 * The previous-token score of one head, as a loop: the mean, over sequences
 * and positions `i = 1…T − 1`, of the weight from `i` on `i − 1`.
 *
 * @param weights One head's attention, `[B][T][T]` (rows are queries).
 * @returns A number in [0, 1]; 1 when every position looks only one back.
 * @throws {RangeError} For an empty batch or sequences shorter than 2.
 *
 * @example
 * ```ts
 * import { previousTokenScoreLoop } from "./scores.ts";
 * const w = [[[1, 0, 0], [1, 0, 0], [0, 0.5, 0.5]]];
 * if (previousTokenScoreLoop(w) !== 0.75) throw new Error();
 * ```
 */
export function previousTokenScoreLoop(weights: number[][][]): number {
  checkSquares(weights);
  const T = weights[0]?.length ?? 0;
  if (weights.length === 0 || T < 2) {
    throw new RangeError(
      `weights must be [B][T][T] with B ≥ 1 and T ≥ 2, got ${weights.length} sequences of ${T}`,
    );
  }
  let sum = 0;
  let count = 0;
  for (const rows of weights) {
    for (let i = 1; i < T; i++) {
      sum += rows[i][i - 1];
      count++;
    }
  }
  return sum / count;
}

/**
 * The induction score of one head, as a loop: the mean, over sequences and
 * repeated positions `i = p + 1…T − 1` (the token at `i` occurred before, at
 * `i − p`), of the weight from `i` on `i − p + 1`, the token that followed
 * that previous occurrence (the one to copy).
 *
 * @param weights One head's attention, `[B][T][T]`.
 * @param periods Each sequence's period `p`, `[B]`.
 * @returns A number in [0, 1].
 * @throws {RangeError} When the periods do not match the batch, or a
 *   sequence has no repeated position.
 *
 * @example
 * ```ts
 * import { inductionScoreLoop } from "./scores.ts";
 * // [BOS] a b a: period 2, position 3 repeats position 1, so looks at 2
 * const w = [[[1, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0]]];
 * if (inductionScoreLoop(w, [2]) !== 1) throw new Error();
 * ```
 */
export function inductionScoreLoop(
  weights: number[][][],
  periods: number[],
): number {
  checkSquares(weights);
  checkPeriods(weights.length, weights[0]?.length ?? 0, periods);
  const T = weights[0].length;
  let sum = 0;
  let count = 0;
  for (const [b, rows] of weights.entries()) {
    const p = periods[b];
    for (let i = p + 1; i < T; i++) {
      sum += rows[i][i - p + 1];
      count++;
    }
  }
  return sum / count;
}

/**
 * The previous-token score of every head of a layer, as tensor ops.
 *
 * @param weights A layer's attention, `[B, heads, T, T]`; not disposed.
 * @returns One score per head, `[heads]`.
 * @throws {RangeError} For a tensor of another rank or `T < 2`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { previousTokenScores } from "./scores.ts";
 * const w = tf.tensor4d([[[[1, 0], [1, 0]], [[1, 0], [0, 1]]]]); // [1, 2, 2, 2]
 * if (previousTokenScores(w).join() !== "1,0") throw new Error();
 * w.dispose();
 * ```
 */
export function previousTokenScores(weights: tf.Tensor): number[] {
  const [B, , T] = checkWeights(weights);
  if (T < 2) throw new RangeError(`T must be ≥ 2, got ${T}`);
  const cells = new Float32Array(T * T);
  for (let i = 1; i < T; i++) cells[i * T + i - 1] = 1 / (B * (T - 1));
  return weightedSum(weights, tf.tensor2d(cells, [T, T]));
}

/**
 * The induction score of every head of a layer, as tensor ops.
 *
 * @param weights A layer's attention, `[B, heads, T, T]`; not disposed.
 * @param periods Each sequence's period, `[B]`.
 * @returns One score per head, `[heads]`.
 * @throws {RangeError} For a tensor of another rank, periods that do not
 *   match the batch, or a sequence with no repeated position.
 */
export function inductionScores(
  weights: tf.Tensor,
  periods: number[],
): number[] {
  const [B, , T] = checkWeights(weights);
  checkPeriods(B, T, periods);
  const count = periods.reduce((n, p) => n + T - 1 - p, 0);
  const cells = new Float32Array(B * T * T); // [B, T, T]
  for (const [b, p] of periods.entries()) {
    for (let i = p + 1; i < T; i++) {
      cells[(b * T + i) * T + i - p + 1] = 1 / count;
    }
  }
  return weightedSum(weights, tf.tensor4d(cells, [B, 1, T, T]));
}

// Σ weights · selector over every axis but the heads'; disposes the selector.
function weightedSum(weights: tf.Tensor, selector: tf.Tensor): number[] {
  const scores = tf.tidy(() => tf.sum(tf.mul(weights, selector), [0, 2, 3]) // [B, heads, T, T] → [heads]
  );
  const values = Array.from(scores.dataSync());
  tf.dispose([scores, selector]);
  return values;
}

function checkWeights(weights: tf.Tensor): number[] {
  if (!(weights instanceof tf.Tensor) || weights.rank !== 4) {
    throw new RangeError(
      `weights must be a [B, heads, T, T] tensor, got ${describe(weights)}`,
    );
  }
  if (weights.isDisposed) throw new TypeError("weights is a disposed tensor");
  return weights.shape;
}

// Weights as nested lists [B][T][T] of finite numbers.
function checkSquares(weights: number[][][]): void {
  const [, rows, columns] = checkNumberLists(weights, "weights", 3);
  if (rows !== columns) {
    throw new RangeError(
      `weights must be [B][T][T] (square per sequence), got rows of ${columns} for T = ${rows}`,
    );
  }
}

function checkPeriods(B: number, T: number, periods: number[]): void {
  if (B === 0 || !Array.isArray(periods) || periods.length !== B) {
    throw new RangeError(
      `periods must hold one period per sequence (${B}), got ${
        describe(periods)
      }`,
    );
  }
  for (const [i, p] of periods.entries()) {
    if (!Number.isInteger(p) || p < 1 || p + 1 >= T) {
      throw new RangeError(
        `periods[${i}] must be a whole number from 1 to ${
          T - 2
        } so that some position repeats, got ${describe(p)}`,
      );
    }
  }
}
