// Tests for lib/charts/heads.ts: the records of every head's weights, the
// head view (a layers × heads grid of attention matrices on one colour scale,
// with one legend, printed values and shape checks) and one query's row in
// every head as bars.

import { assert, assertEquals, assertThrows } from "@std/assert";
import { headCells, headRowBars, headView } from "../../lib/charts/heads.ts";
import { chartSvg, count, markRects, select, texts } from "./_svg.ts";

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

// 2 layers × 2 heads × 2 tokens, literal
const WEIGHTS = [
  [[[1, 0], [0.25, 0.75]], [[0.5, 0.5], [0.9, 0.1]]],
  [[[0.3, 0.7], [0.6, 0.4]], [[0.15, 0.85], [0.05, 0.95]]],
];
const TOKENS = ["▁it", "▁car"];

Deno.test("headCells", async (t) => {
  await t.step(
    "gives one record per layer, head, query and key, in order",
    () => {
      const cells = headCells(WEIGHTS, { tokens: TOKENS });
      assertEquals(cells.length, 2 * 2 * 2 * 2);
      assertEquals(cells[7], {
        layer: "layer 0",
        head: "head 1",
        query: "1 ▁car",
        key: "1 ▁car",
        value: 0.1,
      });
      assertEquals(cells[8].layer, "layer 1");
    },
  );

  await t.step("[heads, T, T] is one layer", () => {
    const cells = headCells(WEIGHTS[1], { tokens: TOKENS });
    assertEquals(cells.length, 2 * 2 * 2);
    assertEquals(cells[5].value, 0.85);
    assertEquals(cells[5].layer, "layer 0");
  });

  await t.step(
    "rejects a matrix that does not match the tokens, or a NaN",
    () => {
      assertThrows(
        () => headCells(WEIGHTS, { tokens: ["▁it"] }),
        RangeError,
        "matrix [0, 0] is not 1 × 1",
      );
      assertThrows(
        () => headCells([[[[1, NaN], [0.5, 0.5]]]], { tokens: TOKENS }),
        RangeError,
        "value [0, 0, 0, 1] is NaN",
      );
      assertThrows(
        () => headCells([], { tokens: TOKENS }),
        RangeError,
        "0 head(s)",
      );
      assertThrows(
        () => headCells([[WEIGHTS[0][0]], WEIGHTS[1]], { tokens: TOKENS }),
        RangeError,
        "layer 1 has 2 heads, layer 0 has 1",
      );
    },
  );
});

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

  await t.step(
    "prints every weight in readable cells, white on dark ones",
    () => {
      const head0 = [[1, 0, 0], [0.5, 0.5, 0], [0.2, 0.3, 0.5]];
      const head1 = [[0, 0, 1], [0.25, 0.25, 0.5], [0.6, 0.3, 0.1]];
      const chart = headView([head0, head1], {
        tokens: ["the", "pink", "elephant"],
        columnNames: ["first", "second"],
        cellSize: 26,
        title: "two heads",
      });
      assert(chart.outerHTML.includes("two heads"), "title missing");
      const svg = chartSvg(chart);
      assert(texts(svg).includes("first") && texts(svg).includes("second"));
      const values = select(svg, 'g[aria-label="text"] text');
      const printed = values.map((n) => n.textContent);
      // 18 weights, each printed once: ".50" four times, "1.00" twice
      assertEquals(printed.length, 18);
      assertEquals(printed.filter((v) => v === ".50").length, 4);
      assertEquals(printed.filter((v) => v === "1.00").length, 2);
      for (const text of [".25", ".60", ".20", ".30", ".10"]) {
        assert(printed.includes(text), `${text} not printed`);
      }
      // a constant fill is set on the mark's facet group
      const white = select(svg, 'g[aria-label="text"] g[fill="white"] text')
        .map((n) => n.textContent);
      assert(white.includes("1.00"), "1.00 sits on a dark cell");
      assert(!white.includes(".10"), ".10 sits on a light cell");
      const bare = headView([head0], {
        tokens: ["the", "pink", "elephant"],
        cellSize: 26,
        values: "none",
      }).outerHTML;
      assertEquals(count(bare, ">.50<"), 0);
    },
  );

  await t.step("prints percentages of at least printAbove", () => {
    const svg = chartSvg(
      headView(WEIGHTS, {
        tokens: TOKENS,
        values: "percent",
        printAbove: 0.5,
        cellSize: 14,
      }),
    );
    const printed = texts(svg);
    for (const shown of ["100", "75", "90", "70", "85", "95", "60", "50"]) {
      assert(printed.includes(shown), `${shown} not printed`);
    }
    for (const hidden of ["25", "30", "40", "15", "10", "5", "0"]) {
      assert(!printed.includes(hidden), `${hidden} printed`);
    }
  });

  await t.step("prints nothing in cells too small to read", () => {
    const svg = chartSvg(headView(WEIGHTS, { tokens: TOKENS, cellSize: 8 }));
    assertEquals(select(svg, 'g[aria-label="text"]').length, 0);
  });

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

Deno.test("headRowBars draws one query's row in every head", async (t) => {
  await t.step("one bar per key and head, large weights printed", () => {
    const svg = chartSvg(
      headRowBars(WEIGHTS, { tokens: TOKENS, query: 1, highlight: [0] }),
    );
    assertEquals(markRects(svg, "bar").length, 2 * 2 * 2);
    const printed = texts(svg);
    // the row of "1 ▁car": 0.25 0.75 | 0.90 0.10 | 0.60 0.40 | 0.05 0.95
    for (
      const shown of ["0.25", "0.75", "0.90", "0.10", "0.60", "0.40", "0.95"]
    ) {
      assert(printed.includes(shown), `${shown} not printed`);
    }
    assert(!printed.includes("0.05"), "a weight below 0.1 was printed");
    assert(!printed.includes("0.85"), "a weight of another query was printed");
    const fills = markRects(svg, "bar").map((r) => r.getAttribute("fill"));
    assertEquals(fills.filter((f) => f === "#f28e2b").length, 4); // key 0 in 4 heads
  });

  await t.step("rejects a query or highlight that is not a position", () => {
    assertThrows(
      () => headRowBars(WEIGHTS, { tokens: TOKENS, query: 2 }),
      RangeError,
      "position 2 (query or highlight) is not a token",
    );
    assertThrows(
      () => headRowBars(WEIGHTS, { tokens: TOKENS, query: 0, highlight: [-1] }),
      RangeError,
      "position -1",
    );
  });
});
