import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import {
  experimentCharts,
  lossHistory,
  prepareExperiment,
  train,
  trajectoryPoints,
  weightBars,
} from "../lib/mod.ts";

const experiment = prepareExperiment({ epochs: 10 });
const result = await train(experiment);

Deno.test("weightBars labels every position and highlights the size words", () => {
  const bars = weightBars(experiment, result.finalWeights);
  assertEquals(bars.length, 13);
  assertEquals(bars[7], {
    label: "7 the",
    value: result.finalWeights[7],
    highlight: false,
  });
  assertEquals(bars.filter((b) => b.highlight).map((b) => b.label), [
    "2 elephant",
    "8 car",
    "12 too",
  ]);
});

Deno.test("trajectoryPoints has one point per epoch and position, then the final weights", () => {
  const points = trajectoryPoints(experiment, result);
  assertEquals(points.length, 11 * 13);
  assertEquals(points.at(-1), {
    epoch: 10,
    label: "12 too",
    weight: result.finalWeights[12],
    highlight: true,
  });
  assertEquals(points[13 * 4 + 12], {
    epoch: 4,
    label: "12 too",
    weight: result.weightHistory[4][12],
    highlight: true,
  });
});

Deno.test("lossHistory ends with the loss after the last update", () => {
  const points = lossHistory(result);
  assertEquals(points.length, 11);
  assertEquals(points.slice(0, 10), result.history);
  assertEquals(points[10], { epoch: 10, loss: result.finalLoss });
});

Deno.test("experimentCharts draws the standard figures and frees its tensors", () => {
  const before = tf.memory().numTensors;
  const charts = experimentCharts(experiment, result);
  assertEquals(tf.memory().numTensors, before);
  assertEquals(Object.keys(charts), [
    "weights_before",
    "weights_after",
    "loss",
    "trajectories",
    "embeddings",
    "queries",
    "keys",
    "values",
    "attention_matrix",
  ]);
  for (const chart of Object.values(charts)) {
    assertStringIncludes(chart.outerHTML, "<svg");
  }
  assertStringIncludes(
    charts.weights_after.outerHTML,
    `Attention of "it" after training`,
  );
});

Deno.test("experimentCharts leaves out heatmaps too large to read", async () => {
  const long = prepareExperiment({
    sentence: Array.from({ length: 45 }, (_, i) => `w${i}`).join(" ") +
      " it was too big",
    sizeWords: ["big"],
    epochs: 2,
  });
  const charts = experimentCharts(long, await train(long));
  assertEquals(Object.keys(charts), [
    "weights_before",
    "weights_after",
    "loss",
    "trajectories",
  ]);
  assert(charts.trajectories.outerHTML.includes("48 big"));
});
