/**
 * Chapter 10's loss: next-token cross-entropy at every position, and the
 * same losses kept apart by position so the chapter can ask where the model
 * predicts well (the repeated tokens) and where it cannot (the first block).
 *
 * Shape names: `B` sequences, `T` positions, `vocabSize` token ids.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import {
  checkIndices,
  checkNumberLists,
  describe,
} from "../../core/_describe.ts";

/**
 * The cross-entropy of each next-token prediction: position `i`'s logits
 * against the token at `i + 1`, for `i = 0…T − 2`.
 *
 * @param logits The model's output, `[B, T, vocabSize]`; not disposed.
 * @param tokens The sequences, `[B][T]`.
 * @returns `−log p(token at i + 1)`, `[B, T − 1]`; the caller owns it.
 * @throws {RangeError} When the tokens do not match the logits' `[B, T]`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { predictionLosses } from "./loss.ts";
 * const logits = tf.zeros([1, 2, 4]); // uniform over 4 ids
 * const losses = predictionLosses(logits, [[0, 3]]);
 * if (Math.abs(losses.dataSync()[0] - Math.log(4)) > 1e-6) throw new Error();
 * tf.dispose([logits, losses]);
 * ```
 */
export function predictionLosses(
  logits: tf.Tensor,
  tokens: number[][],
): tf.Tensor2D {
  if (!(logits instanceof tf.Tensor) || logits.rank !== 3) {
    throw new TypeError(
      `logits must be a [B, T, vocabSize] tensor, got ${describe(logits)}`,
    );
  }
  if (logits.isDisposed) throw new TypeError("logits is a disposed tensor");
  checkNumberLists(tokens, "tokens", 2);
  const [B, T, V] = logits.shape;
  if (
    logits.rank !== 3 || tokens.length !== B ||
    tokens.some((row) => row.length !== T)
  ) {
    throw new RangeError(
      `tokens must be [${B}][${T}] like the logits [${logits.shape}], got ${tokens.length} rows`,
    );
  }
  if (T < 2) {
    throw new RangeError(`next-token prediction needs T ≥ 2, got ${T}`);
  }
  const targets = tokens.flatMap((row) => row.slice(1)); // [B·(T − 1)]
  checkIndices(targets, "tokens", "token id", V, "the vocabulary");
  return tf.tidy(() => {
    const predicted = tf.slice(logits, [0, 0, 0], [B, T - 1, V]); // [B, T − 1, vocabSize]
    const logProbabilities = tf.logSoftmax(predicted.reshape([-1, V])); // [B·(T − 1), vocabSize]
    const picked = tf.sum(
      tf.mul(logProbabilities, tf.oneHot(tf.tensor1d(targets, "int32"), V)),
      1,
    ); // [B·(T − 1)]
    return tf.neg(picked).reshape([B, T - 1]) as tf.Tensor2D;
  });
}

/**
 * The training loss: the mean of {@linkcode predictionLosses} over every
 * prediction of every sequence.
 *
 * @param logits `[B, T, vocabSize]`; not disposed.
 * @param tokens `[B][T]`.
 * @returns A scalar; the caller owns it.
 */
export function nextTokenLoss(
  logits: tf.Tensor,
  tokens: number[][],
): tf.Scalar {
  return tf.tidy(() => tf.mean(predictionLosses(logits, tokens)) as tf.Scalar);
}

/**
 * The mean of some predictions' losses: those where `mask` is 1.
 *
 * @param losses Per-prediction losses, `[B][T − 1]`.
 * @param mask 0/1 of the same shape (see `predictionMasks` in data.ts).
 * @returns The mean over the masked predictions.
 * @throws {RangeError} When the mask selects nothing.
 *
 * @example
 * ```ts
 * import { maskedMean } from "./loss.ts";
 * if (maskedMean([[1, 2, 3]], [[0, 1, 1]]) !== 2.5) throw new Error();
 * ```
 */
export function maskedMean(losses: number[][], mask: number[][]): number {
  const shape = checkNumberLists(losses, "losses", 2);
  if (checkNumberLists(mask, "mask", 2).join() !== shape.join()) {
    throw new RangeError(
      `mask must have the shape of losses [${shape}], got [${[
        mask.length,
        mask[0].length,
      ]}]`,
    );
  }
  let sum = 0;
  let count = 0;
  for (const [b, row] of losses.entries()) {
    for (const [i, loss] of row.entries()) {
      if (mask[b]?.[i]) {
        sum += loss;
        count++;
      }
    }
  }
  if (count === 0) throw new RangeError("the mask selects no prediction");
  return sum / count;
}
