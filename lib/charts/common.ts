/**
 * What every chart shares: the chart element and option types, the linkedom
 * document Plot draws into, the palette, token labels and small layout helpers.
 * The chart families (bars, lines, trajectories, heatmaps) build on this file.
 * @module
 */

import * as Plot from "@observablehq/plot";
import { DOMParser } from "linkedom";
import { describe } from "../core/_describe.ts";

/**
 * The document Plot draws into. Deno has no DOM, so the charts are built in a
 * linkedom document; the Deno Jupyter kernel displays the resulting elements.
 */
export const chartDocument: ChartDocument = new DOMParser().parseFromString(
  "<!DOCTYPE html><html></html>",
  "text/html",
);

/**
 * A chart: the `<svg>` element Plot returns (displayed by the Deno Jupyter
 * kernel as image/svg+xml), or an HTML `<figure>` wrapping it when a title or
 * subtitle is given (displayed as text/html). Deno ships no DOM types, so the
 * type names only the members this module relies on.
 */
export interface ChartElement {
  /** "svg" or "figure" (upper-case in HTML documents). */
  readonly tagName: string;
  /** The chart's markup. */
  readonly outerHTML: string;
}

/** A DOM document Plot can draw into (a linkedom or browser `document`). */
export interface ChartDocument {
  /** Plot creates its SVG elements with this. */
  createElementNS(...args: never[]): unknown;
}

/** Options shared by every chart builder. */
export interface ChartOptions {
  /** Title above the chart; turns the output into a `<figure>`. */
  title?: string;
  /** Subtitle under the title; turns the output into a `<figure>`. */
  subtitle?: string;
  /** Label of the horizontal axis; each builder has its own default. */
  xLabel?: string;
  /** Label of the vertical axis; each builder has its own default. */
  yLabel?: string;
  /** Width in pixels. Default 640, the width of a notebook output cell. */
  width?: number;
  /** Document to draw into, e.g. a browser's `document`. Default: a module-level linkedom document. */
  document?: ChartDocument;
}
export const DEFAULT_WIDTH = 640; // a notebook output cell
export const BASE_COLOR = "#4e79a7"; // Tableau blue
export const HIGHLIGHT_COLOR = "#f28e2b"; // Tableau orange
export const POSITIVE_COLOR = "#4e79a7";
export const NEGATIVE_COLOR = "#e15759"; // Tableau red
export const MUTED_COLOR = "#b0b0b0";
export const SERIES_COLORS = [
  "#e15759",
  "#4e79a7",
  "#59a14f",
  "#f28e2b",
  "#b07aa1",
  "#76b7b2",
  "#edc948",
  "#9c755f",
  "#ff9da7",
  "#bab0ac",
];
// Highlighted words (the size words) in trajectories and line views: the
// Okabe–Ito palette, which readers with any common colour-vision deficiency
// can tell apart (vermillion, blue, bluish green, reddish purple, orange,
// sky blue, yellow).
export const SIZE_COLORS = [
  "#d55e00",
  "#0072b2",
  "#009e73",
  "#cc79a7",
  "#e69f00",
  "#56b4e9",
  "#f0e442",
];
export const SVG_NS = "http://www.w3.org/2000/svg";
export const CHAR_WIDTH = 6; // rough width of one character at Plot's 10px font

/**
 * Unique axis labels for token positions, `"${position} ${token}"`, because a
 * sentence can repeat a token ("the" twice) and a chart axis cannot.
 *
 * @param tokens The tokens in order, `[seqLen]`.
 * @returns One label per token, `[seqLen]`.
 *
 * @example
 * ```ts
 * import { tokenLabels } from "./common.ts";
 * const labels = tokenLabels(["the", "car", "the"]);
 * if (labels.join("|") !== "0 the|1 car|2 the") throw new Error(labels.join());
 * ```
 */
export function tokenLabels(tokens: string[]): string[] {
  checkList(tokens, "tokens", "tokenLabels");
  return tokens.map((token, i) => `${i} ${token}`);
}

/** Options common to every plot: document, width, title, subtitle, left margin. */
export function frame(options: ChartOptions): Plot.PlotOptions {
  return {
    // Plot types this as the DOM's Document, which Deno's types only know
    // when a DOM library is loaded; any document Plot can draw into works.
    document:
      (options.document ?? chartDocument) as Plot.PlotOptions["document"],
    width: options.width ?? DEFAULT_WIDTH,
    title: options.title,
    subtitle: options.subtitle,
    marginLeft: 56,
  };
}

/** Rotates band-axis labels when they would collide. */
export function tickRotate(labels: string[]): { tickRotate?: number } {
  const longest = longestLength(labels);
  return labels.length > 8 || longest > 8 ? { tickRotate: -40 } : {};
}

/** Bottom margin fitting the (possibly rotated) band-axis labels and the axis label. */
export function bandAxisMargins(labels: string[]): { marginBottom: number } {
  const rotated = tickRotate(labels).tickRotate !== undefined;
  const longest = longestLength(labels);
  return {
    marginBottom: rotated ? 36 + Math.ceil(0.65 * CHAR_WIDTH * longest) : 40,
  };
}

