/**
 * The size loss of the original demo: it rewards the focus word's attention on
 * the size words and penalises attention anywhere else.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { describe } from "./_describe.ts";

/** The loss and its two parts, as scalars. */
export type SizeLossParts = {
  /** `mean(1 − weights[sizePositions])`: small when size words get weight. */
  sizeLoss: tf.Scalar;
  /** `mean(weights[otherPositions])`: small when other words get none. */
  otherLoss: tf.Scalar;
  /** `sizeLoss + otherLoss`. */
  loss: tf.Scalar;
};

/**
 * The original demo's loss for one row of attention weights.
 *
 * Because the weights sum to 1, the loss depends only on the total weight on
 * the size words; it lies between {@linkcode sizeLossFloor} (all weight on
 * size words) and `1 + 1/|other positions|` (none on them).
 *
 * @param weights The focus word's attention weights, `[seqLen]`.
 * @param sizePositions Positions of the size words (at least one, not all).
 * @returns The loss and its parts; the caller owns and disposes them.
 * @throws {RangeError} When no position, or every position, is a size word.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { sizeLoss } from "./loss.ts";
 * const w = tf.tensor1d([0.5, 0.5, 0]);
 * const { loss } = sizeLoss(w, [0, 1]);
 * if (Math.abs(loss.dataSync()[0] - 0.5) > 1e-6) throw new Error();
 * ```
 */
export function sizeLoss(
  weights: tf.Tensor1D,
  sizePositions: number[],
): SizeLossParts {
  const seqLen = weights.shape[0];
  const isSize = sizeMask(seqLen, sizePositions);
  const numSize = sizePositions.length;
  const numOther = seqLen - numSize;
  return tf.tidy(() => {
    const mask = tf.tensor1d(isSize); // [seqLen], 1 at size positions
    const sizePart = tf.sum(tf.mul(tf.sub(1, weights), mask)).div(numSize);
    const otherPart = tf.sum(tf.mul(weights, tf.sub(1, mask))).div(numOther);
    return {
      sizeLoss: sizePart as tf.Scalar,
      otherLoss: otherPart as tf.Scalar,
      loss: tf.add(sizePart, otherPart) as tf.Scalar,
    };
  });
}

/**
 * The smallest value the size loss can take: `1 − 1/|size positions|`,
 * reached when all attention sits on the size words.
 *
 * @param numSizePositions How many positions hold a size word.
 * @returns The floor of the loss.
 * @throws {RangeError} When `numSizePositions` is not a whole number ≥ 1.
 *
 * @example
 * ```ts
 * import { sizeLossFloor } from "./loss.ts";
 * if (sizeLossFloor(3) !== 1 - 1 / 3) throw new Error();
 * ```
 */
export function sizeLossFloor(numSizePositions: number): number {
  if (!Number.isInteger(numSizePositions) || numSizePositions < 1) {
    throw new RangeError(
      `numSizePositions must be a whole number ≥ 1 (how many positions hold a size word), got ${
        describe(numSizePositions)
      }`,
    );
  }
  return 1 - 1 / numSizePositions;
}

/**
 * A 0/1 mask with 1 at the size positions, checked for the loss's needs.
 *
 * @param seqLen Sentence length.
 * @param sizePositions Positions of the size words.
 * @returns `[seqLen]` numbers, 1 at size positions, else 0.
 * @throws {RangeError} When no position, or every position, is a size word,
 *   or a position is out of range.
 */
export function sizeMask(seqLen: number, sizePositions: number[]): number[] {
  const mask = new Array<number>(seqLen).fill(0);
  for (const p of sizePositions) {
    if (!Number.isInteger(p) || p < 0 || p >= seqLen) {
      throw new RangeError(
        `size position ${p} is outside the sentence (0…${seqLen - 1})`,
      );
    }
    mask[p] = 1;
  }
  const numSize = mask.reduce((a, b) => a + b, 0);
  if (numSize === 0) {
    throw new RangeError("the size loss needs at least one size position");
  }
  if (numSize !== sizePositions.length) {
    throw new RangeError("size positions must not repeat");
  }
  if (numSize === seqLen) {
    throw new RangeError(
      "the size loss needs at least one position that is not a size word",
    );
  }
  return mask;
}
