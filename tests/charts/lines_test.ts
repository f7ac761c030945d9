// Tests for lib/charts/lines.ts: one line per series named at its end, log
// axes, the reference rule, and the loss curve with its floor.

import {
  assert,
  assertEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { lineChart, lossCurve, lossHistory } from "../../lib/charts/lines.ts";
import { prepareExperiment, train } from "../../lib/mod.ts";
import { chartSvg, count, lineStrokes, texts } from "./_svg.ts";

Deno.test("lineChart", async (t) => {
  const points = [1, 2, 4, 8].flatMap((n) => [
    { x: n, y: n * n, series: "cpu" },
    { x: n, y: 2 * n, series: "wasm" },
  ]);

  await t.step("draws one line per series and names each at its end", () => {
    const svg = chartSvg(lineChart(points, { xLabel: "seqLen", yLabel: "ms" }));
    assertEquals(lineStrokes(svg).length, 2);
    const printed = texts(svg);
    assert(printed.includes("cpu") && printed.includes("wasm"));
    assertStringIncludes(svg, "seqLen");
    assertStringIncludes(svg, "ms");
  });

  await t.step("renders log–log axes", () => {
    const svg = chartSvg(lineChart(points, { xType: "log", yType: "log" }));
    assertStringIncludes(svg, "<svg");
  });

  await t.step("draws a dashed, labelled rule at yRule", () => {
    const svg = chartSvg(
      lineChart(points, { yRule: 10, yRuleLabel: "budget" }),
    );
    assertStringIncludes(svg, "stroke-dasharray");
    assert(texts(svg).includes("budget"));
  });

  await t.step("rejects non-positive values on a log axis", () => {
    assertThrows(
      () => lineChart([{ x: 0, y: 1 }], { xType: "log" }),
      RangeError,
      "x > 0",
    );
    assertThrows(
      () => lineChart(points, { yType: "log", yRule: 0 }),
      RangeError,
      "yRule",
    );
    assertThrows(() => lineChart([]), RangeError, "empty");
  });
});

Deno.test("lossCurve labels epoch and loss and draws the floor", () => {
  const history = [0, 1, 2, 3].map((epoch) => ({
    epoch,
    loss: 2 / (epoch + 1),
  }));
  const html = lossCurve(history, { title: "Training loss", floor: 0.4 })
    .outerHTML;
  assertStringIncludes(html, "Training loss");
  assertStringIncludes(html, "epoch");
  assertStringIncludes(html, "loss");
  assertStringIncludes(html, "stroke-dasharray");
  assert(texts(html).includes("floor 0.400"), texts(html).join("|"));
  assertEquals(count(chartSvg(lossCurve(history)), "stroke-dasharray"), 0);
});

const experiment = prepareExperiment({ epochs: 10 });
const result = await train(experiment);

Deno.test("lossHistory ends with the loss after the last update", () => {
  const points = lossHistory(result);
  assertEquals(points.length, 11);
  assertEquals(points.slice(0, 10), result.history);
  assertEquals(points[10], { epoch: 10, loss: result.finalLoss });
});
