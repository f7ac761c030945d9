// Tests for lib/charts/lines.ts: one line per series named at its end, log
// axes, the reference rule, and the loss curve with its floor.

import {
  assert,
  assertEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { lineChart, lossCurve, lossHistory } from "../../lib/charts/lines.ts";
import { prepareExperiment, trainExperiment } from "../../lib/mod.ts";
import {
  chartSvg,
  count,
  lineStrokes,
  select,
  texts,
  tickLabels,
} from "./_svg.ts";

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

Deno.test("lossCurve takes the trainer's plain {step, loss} records and labels the axis step", () => {
  const records = [0, 1, 2].map((step) => ({ step, loss: 1 / (step + 1) }));
  const html = lossCurve(records, { title: "cross-entropy" }).outerHTML;
  assert(texts(html).includes("step →"), texts(html).join("|"));
  assert(!texts(html).some((t) => t.includes("epoch")), texts(html).join("|"));
});

const experiment = prepareExperiment({ epochs: 10 });
const result = await trainExperiment(experiment);

Deno.test("lossHistory ends with the loss after the last update", () => {
  const points = lossHistory(result);
  assertEquals(points.length, 11);
  assertEquals(points.slice(0, 10), result.history);
  assertEquals(points[10], { epoch: 10, loss: result.finalLoss });
});

Deno.test("lineChart on long and degenerate series", async (t) => {
  await t.step(
    "draws 200,000 points per series without overflowing, thinned",
    () => {
      const points = Array.from({ length: 200_000 }, (_, i) => ({
        x: i,
        y: i === 123_456 ? 10 : Math.cos(i / 5000),
      }));
      const svg = chartSvg(lineChart(points));
      const path = select(svg, 'g[aria-label="line"] path')[0].getAttribute(
        "d",
      )!;
      const vertices = path.split(/[ML]/).length - 1;
      assert(vertices <= 2000, `${vertices} vertices`);
      // the spike survives thinning: the y axis reaches 10
      assertEquals(tickLabels(svg, "y").at(-1), "10");
    },
  );

  await t.step("a single point gets a real axis, not one tick", () => {
    const svg = chartSvg(lineChart([{ x: 0, y: 0.5 }]));
    assert(tickLabels(svg, "x").length >= 2, tickLabels(svg, "x").join());
    assert(tickLabels(svg, "y").length >= 2, tickLabels(svg, "y").join());
    assert(
      !tickLabels(svg, "x").some((l) => l.startsWith("−")),
      "negative epochs",
    );
    // and the point itself is drawn, as a dot (a line needs two)
    assertEquals(select(svg, 'g[aria-label="dot"] circle').length, 1);
  });

  await t.step("xDomain and yDomain fix the axes", () => {
    const svg = chartSvg(
      lineChart([{ x: 1, y: 0.5 }, { x: 2, y: 0.6 }], {
        xDomain: [0, 200],
        yDomain: [0, 1],
      }),
    );
    assertEquals(tickLabels(svg, "x").at(-1), "200");
    assertEquals(tickLabels(svg, "y").at(-1), "1.0");
  });
});

Deno.test("lossCurve draws 12,001 epochs (the --epochs 12000 repro)", () => {
  const history = Array.from({ length: 12_001 }, (_, epoch) => ({
    epoch,
    loss: 1 / (1 + epoch / 100),
  }));
  const svg = chartSvg(lossCurve(history, { floor: 0 }));
  assertEquals(tickLabels(svg, "x").at(-1), "12,000");
});
