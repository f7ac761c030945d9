/**
 * What every chart shares: the chart element and option types, the linkedom
 * document Plot draws into, the palette, token labels and small layout helpers.
 * The chart families (bars, lines, trajectories, heatmaps) build on this file.
 * @module
 */

import * as Plot from "@observablehq/plot";
import { DOMParser } from "linkedom";

/**
 * The document Plot draws into. Deno has no DOM, so the charts are built in a
 * linkedom document; the Deno Jupyter kernel displays the resulting elements.
 */
const document: ChartDocument = new DOMParser().parseFromString(
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
// Highlighted trajectories (the size words): warm colours, like the orange
// size-word bars, distinct enough to tell the words apart.
export const WARM_COLORS = [
  "#f28e2b",
  "#9c5a1b",
  "#d4a017",
  "#c0504d",
  "#8c6d31",
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
  return tokens.map((token, i) => `${i} ${token}`);
}

/** Options common to every plot: document, width, title, subtitle, left margin. */
export function frame(options: ChartOptions): Plot.PlotOptions {
  return {
    // Plot types this as the DOM's Document, which Deno's types only know
    // when a DOM library is loaded; any document Plot can draw into works.
    document: (options.document ?? document) as Plot.PlotOptions["document"],
    width: options.width ?? DEFAULT_WIDTH,
    title: options.title,
    subtitle: options.subtitle,
    marginLeft: 56,
  };
}

/** Rotates band-axis labels when they would collide. */
export function tickRotate(labels: string[]): { tickRotate?: number } {
  const longest = Math.max(...labels.map((l) => l.length));
  return labels.length > 8 || longest > 8 ? { tickRotate: -40 } : {};
}

/** Bottom margin fitting the (possibly rotated) band-axis labels and the axis label. */
export function bandAxisMargins(labels: string[]): { marginBottom: number } {
  const rotated = tickRotate(labels).tickRotate !== undefined;
  const longest = Math.max(...labels.map((l) => l.length));
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
