// Tests for lib/charts.ts: every builder renders under linkedom, draws one mark
// per record, prints its values and labels, and exports standalone SVG.

import {
  assert,
  assertEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { DOMParser } from "linkedom";
import {
  attentionBars,
  type ChartElement,
  heatmap,
  lineChart,
  lossCurve,
  matrixCells,
  signedBars,
  tokenLabels,
  toSvgString,
  weightTrajectories,
} from "../lib/charts.ts";

const SVG_NS = 'xmlns="http://www.w3.org/2000/svg"';

/** The markup of the chart's main `<svg>` (inside the figure, if any). */
function chartSvg(chart: ChartElement): string {
  const html = chart.outerHTML;
  const start = html.indexOf("<svg");
  assert(start >= 0, "the chart contains no <svg>");
  return html.slice(start);
}

/** Number of occurrences of `needle` in `text`. */
function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** The contents of every `<text>` element. */
function texts(markup: string): string[] {
  return [...markup.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

/** The stroke colour of every path drawn by a line mark. */
function lineStrokes(markup: string): string[] {
  const groups = markup.match(/<g[^>]*aria-label="line"[^>]*>.*?<\/g>/gs) ?? [];
  return groups.flatMap((g) =>
    [...g.matchAll(/<path[^>]* stroke="([^"]+)"/g)].map((m) => m[1])
  );
}

Deno.test("tokenLabels makes repeated tokens unique by prefixing positions", () => {
  const labels = tokenLabels(["the", "car", "was", "the"]);
  assertEquals(labels, ["0 the", "1 car", "2 was", "3 the"]);
  assertEquals(new Set(labels).size, 4);
});

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
    assertEquals(count(svg, "<rect"), 9);
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

Deno.test("toSvgString", async (t) => {
  const records = [{ label: "0 the", value: 0.25 }, {
    label: "1 car",
    value: 0.75,
  }];

  await t.step("returns a plain chart as <svg> with the SVG namespace", () => {
    const svg = toSvgString(attentionBars(records));
    assert(svg.startsWith("<svg"), svg.slice(0, 40));
    assertStringIncludes(svg, SVG_NS);
    assert(svg.endsWith("</svg>"));
  });

  await t.step("turns a titled figure into one <svg> holding the title", () => {
    const chart = attentionBars(records, {
      title: "Attention & <weights>",
      subtitle: "sub",
    });
    const before = chart.outerHTML;
    const svg = toSvgString(chart);
    assert(svg.startsWith("<svg"), svg.slice(0, 40));
    assertStringIncludes(svg, SVG_NS);
    assertEquals(count(svg, "<svg"), 1);
    assertStringIncludes(svg, "<title>Attention &amp; &lt;weights&gt;</title>");
    assert(texts(svg).includes("sub"));
    assert(!svg.includes("<h2"), "HTML left in the SVG");
    assertEquals(count(svg, "<rect"), 2);
    assertEquals(chart.outerHTML, before, "the chart was modified");
  });

  await t.step("makes room for the title in height and viewBox", () => {
    const plain = toSvgString(attentionBars(records));
    const titled = toSvgString(attentionBars(records, { title: "T" }));
    const height = (s: string): number =>
      Number(s.match(/<svg[^>]* height="(\d+)"/)![1]);
    assert(height(titled) > height(plain));
    assertStringIncludes(titled, `viewBox="0 0 640 ${height(titled)}"`);
  });

  await t.step("rejects elements that are not charts", () => {
    const document = new DOMParser().parseFromString(
      "<!DOCTYPE html><html><body><div></div></body></html>",
      "text/html",
    );
    const div = document.querySelector("div") as unknown as ChartElement;
    assertThrows(() => toSvgString(div), TypeError, "<div>");
  });
});
