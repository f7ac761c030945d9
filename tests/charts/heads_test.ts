// Tests for lib/charts/heads.ts: a layers × heads grid of attention matrices
// on one colour scale, with one legend and shape checks.

import { assert, assertEquals, assertThrows } from "@std/assert";
import { headView } from "../../lib/charts/heads.ts";
import { chartSvg, markRects, select, texts } from "./_svg.ts";

/** A [T, T] matrix of rows that sum to 1. */
function softmaxRows(T: number, seed: number): number[][] {
  return Array.from({ length: T }, (_, q) => {
    const row = Array.from(
      { length: T },
      (_, k) => Math.exp(Math.sin(seed + q * 3 + k)),
    );
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => v / sum);
  });
}

const tokens = ["▁e", "le", "ph", "ant", "it"];

Deno.test("headView", async (t) => {
  const weights = [0, 1].map((l) =>
    [0, 1, 2, 3].map((h) => softmaxRows(tokens.length, 4 * l + h))
  );

  await t.step("draws every cell of every head of every layer", () => {
    const svg = chartSvg(headView(weights, { tokens }));
    assertEquals(markRects(svg, "cell").length, 2 * 4 * 5 * 5);
    const printed = texts(svg);
    for (const name of ["head 0", "head 3", "layer 0", "layer 1", "4 it"]) {
      assert(printed.includes(name), `${name} not in the chart`);
    }
  });

  await t.step("one legend for the whole grid, on [0, 1] by default", () => {
    const svg = chartSvg(headView(weights, { tokens }));
    const legends = select(svg, 'g[aria-label="color legend"]');
    assertEquals(legends.length, 1);
    const printed = [...legends[0].querySelectorAll("text")].map((n) =>
      n.textContent
    );
    assertEquals(printed.at(1), "0.00");
    assertEquals(printed.at(-1), "1.00");
  });

  await t.step("the same weight has the same colour in every head", () => {
    const one = [[1, 0], [0, 1]];
    const svg = chartSvg(headView([one, one], { tokens: ["a", "b"] }));
    const fills = markRects(svg, "cell").map((r) => r.getAttribute("fill"));
    assertEquals(fills.slice(0, 4), fills.slice(4));
    assert(fills[0] !== fills[1]);
  });

  await t.step(
    "[heads, T, T] is one row of heads; markQuery outlines that row",
    () => {
      const svg = chartSvg(
        headView(weights[0], {
          tokens,
          markQuery: 4,
          columnNames: ["a", "b", "c", "d"],
        }),
      );
      assertEquals(markRects(svg, "cell").length, 4 * 25 + 4 * 5);
      assert(!texts(svg).includes("layer 0"));
    },
  );

  await t.step("rejects wrong shapes, names and values with the reason", () => {
    assertThrows(
      () => headView([[[1]]], { tokens }),
      RangeError,
      "is not 5 × 5",
    );
    assertThrows(
      () => headView(weights, { tokens, rowNames: ["only one"] }),
      RangeError,
      "2 × 4",
    );
    const bad = softmaxRows(5, 0);
    bad[1][2] = 1.5;
    assertThrows(
      () => headView([bad], { tokens }),
      RangeError,
      "value [0, 0, 1, 2] is 1.5",
    );
    assertThrows(
      () => headView([softmaxRows(5, 0)], { tokens, markQuery: 9 }),
      RangeError,
      "markQuery",
    );
  });
});
