/**
 * General losses as values for the one trainer ({@linkcode train}): the
 * model knows none of them. A chapter's own loss (the demo's size loss)
 * lives with the chapter.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { ForwardResult } from "../core/model.ts";
import type { Loss } from "./trainer.ts";

/**
 * Mean cross-entropy of the model's output (logits) against class labels:
 * `−mean_b log softmax(logits_b)[label_b]`, the loss of every classifier
 * and language model. The logits are `[B, classes]` or `[B, T, classes]`
 * (then one label per position, `B·T` labels, row-major).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { CROSS_ENTROPY } from "./losses.ts";
 * const output = tf.tensor2d([[0, 0], [0, 0]]);
 * const loss = CROSS_ENTROPY.compute({ output, attention: [] }, Int32Array.from([0, 1]));
 * if (Math.abs(loss.dataSync()[0] - Math.log(2)) > 1e-6) throw new Error();
 * tf.dispose([output, loss]);
 * ```
 */
export const CROSS_ENTROPY: Loss<Int32Array> = Object.freeze({
  name: "cross-entropy",
  compute: (result: ForwardResult, labels: Int32Array): tf.Scalar => {
    const logits = result.output;
    const classes = logits.shape[logits.rank - 1];
    const rows = logits.size / classes;
    if (!(labels instanceof Int32Array) || labels.length !== rows) {
      throw new RangeError(
        `cross-entropy needs ${rows} labels (an Int32Array, one per row of the logits [${logits.shape}]), got ${
          labels instanceof Int32Array ? labels.length : typeof labels
        }`,
      );
    }
    const flat = logits.rank === 2 ? logits : logits.reshape([rows, classes]); // [rows, classes]
    const target = tf.oneHot(tf.tensor1d(labels, "int32"), classes); // [rows, classes]
    // −mean over the rows of log softmax(logits)[label]
    return tf.mul(tf.logSoftmax(flat), target).sum().div(
      -labels.length,
    ) as tf.Scalar;
  },
});
