// Helpers shared by the chart tests: read marks and text out of a chart's SVG.

import { assert } from "@std/assert";
import { DOMParser } from "linkedom";
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

/** The elements matching a CSS selector in some SVG or HTML markup. */
export function select(markup: string, selector: string): DomNode[] {
  const document = new DOMParser().parseFromString(
    `<!DOCTYPE html><html><body>${markup}</body></html>`,
    "text/html",
  );
  return [...document.querySelectorAll(selector)] as DomNode[];
}

/** The members of a parsed element the tests read. */
export interface DomNode {
  getAttribute(name: string): string | null;
  textContent: string | null;
  querySelectorAll(selector: string): Iterable<DomNode>;
}

/** The `rect`s a mark drew (`aria-label` of its group, e.g. "cell", "bar"). */
export function markRects(markup: string, mark: string): DomNode[] {
  return select(markup, `g[aria-label="${mark}"] rect`);
}

/** The tick labels of an axis ("x" or "y"). */
export function tickLabels(markup: string, axis: "x" | "y"): string[] {
  return select(markup, `g[aria-label="${axis}-axis tick label"] text`).map((
    t,
  ) => t.textContent ?? "");
}

/** The y coordinate of an element placed with `transform="translate(x,y)"`. */
export function translateY(node: DomNode): number {
  const m = (node.getAttribute("transform") ?? "").match(
    /translate\(([-\d.e]+),([-\d.e]+)\)/,
  );
  return m ? Number(m[2]) : NaN;
}
