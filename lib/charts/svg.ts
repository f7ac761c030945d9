/**
 * Standalone SVG: turns any chart (a plain `<svg>` or a titled `<figure>`)
 * into one `.svg` file's text, for the CLI's `--svg` and the live view, and
 * puts several charts side by side in one notebook output.
 * @module
 */

import { describe } from "../core/_describe.ts";
import { type ChartElement, checkList, SVG_NS } from "./common.ts";

/** A displayable HTML snippet, in the shape Deno's Jupyter kernel displays. */
export interface HtmlDisplay {
  /** Returns the MIME bundle the kernel sends. */
  [key: symbol]: () => Record<string, string>;
}

/**
 * Several charts side by side in one notebook output (wrapping onto the next
 * line when the cell is too narrow), e.g. the attention matrix before
 * training beside the one after. Each chart becomes standalone SVG (see
 * {@linkcode toSvgString}), so titles stay with their charts.
 *
 * @param charts The charts, left to right.
 * @returns An object the Deno kernel displays as one `text/html` output.
 * @throws {RangeError} When `charts` is empty.
 *
 * @example
 * ```ts
 * import { attentionBars } from "./bars.ts";
 * import { chartRow } from "./svg.ts";
 * const a = attentionBars([{ label: "0 a", value: 1 }], { title: "before" });
 * const b = attentionBars([{ label: "0 a", value: 1 }], { title: "after" });
 * const html = chartRow([a, b])[Symbol.for("Jupyter.display")]()["text/html"];
 * if (!html.includes("before") || !html.includes("after")) throw new Error(html);
 * ```
 */
export function chartRow(charts: ChartElement[]): HtmlDisplay {
  checkList(charts, "charts", "chartRow", "a chart (an <svg> or <figure>)");
  if (charts.length === 0) {
    throw new RangeError("chartRow: charts is empty; give at least one chart");
  }
  const html =
    `<div style="display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start">${
      charts.map((c) => toSvgString(c)).join("")
    }</div>`;
  return { [Symbol.for("Jupyter.display")]: () => ({ "text/html": html }) };
}

/**
 * Standalone SVG text for a chart, to write to a `.svg` file.
 *
 * - An `<svg>` is returned as is, with `xmlns` added.
 * - A `<figure>` (a chart with a title or subtitle) is turned into one `<svg>`:
 *   its chart svg, moved down, with the title and subtitle drawn above it as
 *   SVG `<text>` (and the title also as the SVG's `<title>`). A caption, if
 *   any, is drawn below. Legends (HTML swatches) are dropped; the builders in
 *   this module draw none.
 *
 * The chart element itself is not modified.
 *
 * @param chartElement A chart returned by a builder in this module or by `Plot.plot`.
 * @returns SVG markup starting with `<svg` and declaring the SVG namespace.
 * @throws {TypeError} When `element` is neither an `<svg>` nor a `<figure>` holding one.
 *
 * @example
 * ```ts
 * import { attentionBars } from "./bars.ts";
 * import { toSvgString } from "./svg.ts";
 * const svg = toSvgString(attentionBars([{ label: "0 the", value: 1 }], { title: "weights" }));
 * if (!svg.startsWith("<svg") || !svg.includes("weights")) throw new Error(svg.slice(0, 80));
 * ```
 */
export function toSvgString(chartElement: ChartElement): string {
  const element = chartElement as DomElement;
  if (
    typeof element !== "object" || element === null ||
    typeof element.tagName !== "string"
  ) {
    throw new TypeError(
      `toSvgString: chartElement must be a chart (an <svg> or <figure> element), got ${
        describe(chartElement)
      }`,
    );
  }
  const tag = element.tagName.toLowerCase();
  if (tag === "svg") {
    const svg = element.cloneNode(true);
    svg.setAttribute("xmlns", SVG_NS);
    return svg.outerHTML;
  }
  const chart = tag === "figure"
    ? Array.from(element.children).find((c) =>
      c.tagName.toLowerCase() === "svg"
    )
    : undefined;
  if (chart === undefined) {
    throw new TypeError(
      `toSvgString: expected an <svg> or a <figure> containing one, got <${tag}>`,
    );
  }
  const doc = element.ownerDocument;
  const textOf = (selector: string): string | undefined =>
    element.querySelector(selector)?.textContent ?? undefined;
  const title = textOf("h2");
  const subtitle = textOf("h3");
  const caption = textOf("figcaption");

  const svg = chart.cloneNode(true);
  const width = Number(svg.getAttribute("width"));
  const height = Number(svg.getAttribute("height"));
  const header = (title ? 24 : 0) + (subtitle ? 18 : 0) +
    (title || subtitle ? 8 : 0);
  const footer = caption ? 22 : 0;

  // Move the chart (everything but its <style>) down by the header's height.
  const body = doc.createElementNS(SVG_NS, "g");
  body.setAttribute("transform", `translate(0,${header})`);
  for (const child of Array.from(svg.children)) {
    if (child.tagName.toLowerCase() !== "style") body.appendChild(child);
  }
  svg.appendChild(body);

  const addText = (
    content: string,
    y: number,
    attributes: Record<string, string>,
  ): void => {
    const text = doc.createElementNS(SVG_NS, "text");
    text.setAttribute("x", "0");
    text.setAttribute("y", String(y));
    text.setAttribute("text-anchor", "start");
    for (const [name, value] of Object.entries(attributes)) {
      text.setAttribute(name, value);
    }
    text.textContent = content;
    svg.appendChild(text);
  };
  if (title) {
    const titleElement = doc.createElementNS(SVG_NS, "title");
    titleElement.textContent = title;
    svg.insertBefore(titleElement, svg.firstChild);
    addText(title, 18, { "font-size": "16", "font-weight": "bold" });
  }
  if (subtitle) {
    addText(subtitle, title ? 38 : 14, { "font-size": "12", fill: "#555" });
  }
  if (caption) {
    addText(caption, header + height + 15, { "font-size": "11", fill: "#555" });
  }

  // Wide enough for the title, subtitle and caption: a narrow chart (a
  // heatmap of four columns) must not clip its title.
  const wide = Math.ceil(Math.max(
    width,
    TITLE_CHAR_WIDTH * (title?.length ?? 0) + 8,
    SMALL_CHAR_WIDTH * (subtitle?.length ?? 0) + 8,
    SMALL_CHAR_WIDTH * (caption?.length ?? 0) + 8,
  ));
  const total = header + height + footer;
  svg.setAttribute("width", String(wide));
  svg.setAttribute("height", String(total));
  svg.setAttribute("viewBox", `0 0 ${wide} ${total}`);
  svg.setAttribute("xmlns", SVG_NS);
  return svg.outerHTML;
}

/** Upper bounds of a character's width: bold 16 px titles, 11–12 px text. */
const TITLE_CHAR_WIDTH = 10;
const SMALL_CHAR_WIDTH = 7.5;

/** The DOM members {@linkcode toSvgString} uses (Deno ships no DOM types). */
interface DomElement {
  readonly tagName: string;
  readonly outerHTML: string;
  textContent: string | null;
  readonly children: ArrayLike<DomElement>;
  readonly firstChild: unknown;
  readonly ownerDocument: {
    createElementNS(namespace: string, name: string): DomElement;
  };
  cloneNode(deep: boolean): DomElement;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  querySelector(selector: string): DomElement | null;
  appendChild(child: DomElement): unknown;
  insertBefore(child: DomElement, before: unknown): unknown;
}
