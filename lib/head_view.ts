/**
 * Charts of a multi-layer, multi-head model's attention (chapter 9): the head
 * view, a grid of one heatmap per layer and head, and one query's row in
 * every head as bars. Plain arrays in, Plot charts out, like `charts.ts`.
 * @module
 */

import * as Plot from "@observablehq/plot";
import { DOMParser } from "linkedom";
import {
  type ChartElement,
  type ChartOptions,
  tokenLabels,
} from "./charts/common.ts";

const document = new DOMParser().parseFromString(
  "<!DOCTYPE html><html></html>",
  "text/html",
);

const BASE_COLOR = "#4e79a7"; // Tableau blue, as in charts.ts
const HIGHLIGHT_COLOR = "#f28e2b"; // Tableau orange, as in charts.ts
const CHAR_WIDTH = 6; // rough width of one character at Plot's 10px font

/** One weight of one head: the records both charts draw. */
export interface HeadCell {
  /** Panel row, e.g. `"layer 0"`. */
  layer: string;
  /** Panel column, e.g. `"head 2"`. */
  head: string;
  /** The query token's label, e.g. `"13 ▁it"`. */
  query: string;
  /** The key token's label. */
  key: string;
  /** The attention weight. */
  weight: number;
}

/**
 * Turns attention weights into one record per layer, head, query and key,
 * with the tokens labelled `"position piece"` (see `tokenLabels`).
 *
 * @param weights `[layers, heads, T, T]` as nested arrays (`tensor.arraySync()`).
 * @param tokens The tokens, `[T]`.
 * @returns `[layers * heads * T * T]` records.
 * @throws {RangeError} When the shape does not match the tokens, or a weight is not finite.
 *
 * @example
 * ```ts
 * import { headCells } from "./head_view.ts";
 * const cells = headCells([[[[1, 0], [0.5, 0.5]]]], ["a", "b"]); // 1 layer, 1 head
 * if (cells.length !== 4 || cells[2].query !== "1 b") throw new Error();
 * ```
 */
export function headCells(
  weights: number[][][][],
  tokens: string[],
): HeadCell[] {
  const labels = tokenLabels(tokens);
  const cells: HeadCell[] = [];
  for (const [l, layer] of weights.entries()) {
    for (const [h, matrix] of layer.entries()) {
      if (
        matrix.length !== tokens.length ||
        matrix.some((row) => row.length !== tokens.length)
      ) {
        throw new RangeError(
          `headCells: layer ${l} head ${h} is not ${tokens.length} × ${tokens.length} (one row and column per token)`,
        );
      }
      for (const [q, row] of matrix.entries()) {
        for (const [k, weight] of row.entries()) {
          if (!Number.isFinite(weight)) {
            throw new RangeError(
              `headCells: layer ${l} head ${h} has weight ${weight} at (${q}, ${k}); weights must be finite`,
            );
          }
          cells.push({
            layer: `layer ${l}`,
            head: `head ${h}`,
            query: labels[q],
            key: labels[k],
            weight,
          });
        }
      }
    }
  }
  return cells;
}

/** Options for {@linkcode headView}. */
export interface HeadViewOptions extends ChartOptions {
  /** Side of one heatmap cell in pixels. Default 14. */
  cellSize?: number;
  /** Weights at least this large get their value printed (in %). Default 0.2. */
  printAbove?: number;
}

/**
 * The head view: one heatmap per layer (rows of panels) and head (columns of
 * panels), queries down, keys across, on one colour scale from 0 to 1.
 * Weights of at least `printAbove` are printed in percent inside their cell
 * (no colour legend: continuous legends need a canvas).
 *
 * @param cells From {@linkcode headCells}.
 * @param options Title, cell size, which values to print.
 * @returns The chart element.
 * @throws {RangeError} When `cells` is empty.
 *
 * @example
 * ```ts
 * import { headCells, headView } from "./head_view.ts";
 * const chart = headView(headCells([[[[1, 0], [0.5, 0.5]]]], ["a", "b"]));
 * if (!chart.outerHTML.includes("50")) throw new Error("value not printed");
 * ```
 */