/** `value` with `decimals` decimals and a typographic minus; never "−0.000". */
export function formatNumber(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return Number(text) === 0 ? (0).toFixed(decimals) : text.replace("-", "−");
}

/** Relative luminance (0 black … 1 white) of an "rgb(r, g, b)" or "#rrggbb" colour; 1 if unknown. */
export function luminance(color: string): number {
  const rgb =
    color.match(/^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/)?.slice(1).map(Number) ??
      color.match(/^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i)?.slice(1).map((
        h,
      ) => parseInt(h, 16));
  if (rgb === undefined) return 1;
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * The smallest and largest of some numbers, with a loop: `Math.max(...xs)`
 * overflows the call stack past about 125,000 numbers. `[Infinity, -Infinity]`
 * when there are none.
 */
export function extent(values: Iterable<number>): [number, number] {
  let low = Infinity, high = -Infinity;
  for (const v of values) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return [low, high];
}

/** The length of the longest string, 0 for none (a loop, see {@linkcode extent}). */
export function longestLength(strings: Iterable<string>): number {
  let longest = 0;
  for (const s of strings) longest = Math.max(longest, s.length);
  return longest;
}

/** Options for {@linkcode colorLegend}. */
export interface ColorLegendOptions {
  /** The values at the two ends of the colour scale. */
  domain: [number, number];
  /** The colour of a value, the same function that colours the marks. */
  color: (value: number) => string;
  /** What the colour means, e.g. "attention weight". */
  label: string;
  /** Decimals of the printed values. Default 2. */
  decimals?: number;
  /** Number of swatches, ends included. Default 5 for a domain around 0, else 6. */
  swatches?: number;
}

/** Height in pixels that {@linkcode colorLegend} needs under the chart. */
export const LEGEND_HEIGHT = 40;

/**
 * A colour legend as a Plot mark drawn into the chart's bottom margin: a row
 * of swatches, each the exact colour of the value printed under it, evenly
 * spaced over the domain. Plot's own continuous legends need a canvas, which
 * linkedom lacks; these swatches are plain SVG and survive `toSvgString`.
 * The chart must reserve {@linkcode LEGEND_HEIGHT} pixels of bottom margin.
 */
export function colorLegend(options: ColorLegendOptions): Plot.Markish {
  const { domain, color, label } = options;
  // Five swatches put 0 in the middle of a signed domain; six suit [0, 1].
  const n = Math.max(
    2,
    options.swatches ?? (domain[0] < 0 && domain[1] > 0 ? 5 : 6),
  );
  const decimals = options.decimals ?? 2;
  const values = Array.from(
    { length: n },
    (_, i) => domain[0] + (domain[1] - domain[0]) * i / (n - 1),
  );
  const swatch = 28;
  const render = (
    _index: number[],
    _scales: unknown,
    _values: unknown,
    dimensions: { height: number; marginLeft: number },
    context: { document: { createElementNS(ns: string, name: string): Svg } },
  ) => {
    const doc = context.document;
    const make = (
      name: string,
      attributes: Record<string, string | number>,
    ) => {
      const element = doc.createElementNS(SVG_NS, name);
      for (const [k, v] of Object.entries(attributes)) {
        element.setAttribute(k, String(v));
      }
      return element;
    };
    const top = dimensions.height - LEGEND_HEIGHT + 8;
    const left = dimensions.marginLeft;
    const g = make("g", { "aria-label": "color legend" });
    const title = make("text", {
      x: left,
      y: top + 9,
      "font-size": 10,
      "text-anchor": "start",
    });
    title.textContent = `colour = ${label}:`;
    g.appendChild(title);
    const start = left + CHAR_WIDTH * (label.length + 11);
    for (const [i, v] of values.entries()) {
      const x = start + i * (swatch + 12);
      g.appendChild(
        make("rect", {
          x,
          y: top,
          width: swatch,
          height: 12,
          fill: color(v),
          stroke: "#999",
          "stroke-width": 0.5,
        }),
      );
      const text = make("text", {
        x: x + swatch / 2,
        y: top + 24,
        "font-size": 10,
        "text-anchor": "middle",
      });
      text.textContent = formatNumber(v, decimals);
      g.appendChild(text);
    }
    return g;
  };
  // A mark with no data of its own, drawn once even in a faceted chart.
  return Plot.frame({
    facet: "super",
    render: render as unknown as Plot.RenderFunction,
  });
}

/** The SVG element members {@linkcode colorLegend} uses. */
interface Svg {
  setAttribute(name: string, value: string): void;
  appendChild(child: Svg): unknown;
  textContent: string | null;
}

/**
 * At most about `maxPoints` points of a series sorted by x, keeping its envelope:
 * the series is cut into buckets of consecutive points and each bucket keeps
 * its first, lowest, highest and last point, in order. A line through them
 * looks like the full line (no spike is lost) at any zoom a chart allows.
 */
export function thinSeries<T>(
  sorted: T[],
  y: (p: T) => number,
  maxPoints: number,
): T[] {
  if (sorted.length <= maxPoints) return sorted;
  const buckets = Math.max(1, Math.floor(maxPoints / 4));
  const size = Math.ceil(sorted.length / buckets);
  const kept: T[] = [];
  for (let start = 0; start < sorted.length; start += size) {
    const end = Math.min(sorted.length, start + size);
    let lowest = start, highest = start;
    for (let i = start; i < end; i++) {
      if (y(sorted[i]) < y(sorted[lowest])) lowest = i;
      if (y(sorted[i]) > y(sorted[highest])) highest = i;
    }
    for (
      const i of [...new Set([start, lowest, highest, end - 1])].sort((a, b) =>
        a - b
      )
    ) {
      kept.push(sorted[i]);
    }
  }
  return kept;
}

/**
 * Indices chosen in priority order, each at least `gap` positions from every
 * index already chosen: which labels to print so that none overlaps.
 */
export function spacedSubset(byPriority: number[], gap: number): Set<number> {
  const chosen = new Set<number>();
  if (gap <= 1) return new Set(byPriority);
  for (const i of byPriority) {
    let clear = true;
    for (const j of chosen) {
      if (Math.abs(i - j) < gap) {
        clear = false;
        break;
      }
    }
    if (clear) chosen.add(i);
  }
  return chosen;
}

/**
 * Checks a chart builder's list argument, so a wrong value gets one sentence
 * instead of "records.map is not a function".
 *
 * @param value The argument.
 * @param name Its name.
 * @param caller The builder, for the message.
 * @param item What each item must be when it must be a record, e.g.
 *   `"a bar {label, value}"`; default: any item.
 * @throws {TypeError} When `value` is not an array, or an item is not a record.
 */
export function checkList(
  value: unknown,
  name: string,
  caller: string,
  item?: string,
): void {
  if (!Array.isArray(value)) {
    throw new TypeError(
      `${caller}: ${name} must be a list, got ${describe(value)}`,
    );
  }
  if (item === undefined) return;
  for (const [i, v] of value.entries()) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw new TypeError(
        `${caller}: ${name}[${i}] must be ${item}, got ${describe(v)}`,
      );
    }
  }
}

