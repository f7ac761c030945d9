// Tests for lib/charts/experiment.ts: the standard figures of a trained
// experiment, without leaking tensors, heatmaps only when readable.

import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import {
  EXPERIMENT_CHARTS,
  experimentCharts,
  prepareExperiment,
  train,
} from "../../lib/mod.ts";

const experiment = prepareExperiment({ epochs: 10 });
const result = await train(experiment);

Deno.test("experimentCharts draws the standard figures and frees its tensors", () => {
  const before = tf.memory().numTensors;
  const charts = experimentCharts(experiment, result);
  assertEquals(tf.memory().numTensors, before);
  assertEquals(Object.keys(charts), [...EXPERIMENT_CHARTS]);
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
    "attention_lines_before",
    "attention_lines_after",
    "loss",
    "trajectories",
  ]);
  assert(charts.trajectories.outerHTML.includes("48 big"));
});
