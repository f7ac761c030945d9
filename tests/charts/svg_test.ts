// Tests for lib/charts/svg.ts: plain and titled charts become one standalone
// <svg> with the SVG namespace.

import {
  assert,
  assertEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { DOMParser } from "linkedom";
import { attentionBars } from "../../lib/charts/bars.ts";
import type { ChartElement } from "../../lib/charts/common.ts";
import { heatmap, matrixCells } from "../../lib/charts/heatmap.ts";
import { chartRow, toSvgString } from "../../lib/charts/svg.ts";
import { count, SVG_NS, texts } from "./_svg.ts";

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

Deno.test("toSvgString never clips a title wider than its chart", () => {
  const title = "Trained embeddings X [seqLen, dModel] of a long sentence";
  const narrow = heatmap(
    matrixCells([[1, 2]], { rows: ["0 it"], columns: ["d0", "d1"] }),
    { title, legend: false },
  );
  const svg = toSvgString(narrow);
  const width = Number(svg.match(/<svg[^>]* width="(\d+)"/)![1]);
  // a bold 16 px character is at most 10 px wide
  assert(
    width >= 10 * title.length,
    `${width} px for ${title.length} characters`,
  );
  assertStringIncludes(svg, `viewBox="0 0 ${width} `);
});

Deno.test("chartRow puts charts side by side in one HTML output", () => {
  const a = attentionBars([{ label: "0 a", value: 1 }], { title: "before" });
  const b = attentionBars([{ label: "0 a", value: 1 }], { title: "after" });
  const bundle = chartRow([a, b])[Symbol.for("Jupyter.display")]();
  const html = bundle["text/html"];
  assertEquals(count(html, "<svg"), 2);
  assert(html.indexOf("before") < html.indexOf("after"));
  assertStringIncludes(html, "display:flex");
  assertThrows(() => chartRow([]), RangeError, "empty");
});
