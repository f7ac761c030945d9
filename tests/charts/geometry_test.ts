// Tests for lib/charts/geometry.ts: q and the keys from the parameters in
// float64, and the plane chart with its arrows and equal-score lines.

import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "@std/assert";
import { geometryPoints, queryKeyGeometry } from "../../lib/charts/geometry.ts";
import {
  AttentionModel,
  prepareExperiment,
  trainExperiment,
} from "../../lib/mod.ts";
import { chartSvg, select, texts } from "./_svg.ts";

Deno.test("geometryPoints", async (t) => {
  const experiment = prepareExperiment({ dModel: 2, epochs: 3 });
  const result = await trainExperiment(experiment);
  const points = geometryPoints(experiment, [
    { epoch: 0, parameters: result.initialParameters },
    { epoch: 3, parameters: result.finalParameters },
  ]);

  await t.step("one query and seqLen keys per snapshot", () => {
    assertEquals(points.length, 2 * (1 + 13));
    assertEquals(points.filter((p) => p.role === "query").length, 2);
    assertEquals(
      points.filter((p) => p.highlight).map((p) => p.label).slice(0, 3),
      ["2 elephant", "8 car", "12 too"],
    );
  });

  await t.step("matches the tfjs model's Q and K", () => {
    const model = new AttentionModel(result.finalParameters);
    const steps = model.forward(experiment.tokenIds, experiment.focusPosition);
    const q = steps.query.arraySync();
    const keys = steps.keys.arraySync();
    model.dispose();
    for (const t of Object.values(steps)) t.dispose();
    const after = points.filter((p) => p.epoch === 3);
    assertAlmostEquals(after[0].x, q[0], 1e-5);
    assertAlmostEquals(after[0].y, q[1], 1e-5);
    for (const [i, k] of keys.entries()) {
      assertAlmostEquals(after[1 + i].x, k[0], 1e-5);
      assertAlmostEquals(after[1 + i].y, k[1], 1e-5);
    }
  });

  await t.step("needs dModel = 2 and at least one snapshot", () => {
    assertThrows(
      () => geometryPoints(prepareExperiment(), []),
      RangeError,
      "dModel is 4",
    );
    assertThrows(() => geometryPoints(experiment, []), RangeError, "empty");
  });
});

Deno.test("queryKeyGeometry", async (t) => {
  const points = [
    { epoch: 0, label: "2 it", role: "query" as const, x: 1, y: 0 },
    { epoch: 1, label: "2 it", role: "query" as const, x: 0.6, y: 0.8 },
    {
      epoch: 0,
      label: "0 car",
      role: "key" as const,
      x: 0,
      y: 1,
      highlight: true,
    },
    {
      epoch: 1,
      label: "0 car",
      role: "key" as const,
      x: 0,
      y: 2,
      highlight: true,
    },
    { epoch: 1, label: "1 the", role: "key" as const, x: 1, y: -1 },
  ];

  await t.step("draws one arrow per final key and one for the query", () => {
    const svg = chartSvg(queryKeyGeometry(points));
    assertEquals(select(svg, 'g[aria-label="arrow"] path').length, 3);
    const printed = texts(svg);
    assert(printed.includes("q (2 it)") && printed.includes("0 car"));
  });

  await t.step(
    "labels equal-score lines with q · k / √2 at the keys' extremes",
    () => {
      const printed = texts(chartSvg(queryKeyGeometry(points, { levels: 2 })));
      // final q = (0.6, 0.8): car (0, 2) scores 1.6/√2, the (1, −1) −0.2/√2
      const high = `score ${(1.6 / Math.SQRT2).toFixed(2)}`;
      const low = `score −${(0.2 / Math.SQRT2).toFixed(2)}`;
      assert(printed.includes(high), `${high} not in ${printed}`);
      assert(printed.includes(low), `${low} not in ${printed}`);
    },
  );

  await t.step(
    "uses one scale for both axes, so right angles look right",
    () => {
      const svg = chartSvg(queryKeyGeometry(points));
      // pixels per unit along an axis, from its first and last tick labels
      const pixelsPerUnit = (axis: "x" | "y"): number => {
        const ticks = select(
          svg,
          `g[aria-label="${axis}-axis tick label"] text`,
        );
        const value = (i: number) =>
          Number((ticks[i].textContent ?? "").replace("−", "-"));
        const position = (i: number) => {
          const m = ticks[i].getAttribute("transform")!.match(
            /translate\(([-\d.e]+),([-\d.e]+)\)/,
          )!;
          return Number(axis === "x" ? m[1] : m[2]);
        };
        const last = ticks.length - 1;
        return Math.abs(
          (position(last) - position(0)) / (value(last) - value(0)),
        );
      };
      assertAlmostEquals(pixelsPerUnit("x"), pixelsPerUnit("y"), 0.01);
    },
  );

  await t.step(
    "rejects missing queries or keys and non-finite coordinates",
    () => {
      assertThrows(
        () => queryKeyGeometry(points.slice(2)),
        RangeError,
        "0 query",
      );
      assertThrows(
        () => queryKeyGeometry([{ ...points[0], x: NaN }, points[2]]),
        RangeError,
        "finite",
      );
    },
  );
});
