import * as tf from "@tensorflow/tfjs";
import { assertAlmostEquals, assertThrows } from "@std/assert";
import { CROSS_ENTROPY } from "../../lib/train/losses.ts";

// −mean_b log softmax(z_b)[y_b] in float64.
function reference(logits: number[][], labels: number[]): number {
  let total = 0;
  logits.forEach((row, b) => {
    const max = Math.max(...row);
    const logSum = max +
      Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
    total += logSum - row[labels[b]];
  });
  return total / logits.length;
}

Deno.test("cross-entropy equals the float64 loop, for [B, classes] and [B, T, classes] logits", () => {
  const logits = [[1, 2, 0.5], [-1, 0, 3], [0.2, 0.2, 0.2], [4, -2, 1]];
  const labels = [1, 2, 0, 0];
  const flat = tf.tensor2d(logits);
  const a = CROSS_ENTROPY.compute(
    { output: flat, attention: [] },
    Int32Array.from(labels),
  );
  assertAlmostEquals(a.dataSync()[0], reference(logits, labels), 1e-6);
  const byPosition = flat.reshape([2, 2, 3]); // [B, T, classes]
  const b = CROSS_ENTROPY.compute(
    { output: byPosition, attention: [] },
    Int32Array.from(labels),
  );
  assertAlmostEquals(b.dataSync()[0], reference(logits, labels), 1e-6);
  tf.dispose([flat, byPosition, a, b]);
});

Deno.test("cross-entropy names the label count it needs", () => {
  const logits = tf.zeros([2, 3]);
  assertThrows(
    () =>
      CROSS_ENTROPY.compute(
        { output: logits, attention: [] },
        Int32Array.from([0]),
      ),
    RangeError,
    "cross-entropy needs 2 labels",
  );
  logits.dispose();
});
