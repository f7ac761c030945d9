// Helpers shared by the chart tests: read marks and text out of a chart's SVG.

import { assert } from "@std/assert";
import type { ChartElement } from "../../lib/charts/common.ts";

export const SVG_NS = 'xmlns="http://www.w3.org/2000/svg"';

/** The markup of the chart's main `<svg>` (inside the figure, if any). */
export function chartSvg(chart: ChartElement): string {
  const html = chart.outerHTML;
  const start = html.indexOf("<svg");
  assert(start >= 0, "the chart contains no <svg>");
  return html.slice(start);
}

/** Number of occurrences of `needle` in `text`. */
export function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** The contents of every `<text>` element. */
export function texts(markup: string): string[] {
  return [...markup.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

/** The stroke colour of every path drawn by a line mark. */
export function lineStrokes(markup: string): string[] {
  const groups = markup.match(/<g[^>]*aria-label="line"[^>]*>.*?<\/g>/gs) ?? [];
  return groups.flatMap((g) =>
    [...g.matchAll(/<path[^>]* stroke="([^"]+)"/g)].map((m) => m[1])
  );
}
