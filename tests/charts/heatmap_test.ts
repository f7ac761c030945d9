// Tests for lib/charts/heatmap.ts: matrix to cells, one cell per value with
// the value printed, readable text colours, order kept.

import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { tokenLabels } from "../../lib/charts/common.ts";
import { colorDomain, heatmap, matrixCells } from "../../lib/charts/heatmap.ts";
import { chartSvg, count, markRects, select, texts } from "./_svg.ts";

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

  await t.step("is one svg and shows title and axis labels", () => {
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

/** The fill of the cell (row, column). */
function cellFill(svg: string, index: number): string {
  return markRects(svg, "cell")[index].getAttribute("fill") ?? "";
}

Deno.test("heatmap colour scale and legend", async (t) => {
  await t.step(
    "the legend's swatches are the colours of the values they print",
    () => {
      const svg = chartSvg(
        heatmap(
          matrixCells([[0, 0.4, 1]], { rows: ["a"], columns: ["x", "y", "z"] }),
          {
            domain: [0, 1],
            legendLabel: "attention weight",
          },
        ),
      );
      const legend = select(svg, 'g[aria-label="color legend"]');
      assertEquals(legend.length, 1);
      const swatches = [...legend[0].querySelectorAll("rect")];
      const printed = [...legend[0].querySelectorAll("text")].map((n) =>
        n.textContent
      );
      assertEquals(printed, [
        "colour = attention weight:",
        "0.00",
        "0.20",
        "0.40",
        "0.60",
        "0.80",
        "1.00",
      ]);
      assertEquals(swatches[0].getAttribute("fill"), cellFill(svg, 0));
      assertEquals(swatches[2].getAttribute("fill"), cellFill(svg, 1));
      assertEquals(swatches[5].getAttribute("fill"), cellFill(svg, 2));
    },
  );

  await t.step("one domain puts two heatmaps on one scale", () => {
    const a = matrixCells([[0.5, 1]], { rows: ["a"], columns: ["x", "y"] });
    const b = matrixCells([[0.5, 2]], { rows: ["a"], columns: ["x", "y"] });
    // Each on its own scale, the same 0.5 gets two colours ...
    assert(
      cellFill(chartSvg(heatmap(a)), 0) !== cellFill(chartSvg(heatmap(b)), 0),
    );
    // ... on one scale, one colour.
    const domain = colorDomain([...a, ...b].map((c) => c.value));
    assertEquals(domain, [0, 2]);
    assertEquals(
      cellFill(chartSvg(heatmap(a, { domain })), 0),
      cellFill(chartSvg(heatmap(b, { domain })), 0),
    );
  });

  await t.step("colorDomain is symmetric around 0 for signed values", () => {
    assertEquals(colorDomain([0.5, -3, 1]), [-3, 3]);
    assertEquals(colorDomain([0, 0]), [0, 1]);
  });

  await t.step("rejects values outside the domain and bad domains", () => {
    const cells = matrixCells([[0.5, 1.5]], {
      rows: ["a"],
      columns: ["x", "y"],
    });
    assertThrows(
      () => heatmap(cells, { domain: [0, 1] }),
      RangeError,
      "value 1.5, outside the domain [0,1]",
    );
    assertThrows(
      () => heatmap(cells, { domain: [2, 0] }),
      RangeError,
      "low < high",
    );
  });

  await t.step("outlines every cell of a marked row, and only those", () => {
    const rows = ["0 the", "1 it", "2 car"];
    const svg = chartSvg(
      heatmap(
        matrixCells([[1, 0], [0, 1], [1, 1]], { rows, columns: ["d0", "d1"] }),
        {
          markRows: ["1 it"],
        },
      ),
    );
    const outlined = select(svg, 'g[aria-label="cell"][stroke="black"] rect');
    assertEquals(outlined.length, 2);
    const cells = markRects(svg, "cell");
    const rowY = Number(cells[2].getAttribute("y")); // first cell of row "1 it"
    for (const o of outlined) {
      assertAlmostEquals(Number(o.getAttribute("y")), rowY, 1);
    }
  });
});

Deno.test("heatmap of a large matrix", async (t) => {
  await t.step(
    "200,000 cells draw as at most 48 × 48 bins without overflowing",
    () => {
      const matrix = Array.from(
        { length: 500 },
        (_, i) =>
          Array.from({ length: 400 }, (_, j) => Math.sin(i / 30 + j / 20)),
      );
      const cells = matrixCells(matrix, {
        rows: matrix.map((_, i) => `${i} w`),
        columns: matrix[0].map((_, j) => `${j} w`),
      });
      const svg = chartSvg(heatmap(cells));
      const drawn = markRects(svg, "cell").length;
      assertEquals(drawn, Math.ceil(500 / 11) * Math.ceil(400 / 9));
      assertStringIncludes(svg, "bins of 11, mean");
    },
  );

  await t.step("each bin is the mean of its block", () => {
    const matrix = Array.from(
      { length: 10 },
      (_, i) => Array.from({ length: 7 }, (_, j) => i * 7 + j + (i * j) % 3),
    );
    const cells = matrixCells(matrix, {
      rows: matrix.map((_, i) => `r${i}`),
      columns: matrix[0].map((_, j) => `c${j}`),
    });
    const svg = chartSvg(
      heatmap(cells, { maxRows: 4, maxColumns: 3, cellSize: 40, decimals: 4 }),
    );
    // rows in bins of 3 (0–2, 3–5, 6–8, 9–9), columns in bins of 3 (0–2, 3–5, 6–6)
    let sum = 0;
    for (let i = 3; i <= 5; i++) {
      for (let j = 3; j <= 5; j++) sum += matrix[i][j];
    }
    const printed = texts(svg);
    assert(
      printed.includes((sum / 9).toFixed(4)),
      `${sum / 9} not in ${printed}`,
    );
    assert(
      printed.includes("3–5") && printed.includes("9–9"),
      printed.join("|"),
    );
    assert(printed.includes(matrix[9][6].toFixed(4)), "the last 1 × 1 bin");
  });
});

Deno.test("heatmap of masked (−∞) entries", async (t) => {
  const labels = ["0 the", "1 pink", "2 elephant"];
  const matrix = [[0.5, -Infinity, -Infinity], [-1.25, 2, -Infinity], [
    0,
    0,
    0,
  ]];
  const cells = matrixCells(matrix, { rows: labels, columns: labels });

  await t.step("greys out and prints −∞ for each masked entry", () => {
    const svg = chartSvg(heatmap(cells));
    const rects = markRects(svg, "cell");
    assertEquals(rects.length, 9);
    // a constant fill is set on the mark's group
    assertEquals(
      select(svg, 'g[aria-label="cell"][fill="#d9d9d9"] rect').length,
      3,
    );
    assertEquals(count(svg, ">−∞<"), 3);
    for (const text of ["0.50", "−1.25", "2.00"]) {
      assert(texts(svg).includes(text), `${text} not printed`);
    }
  });

  await t.step("the colour domain covers the finite values only", () => {
    const svg = chartSvg(heatmap(cells));
    const legend = select(svg, 'g[aria-label="color legend"] text').map((n) =>
      n.textContent
    );
    assertEquals(legend.at(1), "−2.00"); // [-m, m], m = 2 the largest |finite value|
    assertEquals(legend.at(-1), "2.00");
    const mask = matrixCells([[0, -Infinity], [0, 0]], {
      rows: ["a", "b"],
      columns: ["a", "b"],
    });
    const onlyZeros = chartSvg(heatmap(mask, { decimals: 0 }));
    const printed = select(onlyZeros, 'g[aria-label="text"] text').map((n) =>
      n.textContent
    );
    assertEquals(printed.sort(), ["0", "0", "0", "−∞"]);
  });

  await t.step(
    "bins average the finite cells; all-masked bins stay masked",
    () => {
      // 4 × 4 causal mask of scores 1, binned 2 × 2: the upper-right bin is
      // all −∞, the diagonal bins hold 3 finite cells of 1 each (mean 1)
      const T = 4;
      const scores = Array.from(
        { length: T },
        (_, i) => Array.from({ length: T }, (_, j) => j > i ? -Infinity : 1),
      );
      const names = ["a", "b", "c", "d"];
      const svg = chartSvg(
        heatmap(matrixCells(scores, { rows: names, columns: names }), {
          maxRows: 2,
          maxColumns: 2,
          cellSize: 40,
        }),
      );
      const printed = select(svg, 'g[aria-label="text"] text').map((n) =>
        n.textContent
      );
      assertEquals(printed.sort(), ["1.00", "1.00", "1.00", "−∞"]);
    },
  );

  await t.step("still rejects NaN and +∞", () => {
    for (const bad of [NaN, Infinity]) {
      assertThrows(
        () => heatmap([{ row: "a", column: "b", value: bad }]),
        RangeError,
        `has value ${bad}; values must be finite, or -Infinity`,
      );
    }
  });
});
