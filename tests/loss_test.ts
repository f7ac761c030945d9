import * as tf from "@tensorflow/tfjs";
import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { createSizeLoss, sizeLoss, sizeLossFloor } from "../lib/mod.ts";
import { sizeMask } from "../lib/demo/loss.ts";
import { referenceLoss } from "./_reference.ts";

function lossOf(weights: number[], sizePositions: number[]) {
  return tf.tidy(() => {
    const parts = sizeLoss(tf.tensor1d(weights), sizePositions);
    return {
      loss: parts.loss.dataSync()[0],
      sizeLoss: parts.sizeLoss.dataSync()[0],
      otherLoss: parts.otherLoss.dataSync()[0],
    };
  });
}

Deno.test("size loss matches the formula on hand-computed weights", () => {
  // size positions 0 and 2: sizeLoss = ((1-0.1) + (1-0.4)) / 2 = 0.75
  // others 1 and 3: otherLoss = (0.3 + 0.2) / 2 = 0.25
  const parts = lossOf([0.1, 0.3, 0.4, 0.2], [0, 2]);
  assertAlmostEquals(parts.sizeLoss, 0.75, 1e-6);
  assertAlmostEquals(parts.otherLoss, 0.25, 1e-6);
  assertAlmostEquals(parts.loss, 1.0, 1e-6);
  assertAlmostEquals(
    parts.loss,
    referenceLoss([0.1, 0.3, 0.4, 0.2], [0, 2]),
    1e-6,
  );
});

Deno.test("the loss reaches its floor 1 − 1/|size| when all weight is spread evenly over the size words", () => {
  const parts = lossOf([1 / 3, 0, 1 / 3, 0, 1 / 3], [0, 2, 4]);
  assertAlmostEquals(parts.loss, sizeLossFloor(3), 1e-6);
  assertAlmostEquals(sizeLossFloor(3), 2 / 3, 1e-12);
  assertAlmostEquals(parts.otherLoss, 0, 1e-7);
});

Deno.test("the loss stays within [1 − 1/|size|, 1 + 1/|other|] for random weights", () => {
  let state = 7;
  const random = () => (state = (state * 16807) % 2147483647) / 2147483647;
  for (let trial = 0; trial < 50; trial++) {
    const raw = Array.from({ length: 6 }, random);
    const total = raw.reduce((a, b) => a + b, 0);
    const w = raw.map((x) => x / total);
    const { loss } = lossOf(w, [1, 4]);
    const floor = sizeLossFloor(2), ceiling = 1 + 1 / 4;
    if (loss < floor - 1e-6 || loss > ceiling + 1e-6) {
      throw new Error(`loss ${loss} outside [${floor}, ${ceiling}] for ${w}`);
    }
  }
  // the ceiling: no weight at all on the size words, all on one other word
  assertAlmostEquals(lossOf([0, 1, 0, 0, 0, 0], [2, 3]).loss, 1 + 1 / 4, 1e-6);
});

Deno.test("the loss depends only on the total weight on the size words", () => {
  const a = lossOf([0.5, 0.1, 0.2, 0.2], [0, 1]).loss;
  const b = lossOf([0.1, 0.5, 0.3, 0.1], [0, 1]).loss;
  assertAlmostEquals(a, b, 1e-6);
});

Deno.test("size loss rejects no size positions, all positions and bad positions", () => {
  const w = tf.tensor1d([0.5, 0.5]);
  assertThrows(() => sizeLoss(w, []), RangeError, "at least one size position");
  assertThrows(() => sizeLoss(w, [0, 1]), RangeError, "not a size word");
  assertThrows(() => sizeLoss(w, [2]), RangeError, "outside the sentence");
  assertThrows(() => sizeMask(3, [1, 1]), RangeError, "must not repeat");
  w.dispose();
});

Deno.test("size loss leaves no tensors behind", () => {
  const before = tf.memory().numTensors;
  const w = tf.tensor1d([0.2, 0.8]);
  tf.dispose(sizeLoss(w, [1]));
  w.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("createSizeLoss: float64 form, tensor form and the reference agree", () => {
  const weights = [0.1, 0.3, 0.4, 0.2, 0];
  const loss = createSizeLoss(5, [0, 2]);
  assertEquals(loss.name, "size");
  const expected = referenceLoss(weights, [0, 2]);
  assertAlmostEquals(loss.evaluate!(weights), expected, 1e-15);
  const tensorValue = tf.tidy(() =>
    loss.tensor(tf, tf.tensor1d(weights)).dataSync()[0]
  );
  assertAlmostEquals(tensorValue, expected, 1e-6);
});

Deno.test("createSizeLoss's slope matches finite differences of the reference", () => {
  const weights = [0.05, 0.25, 0.3, 0.15, 0.25];
  const slope = new Float64Array(5);
  createSizeLoss(5, [1, 4]).evaluate!(weights, slope);
  for (let j = 0; j < 5; j++) {
    const h = 1e-6;
    const plus = [...weights], minus = [...weights];
    plus[j] += h;
    minus[j] -= h;
    const numeric =
      (referenceLoss(plus, [1, 4]) - referenceLoss(minus, [1, 4])) /
      (2 * h);
    assertAlmostEquals(slope[j], numeric, 1e-8);
  }
});

Deno.test("createSizeLoss rejects bad positions and weights of the wrong length", () => {
  assertThrows(() => createSizeLoss(3, []), RangeError, "at least one size");
  assertThrows(
    () => createSizeLoss(3, [5]),
    RangeError,
    "outside the sentence",
  );
  const loss = createSizeLoss(3, [0]);
  assertThrows(
    () => loss.evaluate!([0.5, 0.5]),
    RangeError,
    "the size loss was made for 3 weights, got 2",
  );
  const before = tf.memory().numTensors;
  const w = tf.tensor1d([0.5, 0.5]);
  assertThrows(() => loss.tensor(tf, w), RangeError, "made for 3 weights");
  w.dispose();
  assertEquals(tf.memory().numTensors, before);
});

// Issue 13, item 7: no −Infinity floor.
Deno.test("sizeLossFloor needs at least one size position", () => {
  for (const bad of [0, -1, 1.5, NaN]) {
    assertThrows(
      () => sizeLossFloor(bad),
      RangeError,
      `numSizePositions must be a whole number ≥ 1`,
    );
  }
  assertEquals(sizeLossFloor(1), 0);
});
