// Tests for lib/charts/bars.ts: one bar per record, values printed, colours
// for highlights and signs, and the records built from an experiment.

import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { DOMParser } from "linkedom";
import {
  attentionBars,
  signedBars,
  weightBars,
} from "../../lib/charts/bars.ts";
import { tokenLabels } from "../../lib/charts/common.ts";
import { prepareExperiment, trainExperiment } from "../../lib/mod.ts";
import { chartSvg, count, markRects, texts, tickLabels } from "./_svg.ts";

Deno.test("attentionBars", async (t) => {
  const labels = tokenLabels(["the", "car", "was", "the", "big"]);
  const weights = [0.1, 0.2, 0.05, 0.15, 0.5];
  const records = labels.map((label, i) => ({
    label,
    value: weights[i],
    highlight: i === 4,
  }));

  await t.step("draws one bar per record and prints each weight", () => {
    const svg = chartSvg(attentionBars(records));
    assertEquals(count(svg, "<rect"), records.length);
    const printed = texts(svg);
    for (const w of weights) assert(printed.includes(w.toFixed(3)), `${w}`);
  });

  await t.step("keeps the given label order on the x axis", () => {
    const printed = texts(chartSvg(attentionBars(records)));
    const positions = labels.map((l) => printed.indexOf(l));
    assert(positions.every((p) => p >= 0), "a label is missing");
    assertEquals(positions, [...positions].sort((a, b) => a - b));
  });

  await t.step("draws highlighted bars in a second colour", () => {
    const fills = [
      ...chartSvg(attentionBars(records)).matchAll(
        /<rect fill="([^"]+)"/g,
      ),
    ].map((m) => m[1]);
    assertEquals(fills.length, 5);
    assertEquals(new Set(fills.slice(0, 4)).size, 1);
    assert(fills[4] !== fills[0], "the highlighted bar has the base colour");
  });

  await t.step("labels the axes and shows title and subtitle", () => {
    const html = attentionBars(records, {
      title: "Attention from it",
      subtitle: "after training",
    }).outerHTML;
    assertStringIncludes(html, "<figure");
    assertStringIncludes(html, "Attention from it");
    assertStringIncludes(html, "after training");
    assertStringIncludes(html, "attention weight");
    assertStringIncludes(html, "token");
  });

  await t.step("is a plain <svg> without a title", () => {
    assertEquals(attentionBars(records).tagName.toLowerCase(), "svg");
  });

  await t.step("rejects empty input, repeated labels and NaN", () => {
    assertThrows(() => attentionBars([]), RangeError, "empty");
    assertThrows(
      () =>
        attentionBars([{ label: "the", value: 1 }, {
          label: "the",
          value: 2,
        }]),
      RangeError,
      "tokenLabels",
    );
    assertThrows(
      () => attentionBars([{ label: "a", value: NaN }]),
      RangeError,
      "finite",
    );
  });

  await t.step("draws into a document given in the options", () => {
    const document = new DOMParser().parseFromString(
      "<!DOCTYPE html><html></html>",
      "text/html",
    );
    const chart = attentionBars(records, { document });
    assertEquals(chart.tagName.toLowerCase(), "svg");
  });
});

Deno.test("signedBars", async (t) => {
  const records = [
    { label: "0 the", value: 0.25 },
    { label: "1 car", value: -0.125 },
    { label: "2 big", value: -0.5 },
  ];

  await t.step("colours positive and negative bars differently", () => {
    const svg = chartSvg(signedBars(records));
    const fills = [...svg.matchAll(/<rect fill="([^"]+)"/g)].map((m) => m[1]);
    assertEquals(fills.length, 3);
    assert(fills[0] !== fills[1]);
    assertEquals(fills[1], fills[2]);
  });

  await t.step("prints every value, negatives with a minus sign", () => {
    const printed = texts(chartSvg(signedBars(records)));
    for (const v of ["0.250", "−0.125", "−0.500"]) {
      assert(printed.includes(v), `${v} not in ${printed}`);
    }
  });

  await t.step("draws a rule at zero and labels the axes", () => {
    const html = signedBars(records, {
      title: "gradient",
      yLabel: "∂loss/∂score",
    }).outerHTML;
    assertStringIncludes(html, 'aria-label="rule"');
    assertStringIncludes(html, "∂loss/∂score");
    assertStringIncludes(html, "token");
    assertStringIncludes(html, "gradient");
  });
});