/**
 * Checks a list of one number per token (attention weights): array-like,
 * `length` long, every number finite.
 *
 * @param value The argument.
 * @param name Its name.
 * @param length How many numbers it must hold (the sentence's length).
 * @param caller The builder, for the message.
 * @throws {TypeError} When `value` is not a list of numbers.
 * @throws {RangeError} For a wrong length or a number that is not finite.
 */
export function checkWeightList(
  value: unknown,
  name: string,
  length: number,
  caller: string,
): void {
  const list = value as ArrayLike<unknown> | null;
  if (
    typeof list !== "object" || list === null ||
    typeof list.length !== "number"
  ) {
    throw new TypeError(
      `${caller}: ${name} must be a list of ${length} numbers, got ${
        describe(value)
      }`,
    );
  }
  if (list.length !== length) {
    throw new RangeError(
      `${caller}: ${name} must hold ${length} numbers (one per token), got ${list.length}`,
    );
  }
  for (let i = 0; i < length; i++) {
    const v = list[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new RangeError(
        `${caller}: ${name}[${i}] must be a finite number, got ${describe(v)}`,
      );
    }
  }
}

/**
 * Checks the experiment a chart builder is given: what `prepareExperiment`
 * returns (tokens, size positions, config).
 *
 * @param experiment The argument.
 * @param caller The builder, for the message.
 * @throws {TypeError} When it is not an experiment.
 */
export function checkExperimentArgument(
  experiment: unknown,
  caller: string,
): void {
  const e = experiment as Record<string, unknown> | null;
  const isList = (v: unknown, item: (x: unknown) => boolean) =>
    Array.isArray(v) && v.every(item);
  if (
    typeof e !== "object" || e === null ||
    !isList(e.tokens, (t) => typeof t === "string") ||
    !isList(e.tokenIds, Number.isInteger) ||
    typeof e.vocabulary !== "object" || e.vocabulary === null ||
    !Array.isArray((e.vocabulary as { words?: unknown }).words) ||
    (e.tokenIds as number[]).some((id) =>
      !(id >= 0 && id < (e.vocabulary as { words: unknown[] }).words.length)
    ) ||
    (e.tokenIds as unknown[]).length !== (e.tokens as unknown[]).length ||
    !Number.isInteger(e.focusPosition) ||
    !((e.focusPosition as number) >= 0 &&
      (e.focusPosition as number) < (e.tokens as unknown[]).length) ||
    typeof e.focusWord !== "string" ||
    !isList(e.sizePositions, Number.isInteger) ||
    typeof e.config !== "object" || e.config === null ||
    typeof (e.config as { dModel?: unknown }).dModel !== "number"
  ) {
    throw new TypeError(
      `${caller}: experiment must come from prepareExperiment, got ${
        describe(experiment)
      }`,
    );
  }
}