export function headView(
  cells: HeadCell[],
  options: HeadViewOptions = {},
): ChartElement {
  if (cells.length === 0) {
    throw new RangeError("headView: cells is empty; give at least one cell");
  }
  const size = options.cellSize ?? 14;
  const printAbove = options.printAbove ?? 0.2;
  const keys = [...new Set(cells.map((c) => c.key))];
  const heads = new Set(cells.map((c) => c.head)).size;
  const layers = new Set(cells.map((c) => c.layer)).size;
  const longest = Math.max(...keys.map((k) => k.length));
  const marginLeft = 20 + CHAR_WIDTH * longest;
  const marginTop = 30 + Math.ceil(0.75 * CHAR_WIDTH * longest);
  const gap = 12;
  const panel = size * keys.length;
  const printed = (c: HeadCell): boolean => c.weight >= printAbove;
  const dark = (c: HeadCell): boolean => c.weight >= 0.55;
  const percent = (c: HeadCell): string => String(Math.round(100 * c.weight));
  return Plot.plot({
    ...frame(options),
    width: options.width ?? marginLeft + heads * (panel + gap) + 50,
    height: marginTop + layers * (panel + gap) + 30,
    marginLeft,
    marginTop,
    marginRight: 50, // the layer names
    marginBottom: 30, // the head names
    color: { type: "linear", scheme: "Blues", domain: [0, 1] },
    fx: { label: null, axis: "bottom", padding: gap / (panel + gap) },
    fy: { label: null, axis: "right", padding: gap / (panel + gap) },
    x: {
      domain: keys,
      axis: "top",
      label: options.xLabel ?? "key",
      tickRotate: -90,
      padding: 0,
    },
    y: { domain: keys, label: options.yLabel ?? "query", padding: 0 },
    marks: [
      Plot.cell(cells, {
        fx: "head",
        fy: "layer",
        x: "key",
        y: "query",
        fill: "weight",
        inset: 0.25,
      }),
      Plot.text(cells, {
        filter: (c: HeadCell) => printed(c) && !dark(c),
        fx: "head",
        fy: "layer",
        x: "key",
        y: "query",
        text: percent,
        fontSize: 8,
        fill: "black",
      }),
      Plot.text(cells, {
        filter: (c: HeadCell) => printed(c) && dark(c),
        fx: "head",
        fy: "layer",
        x: "key",
        y: "query",
        text: percent,
        fontSize: 8,
        fill: "white",
      }),
    ],
  }) as unknown as ChartElement;
}

/** Options for {@linkcode headRowBars}. */
export interface HeadRowBarsOptions extends ChartOptions {
  /** Key labels whose bars are orange (e.g. the nouns). Default none. */
  highlight?: string[];
}

/**
 * One query's attention row in every head, as bars: one panel per layer
 * (rows) and head (columns), keys down, the weight across, printed when at
 * least 0.1.
 *
 * @param cells From {@linkcode headCells}.
 * @param query The query's label, e.g. `"13 ▁it"`.
 * @param options Title, highlighted keys.
 * @returns The chart element.
 * @throws {RangeError} When no cell has that query.
 *
 * @example
 * ```ts
 * import { headCells, headRowBars } from "./head_view.ts";
 * const chart = headRowBars(headCells([[[[1, 0], [0.25, 0.75]]]], ["a", "b"]), "1 b");
 * if (!chart.outerHTML.includes("0.75")) throw new Error("value not printed");
 * ```
 */
export function headRowBars(
  cells: HeadCell[],
  query: string,
  options: HeadRowBarsOptions = {},
): ChartElement {
  const row = cells.filter((c) => c.query === query);
  if (row.length === 0) {
    const queries = [...new Set(cells.map((c) => c.query))];
    throw new RangeError(
      `headRowBars: no query ${JSON.stringify(query)}; the queries are ${
        queries.map((q) => JSON.stringify(q)).join(", ")
      }`,
    );
  }
  const keys = [...new Set(row.map((c) => c.key))];
  const highlight = new Set(options.highlight ?? []);
  const longest = Math.max(...keys.map((k) => k.length));
  const heads = new Set(row.map((c) => c.head)).size;
  const layers = new Set(row.map((c) => c.layer)).size;
  const marginLeft = 20 + CHAR_WIDTH * longest;
  const panelWidth = 150;
  return Plot.plot({
    ...frame(options),
    width: options.width ?? marginLeft + heads * (panelWidth + 10) + 60,
    height: 70 + layers * (14 * keys.length + 20),
    marginLeft,
    marginRight: 60, // the layer names
    fx: { label: null, axis: "top" },
    fy: { label: null, axis: "right" },
    x: {
      domain: [0, 1],
      label: options.xLabel ?? `weight of ${query}`,
      ticks: [0, 0.5], // 1 would touch the next panel's 0
    },
    y: { domain: keys, label: options.yLabel ?? "key" },
    marks: [
      Plot.frame({ stroke: "#ddd" }),
      Plot.barX(row, {
        fx: "head",
        fy: "layer",
        x: "weight",
        y: "key",
        fill: (c: HeadCell) =>
          highlight.has(c.key) ? HIGHLIGHT_COLOR : BASE_COLOR,
      }),
      Plot.text(row, {
        filter: (c: HeadCell) => c.weight >= 0.1,
        fx: "head",
        fy: "layer",
        x: "weight",
        y: "key",
        text: (c: HeadCell) => c.weight.toFixed(2),
        textAnchor: "start",
        dx: 3,
        fontSize: 9,
      }),
    ],
  }) as unknown as ChartElement;
}

function frame(options: ChartOptions): Plot.PlotOptions {
  return {
    // as in charts.ts: Plot types this as the DOM's Document
    document: (options.document ?? document) as Plot.PlotOptions["document"],
    ...(options.title === undefined ? {} : { title: options.title }),
    ...(options.subtitle === undefined ? {} : { subtitle: options.subtitle }),
  };
}
