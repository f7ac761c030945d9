// lib/core/rope.ts: the rotation keeps lengths, applyRope (tfjs) equals the
// float64 loop row by row, and q_m · k_n depends only on m − n.

import * as tf from "@tensorflow/tfjs";
import { assert, assertAlmostEquals, assertThrows } from "@std/assert";
import { applyRope, ropeRotate } from "../../lib/core/rope.ts";
import { mulberry32 } from "../../lib/core/random.ts";

function vector(n: number, seed: number): number[] {
  const next = mulberry32(seed);
  return Array.from({ length: n }, () => 2 * next() - 1);
}
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((s, x, i) => s + x * b[i], 0);

Deno.test("position 0 leaves a vector as it is; a rotation keeps its length", () => {
  const x = vector(8, 1);
  const r0 = ropeRotate(x, 0);
  x.forEach((v, i) => assertAlmostEquals(r0[i], v, 1e-15));
  assertAlmostEquals(
    dot(ropeRotate(x, 37), ropeRotate(x, 37)),
    dot(x, x),
    1e-13,
  );
});

Deno.test("q_m · k_n depends only on m − n (float64, 1e-12)", () => {
  const q = vector(16, 2), k = vector(16, 3);
  for (const offset of [-7, 0, 3, 50]) {
    const reference = dot(ropeRotate(q, offset), ropeRotate(k, 0));
    for (const n of [1, 10, 100, 1000]) {
      const shifted = dot(ropeRotate(q, n + offset), ropeRotate(k, n));
      assert(Math.abs(shifted - reference) <= 1e-12, `m − n ${offset}, n ${n}`);
    }
  }
  // and does change with m − n
  assert(Math.abs(dot(ropeRotate(q, 1), k) - dot(q, k)) > 1e-3);
});

Deno.test("applyRope equals the loop row by row, with an offset (float32, 1e-5)", () => {
  const T = 6, dK = 8;
  const rows = Array.from({ length: T }, (_, t) => vector(dK, 10 + t));
  const x = tf.tensor3d([rows]); // [1, T, dK]
  for (const offset of [0, 5]) {
    const got = (applyRope(x, offset).arraySync() as number[][][])[0];
    rows.forEach((row, t) => {
      const want = ropeRotate(row, offset + t);
      want.forEach((w, i) => assertAlmostEquals(got[t][i], w, 1e-5));
    });
  }
  x.dispose();
});

Deno.test("applyRope leaks no tensor", () => {
  const x = tf.ones([2, 3, 4, 6]);
  const before = tf.memory().numTensors;
  const y = applyRope(x, 2);
  tf.dispose(y);
  assert(tf.memory().numTensors === before);
  x.dispose();
});

Deno.test("bad input gets one sentence", () => {
  assertThrows(() => ropeRotate([1, 2, 3], 0), RangeError, "even");
  assertThrows(() => ropeRotate([1, 2], 0, { base: -1 }), RangeError, "base");
  const x = tf.ones([2, 4]);
  assertThrows(() => applyRope(x, -1), RangeError, "offset");
  assertThrows(
    () => applyRope(tf.ones([4]) as tf.Tensor),
    RangeError,
    "[..., T, dK]",
  );
  x.dispose();
});
