// Tests for lib/charts/trajectories.ts: one line per token, named at its end,
// highlighted tokens in distinct colours, the others grey.

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { tokenLabels } from "../../lib/charts/common.ts";
import {
  trajectoryPoints,
  weightTrajectories,
} from "../../lib/charts/trajectories.ts";
import { prepareExperiment, trainExperiment } from "../../lib/mod.ts";
import { chartSvg, lineStrokes, select, texts, translateY } from "./_svg.ts";

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
const result = await trainExperiment(experiment);

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

Deno.test("weightTrajectories on long runs and long sentences", async (t) => {
  await t.step(
    "12,001 epochs × 13 tokens (156,013 points) draw without overflowing",
    () => {
      const records = Array.from(
        { length: 12_001 },
        (_, epoch) =>
          Array.from({ length: 13 }, (_, i) => ({
            epoch,
            label: `${i} w`,
            weight: (i + 1) / 91 + 0.001 * Math.sin(epoch / 100 + i),
            highlight: i === 4,
          })),
      ).flat();
      const svg = chartSvg(weightTrajectories(records));
      assertEquals(lineStrokes(svg).length, 13);
      for (const path of select(svg, 'g[aria-label="line"] path')) {
        const vertices = path.getAttribute("d")!.split(/[ML]/).length - 1;
        assert(vertices <= 2000, `${vertices} vertices`);
      }
    },
  );

  await t.step("draws the highlighted lines and only the top grey ones", () => {
    const records = Array.from(
      { length: 40 },
      (_, i) =>
        [0, 1].map((epoch) => ({
          epoch,
          label: `${i} w`,
          weight: i / 1000,
          highlight: i === 0,
        })),
    ).flat();
    const svg = chartSvg(weightTrajectories(records, { maxLines: 5 }));
    assertEquals(lineStrokes(svg).length, 6);
    assert(
      texts(svg).includes("+ 34 more tokens not drawn (each ends at ≤ 0.034)"),
      texts(svg).join("|"),
    );
  });

  await t.step("end labels never overlap, even for equal weights", () => {
    const records = ["a", "b", "c", "d"].flatMap((label) =>
      [0, 1].map((epoch) => ({ epoch, label, weight: 0.25, highlight: true }))
    );
    const svg = chartSvg(weightTrajectories(records));
    const ys = select(svg, 'g[aria-label="text"] text').map(translateY)
      .sort((a, b) => a - b);
    assertEquals(ys.length, 4);
    for (let i = 1; i < ys.length; i++) {
      assert(ys[i] - ys[i - 1] >= 11.9, `labels ${ys} closer than 12 px`);
    }
    // and stay inside the frame (Plot's top margin is 20 px)
    assert(ys[0] >= 20, `${ys[0]}`);
  });

  await t.step(
    "highlighted words get distinct colour-blind-safe colours",
    () => {
      const records = ["a", "b", "c", "d", "e"].flatMap((label, i) =>
        [0, 1].map((epoch) => ({
          epoch,
          label,
          weight: i / 10,
          highlight: true,
        }))
      );
      const strokes = lineStrokes(chartSvg(weightTrajectories(records)));
      assertEquals(new Set(strokes).size, 5);
      // Okabe–Ito: vermillion, blue, bluish green, reddish purple, orange
      assertEquals(
        new Set(strokes),
        new Set(["#d55e00", "#0072b2", "#009e73", "#cc79a7", "#e69f00"]),
      );
    },
  );
});
