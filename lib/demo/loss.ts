/**
 * Row losses: values that score one row of attention weights (the focus
 * word's); the original demo's size loss is one. Both demo engines take
 * them (`focusRowLoss` in `model.ts` hands one to the one trainer). This
 * module never loads tfjs: the tensor form receives the tfjs namespace from
 * the engine that runs it.
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import { checkIndices, describe } from "../core/_describe.ts";
import { MAX_TENSOR_NUMBERS } from "../core/limits.ts";

// The longest sentence a mask may be built for: the limits table's size of one array.
const MAX_SENTENCE_TOKENS = MAX_TENSOR_NUMBERS;

/** The tfjs namespace, as `import * as tf from "@tensorflow/tfjs"` gives it. */
export type Tfjs = typeof tf;

/**
 * A loss of one attention row: a function of the focus word's attention
 * weights, `[seqLen]` → a number. Both engines take it: the one trainer
 * through {@linkcode RowLoss.tensor}; the hand-written engine needs
 * {@linkcode RowLoss.evaluate}, and falls back to the trainer for a loss
 * without it.
 */
export interface RowLoss {
  /** Short name for reports, e.g. `"size"`. */
  readonly name: string;
  /**
   * The loss as a tfjs scalar, for automatic differentiation.
   *
   * @param tfjs The tfjs namespace (passed in, so defining a loss never loads tfjs).
   * @param weights The attention weights, `[seqLen]`.
   * @returns A scalar; call inside `tf.tidy` (or an optimizer) so intermediates are freed.
   */
  tensor(tfjs: Tfjs, weights: tf.Tensor1D): tf.Scalar;
  /**
   * The loss in float64, and its slope `∂loss/∂weights` written into `slope`
   * when given. Optional: a loss without it trains with autodiff only.
   *
   * @param weights The attention weights, `[seqLen]`.
   * @param slope Receives `∂loss/∂weights_j`, `[seqLen]`.
   * @returns The loss.
   */
  evaluate?(weights: ArrayLike<number>, slope?: Float64Array): number;
}

/** The size loss and its two parts, as scalars the caller owns. */
export type SizeLossParts = {
  /** `mean(1 − weights[sizePositions])`: small when size words get weight. */
  sizeLoss: tf.Scalar;
  /** `mean(weights[otherPositions])`: small when other words get none. */
  otherLoss: tf.Scalar;
  /** `sizeLoss + otherLoss`. */
  loss: tf.Scalar;
};

/**
 * The original demo's size loss as a value for `trainExperiment`:
 * `mean(1 − w[size]) + mean(w[other])`, in tensors and in float64.
 *
 * Because the weights sum to 1, the loss depends only on the total weight on
 * the size words; it lies between {@linkcode sizeLossFloor} (all weight on
 * size words) and `1 + 1/|other positions|` (none on them).
 *
 * @param seqLen The sentence length.
 * @param sizePositions Positions of the size words (at least one, not all).
 * @returns The loss value.
 * @throws {RangeError} When no position, or every position, is a size word,
 *   or a position is out of range or repeated.
 *
 * @example
 * ```ts
 * import { createSizeLoss } from "./loss.ts";
 * const loss = createSizeLoss(3, [0, 1]);
 * if (Math.abs(loss.evaluate!([0.5, 0.5, 0]) - 0.5) > 1e-12) throw new Error();
 * ```
 */
export function createSizeLoss(
  seqLen: number,
  sizePositions: number[],
): RowLoss {
  const isSize = sizeMask(seqLen, sizePositions);
  const numSize = sizePositions.length;
  const numOther = seqLen - numSize;
  // ∂loss/∂w_j: −1/|size| on a size word, +1/|other| elsewhere.
  const slopes = isSize.map((s) => s ? -1 / numSize : 1 / numOther);
  const checkLength = (length: number) => {
    if (length !== seqLen) {
      throw new RangeError(
        `the size loss was made for ${seqLen} weights, got ${length}`,
      );
    }
  };
  return {
    name: "size",
    // Linear in the weights: 1 + Σ_j slope_j w_j (the same number as
    // sizeLossParts's sizeLoss + otherLoss, in two ops).
    tensor: (tfjs, weights) => {
      checkLength(weights.shape[0]);
      return tfjs.add(1, tfjs.dot(weights, slopes)) as tf.Scalar; // [seqLen] · [seqLen] → []
    },
    evaluate: (weights, slope) => {
      checkLength(weights.length);
      let loss = 1;
      for (let j = 0; j < seqLen; j++) loss += slopes[j] * weights[j];
      slope?.set(slopes);
      return loss;
    },
  };
}

/**
 * The size loss's parts for one row of weights, in tfjs ops (the teaching
 * form behind `sizeLoss` and {@linkcode createSizeLoss}).
 *
 * @param tfjs The tfjs namespace.
 * @param weights The focus word's attention weights, `[seqLen]`.
 * @param isSize `[seqLen]` 0/1 mask from {@linkcode sizeMask}.
 * @returns The loss and its parts; the caller owns them.
 */
export function sizeLossParts(
  tfjs: Tfjs,
  weights: tf.Tensor1D,
  isSize: number[],
): SizeLossParts {
  const numSize = isSize.reduce((a, b) => a + b, 0);
  const numOther = isSize.length - numSize;
  return tfjs.tidy(() => {
    const mask = tfjs.tensor1d(isSize); // [seqLen], 1 at size positions
    const sizePart = tfjs.sum(tfjs.mul(tfjs.sub(1, weights), mask)).div(
      numSize,
    ); // []
    const otherPart = tfjs.sum(tfjs.mul(weights, tfjs.sub(1, mask))).div(
      numOther,
    ); // []
    return {
      sizeLoss: sizePart as tf.Scalar,
      otherLoss: otherPart as tf.Scalar,
      loss: tfjs.add(sizePart, otherPart) as tf.Scalar,
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
 *
 * @example
 * ```ts
 * import { sizeMask } from "./loss.ts";
 * if (sizeMask(4, [1, 3]).join() !== "0,1,0,1") throw new Error();
 * ```
 */
export function sizeMask(seqLen: number, sizePositions: number[]): number[] {
  if (!Number.isInteger(seqLen) || seqLen < 1 || seqLen > MAX_SENTENCE_TOKENS) {
    throw new RangeError(
      `seqLen must be a whole number from 1 to ${MAX_SENTENCE_TOKENS}, got ${
        describe(seqLen)
      }`,
    );
  }
  if (!Array.isArray(sizePositions)) {
    throw new TypeError(
      `sizePositions must be a list of positions, got ${
        describe(sizePositions)
      }`,
    );
  }
  const mask = new Array<number>(seqLen).fill(0);
  checkIndices(
    sizePositions,
    "sizePositions",
    "size position",
    seqLen,
    "the sentence",
  );
  for (const p of sizePositions) mask[p] = 1;
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
