// Tests for lib/charts/trajectories.ts: one line per token, named at its end,
// highlighted tokens in distinct colours, the others grey.

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { tokenLabels } from "../../lib/charts/common.ts";
import {
  trajectoryPoints,
  weightTrajectories,
} from "../../lib/charts/trajectories.ts";
import { prepareExperiment, train } from "../../lib/mod.ts";
import { chartSvg, lineStrokes, texts } from "./_svg.ts";

Deno.test("weightTrajectories", async (t) => {
  const labels = tokenLabels(["the", "car", "big", "small"]);
  const records = labels.flatMap((label, i) =>
    [0, 1, 2].map((epoch) => ({
      epoch,
      label,
      weight: (i + 1) * (epoch + 1) / 30,
      highlight: i >= 2,
    }))
  );

  await t.step("draws one line per label, named at its end", () => {
    const svg = chartSvg(weightTrajectories(records));
    assertEquals(lineStrokes(svg).length, 4);
    const printed = texts(svg);
    for (const l of labels) {
      assertEquals(printed.filter((p) => p === l).length, 1);
    }
    assertStringIncludes(svg, "attention weight");
    assertStringIncludes(svg, "epoch");
  });

  await t.step("greys out the labels that are not highlighted", () => {
    const strokes = lineStrokes(chartSvg(weightTrajectories(records)));
    assertEquals(strokes.length, 4);
    assertEquals(strokes[0], strokes[1]);
    assert(strokes[2] !== strokes[0] && strokes[3] !== strokes[0]);
    assert(strokes[2] !== strokes[3], "highlighted lines share a colour");
  });
});

const experiment = prepareExperiment({ epochs: 10 });
const result = await train(experiment);

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
