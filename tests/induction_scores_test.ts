// Chapter 10's head scores (lib/chapters/10_induction_heads/scores.ts): the
// tensor versions against float64 loops over random attention patterns,
// and on patterns whose scores are known.

import * as tf from "@tensorflow/tfjs";
import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { mulberry32 } from "../lib/core/random.ts";
import {
  inductionScoreLoop,
  inductionScores,
  previousTokenScoreLoop,
  previousTokenScores,
} from "../lib/chapters/10_induction_heads/scores.ts";

// Random causal attention: [B][heads][T][T], rows summing to 1.
function randomAttention(B: number, heads: number, T: number, seed: number) {
  const next = mulberry32(seed);
  return Array.from(
    { length: B },
    () =>
      Array.from({ length: heads }, () =>
        Array.from({ length: T }, (_, i) => {
          const row = Array.from(
            { length: T },
            (_, j) => (j <= i ? next() : 0),
          );
          const sum = row.reduce((a, b) => a + b, 0);
          return row.map((w) => w / sum);
        })),
  );
}

// float64 loops over one head: [B][T][T]
const head = (w: number[][][][], h: number) => w.map((seq) => seq[h]);

Deno.test("tensor scores equal the float64 loops on random attention", () => {
  const [B, H, T] = [5, 3, 9];
  const w = randomAttention(B, H, T, 7);
  const periods = [2, 3, 4, 7, 5];
  const tensor = tf.tensor4d(w);
  const before = tf.memory().numTensors;
  const prev = previousTokenScores(tensor);
  const ind = inductionScores(tensor, periods);
  assertEquals(tf.memory().numTensors, before, "no tensor leaked");
  for (let h = 0; h < H; h++) {
    assertAlmostEquals(prev[h], previousTokenScoreLoop(head(w, h)), 1e-6);
    assertAlmostEquals(ind[h], inductionScoreLoop(head(w, h), periods), 1e-6);
  }
  tensor.dispose();
});

Deno.test("a previous-token head scores 1, an induction head scores 1", () => {
  const T = 7;
  const periods = [3];
  const previous = Array.from(
    { length: T },
    (_, i) =>
      Array.from({ length: T }, (_, j) => (j === Math.max(i - 1, 0) ? 1 : 0)),
  );
  const induction = Array.from(
    { length: T },
    (_, i) =>
      Array.from({ length: T }, (_, j) => {
        const target = i >= periods[0] + 1 ? i - periods[0] + 1 : 0;
        return j === target ? 1 : 0;
      }),
  );
  assertEquals(previousTokenScoreLoop([previous]), 1);
  assertEquals(inductionScoreLoop([induction], periods), 1);
  // and each scores low on the other's measure
  assertEquals(inductionScoreLoop([previous], periods), 0);
  const t = tf.tensor4d([[previous, induction]]);
  const prev = previousTokenScores(t);
  assertEquals(prev[0], 1);
  assertAlmostEquals(prev[1], 1 / 6, 1e-7); // position 1 looks at 0 in both
  assertEquals(inductionScores(t, periods), [0, 1]);
  t.dispose();
});

Deno.test("bad inputs are one clear RangeError", () => {
  const t = tf.ones([1, 1, 4, 4]);
  assertThrows(
    () => inductionScores(t, [1, 2]),
    RangeError,
    "one period per sequence",
  );
  assertThrows(() => inductionScores(t, [3]), RangeError, "from 1 to 2");
  assertThrows(
    () => previousTokenScores(tf.ones([4, 4])),
    RangeError,
    "[B, heads, T, T]",
  );
  assertThrows(
    () => previousTokenScoreLoop([]),
    RangeError,
    "must not hold an empty list",
  );
  t.dispose();
});
