/**
 * A matrix product whose gradient transposes explicitly: tfjs differentiates
 * `matMul` with transpose flags, which the wasm backend runs 10–20× slower
 * than a transpose followed by a plain product. With it, chapter 10's
 * training step takes about half the time on wasm. (lib/core's fast ops on
 * the `speed` branch do the same for 2-D layers; this file goes once they
 * cover batched products.)
 * @module
 */

import * as tf from "@tensorflow/tfjs";

// Swaps the last two axes: [..., m, n] → [..., n, m].
function transposeLast(t: tf.Tensor): tf.Tensor {
  const axes = [...Array(t.rank).keys()];
  [axes[t.rank - 2], axes[t.rank - 1]] = [axes[t.rank - 1], axes[t.rank - 2]];
  return tf.transpose(t, axes);
}

const product = tf.customGrad(
  ((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([a, b]);
    return {
      value: tf.matMul(a, b), // [..., m, k] · [..., k, n] → [..., m, n]
      gradFunc: (dy: tf.Tensor, [x, w]: tf.Tensor[]) => [
        tf.matMul(dy, transposeLast(w)), // dA = dY · Bᵀ: [..., m, k]
        tf.matMul(transposeLast(x), dy), // dB = Aᵀ · dY: [..., k, n]
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * `a · b` for two tensors of the same rank (2 or more, batch axes equal),
 * as `tf.matMul(a, b)`, with a gradient free of transpose flags.
 *
 * @param a `[..., m, k]`.
 * @param b `[..., k, n]`.
 * @returns `[..., m, n]`.
 * @throws {RangeError} When the ranks or inner sizes differ.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { matMul } from "./_matmul.ts";
 * const y = matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
 * if (y.dataSync()[0] !== 11) throw new Error();
 * ```
 */
export function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (
    a.rank < 2 || a.rank !== b.rank ||
    a.shape[a.rank - 1] !== b.shape[b.rank - 2] ||
    a.shape.slice(0, -2).join() !== b.shape.slice(0, -2).join()
  ) {
    throw new RangeError(
      `matMul needs [..., m, k] · [..., k, n] with equal batch axes, got [${a.shape}] · [${b.shape}]`,
    );
  }
  return product(a, b);
}
