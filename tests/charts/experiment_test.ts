// Tests for lib/charts/experiment.ts: the standard figures of a trained
// experiment, without leaking tensors, heatmaps only when readable.

import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  AttentionModel,
  type ChartElement,
  experimentCharts,
  prepareExperiment,
  toSvgString,
  trainExperiment,
} from "../../lib/mod.ts";
import { EXPERIMENT_CHARTS } from "../../lib/charts/experiment.ts";
import { select, tickLabels } from "./_svg.ts";

const experiment = prepareExperiment({ epochs: 10 });
const result = await trainExperiment(experiment);

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
  const charts = experimentCharts(long, await trainExperiment(long));
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

/** Counts AttentionModel.forward calls while `fn` runs. */
function countForwardPasses<T>(fn: () => T): { value: T; calls: number } {
  const original = AttentionModel.prototype.forward;
  let calls = 0;
  AttentionModel.prototype.forward = function (...args) {
    calls++;
    return original.apply(this, args);
  };
  try {
    return { value: fn(), calls };
  } finally {
    AttentionModel.prototype.forward = original;
  }
}

/** The texts of a chart's colour legend. */
function legendTexts(chart: ChartElement): string[] {
  return select(chart.outerHTML, 'g[aria-label="color legend"] text').map((
    t,
  ) => t.textContent ?? "");
}

Deno.test("experimentCharts puts comparable charts on one scale", async (t) => {
  const { value: charts, calls } = countForwardPasses(() =>
    experimentCharts(experiment, result)
  );

  await t.step(
    "one forward pass for the trained model, one for the initial",
    () => {
      assertEquals(calls, 2);
    },
  );

  await t.step("before and after bars share their value axis", () => {
    const before = tickLabels(charts.weights_before.outerHTML, "y");
    assertEquals(before, tickLabels(charts.weights_after.outerHTML, "y"));
    const top = Math.max(...result.weightHistory[0], ...result.finalWeights);
    assert(Number(before.at(-1)) <= top * 1.1 + 1e-9);
  });

  await t.step("Q, K and V share one colour scale", () => {
    const q = legendTexts(charts.queries);
    assertEquals(q, legendTexts(charts.keys));
    assertEquals(q, legendTexts(charts.values));
  });

  await t.step(
    "attention matrices are on [0, 1] with the focus row outlined",
    () => {
      for (const name of ["attention_matrix_before", "attention_matrix"]) {
        const legend = legendTexts(charts[name]);
        assertEquals(legend.slice(1), [
          "0.00",
          "0.20",
          "0.40",
          "0.60",
          "0.80",
          "1.00",
        ]);
        const outlined = select(
          charts[name].outerHTML,
          'g[aria-label="cell"][stroke="black"] rect',
        );
        assertEquals(outlined.length, 13);
      }
    },
  );
});

Deno.test("the loss curve is titled by the loss's recorded name, with the floor only for the size loss", () => {
  const size = experimentCharts(experiment, result, { charts: ["loss"] });
  assertStringIncludes(toSvgString(size.loss), "Size loss L per epoch");
  assertStringIncludes(toSvgString(size.loss), "floor");
  const other = experimentCharts(
    experiment,
    { ...result, lossName: "−log W_S" },
    { charts: ["loss"] },
  );
  assertStringIncludes(toSvgString(other.loss), "Loss −log W_S per epoch");
  assert(!toSvgString(other.loss).includes("floor"));
});

Deno.test("experimentCharts draws only the charts asked for", () => {
  const { value: charts, calls } = countForwardPasses(() =>
    experimentCharts(experiment, result, { charts: ["loss", "weights_after"] })
  );
  assertEquals(Object.keys(charts), ["weights_after", "loss"]);
  assertEquals(calls, 0);
  assertThrows(
    // @ts-expect-error: not a chart name
    () => experimentCharts(experiment, result, { charts: ["heat"] }),
    RangeError,
    'unknown chart "heat"',
  );
});

Deno.test("experimentCharts on a 15,004-token sentence runs no forward pass", async () => {
  const words = Array.from({ length: 15_000 }, (_, i) => `w${i}`).join(" ");
  const long = prepareExperiment({
    sentence: `${words} it was too big`,
    sizeWords: ["big"],
    dModel: 16,
    epochs: 2,
  });
  const trained = await trainExperiment(long);
  const before = tf.memory().numTensors;
  const { value: charts, calls } = countForwardPasses(() =>
    experimentCharts(long, trained)
  );
  assertEquals(calls, 0);
  assertEquals(tf.memory().numTensors, before);
  assert(!("attention_matrix" in charts));
  // the trajectories draw the size word and the 20 others that end highest
  const lines = select(
    charts.trajectories.outerHTML,
    'g[aria-label="line"] path',
  );
  assertEquals(lines.length, 21);
  for (const chart of Object.values(charts)) {
    assert(toSvgString(chart).startsWith("<svg"));
  }
});

Deno.test("experimentCharts after 12,000 epochs (the --svg --epochs 12000 repro)", async () => {
  const long = prepareExperiment({ epochs: 12_000 });
  const charts = experimentCharts(long, await trainExperiment(long));
  assertEquals(Object.keys(charts), [...EXPERIMENT_CHARTS]);
  for (const chart of Object.values(charts)) {
    assert(toSvgString(chart).startsWith("<svg"));
  }
});

Deno.test("no chart the CLI writes clips its title (the 300 px heatmap repro)", () => {
  for (
    const [name, chart] of Object.entries(experimentCharts(experiment, result))
  ) {
    const svg = toSvgString(chart);
    const title = svg.match(/<title>([^<]*)<\/title>/)?.[1] ?? "";
    const width = Number(svg.match(/<svg[^>]* width="(\d+)"/)![1]);
    assert(title.length > 0, `${name} has no title`);
    // a bold 16 px character is at most 10 px wide
    assert(width >= 10 * title.length, `${name}: ${width} px for "${title}"`);
  }
});
