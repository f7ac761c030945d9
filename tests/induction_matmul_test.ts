// lib/chapters/10_induction_heads/_matmul.ts: the same values and gradients
// as tf.matMul, for 2-D and batched 4-D products.

import * as tf from "@tensorflow/tfjs";
import { assertThrows } from "@std/assert";
import { matMul } from "../lib/chapters/10_induction_heads/_matmul.ts";
import { assertClose } from "./_reference.ts";

Deno.test("values and gradients equal tf.matMul's", () => {
  for (const [sa, sb] of [[[3, 4], [4, 5]], [[2, 3, 4, 5], [2, 3, 5, 2]]]) {
    const a = tf.randomNormal(sa, 0, 1, "float32", 1);
    const b = tf.randomNormal(sb, 0, 1, "float32", 2);
    const w = tf.randomNormal(
      [...sa.slice(0, -1), sb.at(-1)!],
      0,
      1,
      "float32",
      3,
    );
    const f =
      (mm: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) =>
      (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(mm(x, y), w));
    const [ours, theirs] = [f(matMul), f((x, y) => tf.matMul(x, y))];
    assertClose(matMul(a, b).arraySync(), tf.matMul(a, b).arraySync(), 1e-5);
    const g1 = tf.grads(ours)([a, b]);
    const g2 = tf.grads(theirs)([a, b]);
    g1.forEach((g, i) => assertClose(g.arraySync(), g2[i].arraySync(), 1e-4));
    tf.dispose([a, b, w, ...g1, ...g2]);
  }
});

Deno.test("shapes that do not fit are one clear RangeError", () => {
  const a = tf.ones([2, 3]);
  assertThrows(() => matMul(a, tf.ones([2, 3])), RangeError, "[2,3] · [2,3]");
  assertThrows(
    () => matMul(a, tf.ones([1, 3, 2])),
    RangeError,
    "equal batch axes",
  );
});
