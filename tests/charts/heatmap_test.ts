// Tests for lib/charts/heatmap.ts: matrix to cells, one cell per value with
// the value printed, readable text colours, order kept.

import {
  assert,
  assertEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { tokenLabels } from "../../lib/charts/common.ts";
import { heatmap, matrixCells } from "../../lib/charts/heatmap.ts";
import { chartSvg, count, markRects, texts } from "./_svg.ts";

Deno.test("matrixCells", async (t) => {
  await t.step("lists the cells row by row with their labels", () => {
    const cells = matrixCells([[1, 2, 3], [4, 5, 6]], {
      rows: ["a", "b"],
      columns: ["x", "y", "z"],
    });
    assertEquals(cells.length, 6);
    assertEquals(cells[0], { row: "a", column: "x", value: 1 });
    assertEquals(cells[5], { row: "b", column: "z", value: 6 });
  });

  await t.step("throws RangeError when labels do not match the shape", () => {
    assertThrows(
      () => matrixCells([[1, 2]], { rows: ["a", "b"], columns: ["x", "y"] }),
      RangeError,
      "1 rows but 2 row labels",
    );
    assertThrows(
      () => matrixCells([[1, 2]], { rows: ["a"], columns: ["x"] }),
      RangeError,
      "2 values but 1 column labels",
    );
  });
});

Deno.test("heatmap", async (t) => {
  const rows = tokenLabels(["the", "car", "the"]);
  const matrix = [[0.5, 0.25, 0.25], [0.125, 0.75, 0.125], [0.3, 0.3, 0.4]];
  const cells = matrixCells(matrix, { rows, columns: rows });

  await t.step("draws one cell per value and prints every value", () => {
    const svg = chartSvg(heatmap(cells));
    assertEquals(markRects(svg, "cell").length, 9);
    const printed = texts(svg);
    for (const v of matrix.flat()) {
      assert(printed.includes(v.toFixed(2)), `${v.toFixed(2)} not printed`);
    }
  });

  await t.step("honours decimals and prints negative values", () => {
    const signed = matrixCells([[1, -0.5], [0.25, -1]], {
      rows: ["a", "b"],
      columns: ["x", "y"],
    });
    const printed = texts(chartSvg(heatmap(signed, { decimals: 1 })));
    for (const v of ["1.0", "−0.5", "0.3", "−1.0"]) {
      assert(printed.includes(v), `${v} not in ${printed}`);
    }
  });

  await t.step("uses white text on dark cells and black on light ones", () => {
    const svg = chartSvg(
      heatmap(matrixCells([[0, 1]], { rows: ["a"], columns: ["x", "y"] })),
    );
    assertStringIncludes(svg, 'fill="white"');
    assertStringIncludes(svg, 'fill="black"');
  });

  await t.step("keeps the given row and column order, not sorted", () => {
    const order = ["z", "a", "m"];
    const printed = texts(
      chartSvg(
        heatmap(matrixCells([[1, 2, 3]], { rows: ["r"], columns: order })),
      ),
    );
    const positions = order.map((l) => printed.indexOf(l));
    assert(positions.every((p) => p >= 0));
    assertEquals(positions, [...positions].sort((a, b) => a - b));
  });

  await t.step("has no colour legend and shows title and axis labels", () => {
    const html = heatmap(cells, {
      title: "attention weights",
      xLabel: "key",
      yLabel: "query",
    }).outerHTML;
    assertStringIncludes(html, "attention weights");
    assertStringIncludes(html, "key");
    assertStringIncludes(html, "query");
    assertEquals(count(html, "<svg"), 1);
  });

  await t.step("rejects empty input and non-finite values", () => {
    assertThrows(() => heatmap([]), RangeError, "empty");
    assertThrows(
      () => heatmap([{ row: "a", column: "b", value: Infinity }]),
      RangeError,
      "finite",
    );
  });
});