const experiment = prepareExperiment({ epochs: 10 });
const result = await trainExperiment(experiment);

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

Deno.test("attentionBars on a shared scale and with many tokens", async (t) => {
  const before = [
    { label: "0 a", value: 0.25 },
    { label: "1 b", value: 0.75 },
  ];
  const after = [
    { label: "0 a", value: 0.5 },
    { label: "1 b", value: 0.5 },
  ];

  await t.step("yDomain gives two charts the same axis and bar scale", () => {
    const a = chartSvg(attentionBars(before, { yDomain: [0, 1] }));
    const b = chartSvg(attentionBars(after, { yDomain: [0, 1] }));
    assertEquals(tickLabels(a, "y"), tickLabels(b, "y"));
    assertEquals(tickLabels(a, "y").at(-1), "1.0");
    const height = (svg: string, i: number): number =>
      Number(markRects(svg, "bar")[i].getAttribute("height"));
    // 0.75 stands three times as tall as 0.25, and 0.5 twice, on one scale.
    assertAlmostEquals(height(a, 1) / height(a, 0), 3, 0.05);
    assertAlmostEquals(height(b, 0) / height(a, 0), 2, 0.05);
  });

  await t.step("without yDomain, each chart scales to its own top bar", () => {
    const a = tickLabels(chartSvg(attentionBars(before)), "y");
    const b = tickLabels(chartSvg(attentionBars(after)), "y");
    assert(a.join() !== b.join());
  });

  await t.step(
    "15,004 bars become the largest ones plus one bar with the rest",
    () => {
      const n = 15_004;
      const records = Array.from({ length: n }, (_, i) => ({
        label: `${i} w`,
        value: 1 + Math.sin(i),
        highlight: i === 7 || i === 9_000,
      }));
      const total = records.reduce((s, r) => s + r.value, 0);
      const svg = chartSvg(
        attentionBars(records, { maxBars: 12, decimals: 2 }),
      );
      assertEquals(markRects(svg, "bar").length, 12);
      const printed = texts(svg);
      assert(printed.includes("7 w") && printed.includes("9000 w"));
      assert(printed.includes(`… ${n - 11} others (sum)`), printed.join("|"));
      // the kept bars and the sum still add up to the total
      const kept = records.filter((r) => r.highlight)
        .concat(
          records.filter((r) => !r.highlight).sort((a, b) => b.value - a.value)
            .slice(0, 9),
        );
      const rest = total - kept.reduce((s, r) => s + r.value, 0);
      assert(
        printed.includes(rest.toFixed(2)),
        `${rest.toFixed(2)} not printed`,
      );
    },
  );
});

Deno.test("attentionBars labels never stack and bars are never cut", async (t) => {
  const records = Array.from({ length: 100 }, (_, i) => ({
    label: `${i} w`,
    value: (i % 7) / 100,
    highlight: i === 51,
  }));

  await t.step(
    "narrow bars print spaced tick labels, the highlighted one first",
    () => {
      const svg = chartSvg(attentionBars(records, { maxBars: 100 }));
      const shown = tickLabels(svg, "x").map((l) => Number(l.split(" ")[0]));
      assert(shown.includes(51), "the highlighted label is missing");
      const band = (640 - 56 - 20) / 100;
      const gap = Math.ceil(16 / band);
      for (let i = 1; i < shown.length; i++) {
        assert(
          shown[i] - shown[i - 1] >= gap,
          `${shown[i - 1]} and ${shown[i]}`,
        );
      }
    },
  );

  await t.step("30 bars (the default most) print every label", () => {
    const svg = chartSvg(attentionBars(records.slice(0, 30)));
    assertEquals(tickLabels(svg, "x").length, 30);
  });

  await t.step("a yDomain lower than a bar rises to the bar", () => {
    const svg = chartSvg(
      attentionBars([{ label: "a", value: 0.9 }, { label: "b", value: 0.1 }], {
        yDomain: [0, 0.5],
      }),
    );
    assert(
      Number(tickLabels(svg, "y").at(-1)) >= 0.8,
      tickLabels(svg, "y").join(),
    );
  });
});
