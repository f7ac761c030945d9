// Chapter 10's training and measurements (lib/chapters/10_induction_heads/
// training.ts, loss.ts, live.ts), on a few steps of a small run: the losses
// kept apart by position equal plain loops, the live view draws on fixed
// axes and ends without a time, bad settings are one clear error, nothing leaks.

import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "@std/assert";
import {
  batchSeed,
  firstStepBelow,
  heldOutBatch,
  heldOutSeed,
  maskedMean,
  measure,
  phaseChangeView,
  predictionLosses,
  predictionMasks,
  resolveTraining,
  trainInduction,
  trainInductionLive,
} from "../lib/chapters/10_induction_heads/mod.ts";

const SMALL = { steps: 4, evaluateEvery: 2, evaluationSize: 6, batchSize: 4 };

Deno.test("a short run: history with metrics, measurements equal plain loops, no leaks", async () => {
  const before = tf.memory().numTensors;
  const { model, config, history } = await trainInduction({ config: SMALL });
  assertEquals(history.steps.length, 4);
  assertEquals(
    history.steps.map((s) => s.metrics !== undefined),
    [true, false, true, false],
  );
  for (
    const key of [
      "repeatedLoss",
      "firstBlockLoss",
      "previousToken",
      "induction",
    ]
  ) {
    assert(Number.isFinite(history.final![key]), key);
  }
  const held = heldOutBatch(config);
  const m = measure(model, held);
  // the same numbers by loops over the per-prediction losses
  const { output, attention } = model.forward(held.tokens);
  const lossTensor = predictionLosses(output, held.tokens);
  const losses = lossTensor.arraySync();
  tf.dispose([output, ...attention, lossTensor]);
  const masks = predictionMasks(held.periods, held.tokens[0].length);
  assertAlmostEquals(m.repeatedLoss, maskedMean(losses, masks.repeated), 1e-6);
  assertAlmostEquals(
    m.firstBlockLoss,
    maskedMean(losses, masks.firstBlock),
    1e-6,
  );
  assertAlmostEquals(
    m.positionLoss[3],
    losses.reduce((s, r) => s + r[3], 0) / losses.length,
    1e-6,
  );
  assertEquals(m.previousToken.length, 2);
  assertEquals(m.induction[1].length, 2);
  model.dispose();
  assertEquals(tf.memory().numTensors, before, "tensors leaked");
});

Deno.test("the cross-entropy of a prediction is −log softmax at the next token", () => {
  const logits = tf.tensor3d([[[1, 2, 0], [0, 0, 3], [5, 5, 5]]]); // [1, 3, 3]
  const got = predictionLosses(logits, [[0, 1, 2]]).arraySync()[0];
  const expected = [
    -Math.log(Math.exp(2) / (Math.exp(1) + Math.exp(2) + 1)),
    -Math.log(Math.exp(3) / (2 + Math.exp(3))),
  ];
  got.forEach((g, i) => assertAlmostEquals(g, expected[i], 1e-6));
  logits.dispose();
});

Deno.test("batch seeds differ by step and never meet the held-out seed", () => {
  const seeds = new Set(
    Array.from({ length: 1000 }, (_, k) => batchSeed(1, k)),
  );
  assertEquals(seeds.size, 1000);
  assert(!seeds.has(heldOutSeed(1)));
});

Deno.test("the live view: fixed axes, frames in place, a final frame without a time", async () => {
  const frames: { html: string; update?: boolean; id: string }[] = [];
  const { model } = await trainInductionLive({
    config: SMALL,
    framesPerSecond: Infinity,
    display: (value, options) => {
      const html = (value as Record<symbol, () => Record<string, string>>)[
        Symbol.for("Jupyter.display")
      ]()["text/html"];
      frames.push({ html, update: options.update, id: options.display_id });
    },
  });
  model.dispose();
  assert(frames.length >= 2);
  assertEquals(frames[0].update, false);
  assert(frames.slice(1).every((f) => f.update && f.id === frames[0].id));
  const last = frames.at(-1)!.html;
  assert(last.includes("after 4 steps"), last.slice(0, 200));
  assert(!/\d s</.test(last), "the final frame shows a time");
  assert(last.includes("induction") && last.includes("first block"));
  assertEquals(
    firstStepBelow({
      loss: "x",
      backend: "cpu",
      stopped: "finished",
      steps: [],
    }),
    undefined,
  );
  const empty = phaseChangeView([], { steps: 10 })
    [Symbol.for("Jupyter.display")]();
  assertEquals(empty["text/html"], "");
});

Deno.test("bad settings are one clear RangeError", () => {
  assertThrows(() => resolveTraining({ steps: -1 }), RangeError, "steps");
  assertThrows(
    () => resolveTraining({ learningRate: 0 }),
    RangeError,
    "learningRate",
  );
  assertThrows(
    () => resolveTraining({ batchSize: 1.5 }),
    RangeError,
    "batchSize",
  );
  assertThrows(
    () => resolveTraining({ sequences: { minPeriod: 30 } }),
    RangeError,
    "minPeriod",
  );
});
