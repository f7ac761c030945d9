/**
 * The head view and its companion: every layer's and head's attention matrix
 * in one grid on one colour scale (chapters 8 and 9), and one query's row in
 * every head as bars. Weights in as nested arrays, chart elements out.
 * @module
 */

import * as Plot from "@observablehq/plot";
import { checkObject, describe } from "../core/_describe.ts";
import {
  BASE_COLOR,
  CHAR_WIDTH,
  type ChartElement,
  type ChartOptions,
  colorLegend,
  formatNumber,
  frame,
  HIGHLIGHT_COLOR,
  LEGEND_HEIGHT,
  longestLength,
  luminance,
  tokenLabels,
} from "./common.ts";

/** One weight of one head: the records both charts draw. */
export interface HeadCell {
  /** Grid row, e.g. `"layer 0"`. */
  layer: string;
  /** Grid column, e.g. `"head 2"`. */
  head: string;
  /** The query's label, `"position token"`, e.g. `"13 ▁it"`. */
  query: string;
  /** The key's label. */
  key: string;
  /** The attention weight. */
  value: number;
}

/** Options for {@linkcode headCells}. */
export interface HeadCellsOptions {
  /** The token of each position, `[T]`; labels queries and keys. */
  tokens: string[];
  /** Name of each grid row. Default "layer 0", "layer 1", …. */
  rowNames?: string[];
  /** Name of each grid column. Default "head 0", "head 1", …. */
  columnNames?: string[];
  /** The range every value must lie in. Default `[0, 1]`, that of attention weights. */
  domain?: [number, number];
}

/**
 * Turns attention weights into one record per layer, head, query and key, in
 * that order, with the tokens labelled `"position token"` (see `tokenLabels`).
 *
 * @param weights `[heads, T, T]` (one layer) or `[layers, heads, T, T]`, e.g. `tensor.arraySync()`.
 * @param options The tokens (required), grid names, allowed range.
 * @returns `[layers * heads * T * T]` records.
 * @throws {RangeError} When the shape is not `[heads, T, T]` or
 *   `[layers, heads, T, T]` with `T` = `tokens.length`, the names do not fit
 *   the grid, or a value is not finite or lies outside `domain`.
 *
 * @example
 * ```ts
 * import { headCells } from "./heads.ts";
 * const cells = headCells([[[1, 0], [0.5, 0.5]]], { tokens: ["a", "b"] }); // 1 head
 * if (cells.length !== 4 || cells[2].query !== "1 b") throw new Error();
 * ```
 */
export function headCells(
  weights: number[][][] | number[][][][],
  options: HeadCellsOptions,
): HeadCell[] {
  checkObject(options, "options", "an object {tokens, …}");
  const tokens = options.tokens;
  if (
    !Array.isArray(tokens) || tokens.length === 0 ||
    !tokens.every((t) => typeof t === "string")
  ) {
    throw new TypeError(
      `headCells: options.tokens must be a non-empty list of strings, got ${
        describe(tokens)
      }`,
    );
  }
  const T = tokens.length;
  if (
    !Array.isArray(weights) ||
    (weights.length > 0 && !Array.isArray(weights[0]))
  ) {
    throw new TypeError(
      `headCells: weights must be nested lists [heads][T][T] or [layers][heads][T][T] of numbers, got ${
        describe(weights)
      }`,
    );
  }
  const grid =
    (Array.isArray(weights[0]?.[0]?.[0])
      ? weights
      : [weights]) as number[][][][]; // [layers, heads, T, T]
  const layers = grid.length;
  const heads = grid[0]?.length ?? 0;
  if (layers === 0 || heads === 0) {
    throw new RangeError(
      `headCells: weights has ${layers} layer(s) and ${heads} head(s); give at least one of each`,
    );
  }
  const rowNames = options.rowNames ??
    Array.from({ length: layers }, (_, i) => `layer ${i}`);
  const columnNames = options.columnNames ??
    Array.from({ length: heads }, (_, i) => `head ${i}`);
  if (rowNames.length !== layers || columnNames.length !== heads) {
    throw new RangeError(
      `headCells: the grid is ${layers} × ${heads} but ${rowNames.length} row name(s) and ${columnNames.length} column name(s) were given`,
    );
  }
  const domain = options.domain ?? [0, 1];
  const labels = tokenLabels(tokens);
  const cells: HeadCell[] = [];
  for (const [l, layer] of grid.entries()) {
    if (layer.length !== heads) {
      throw new RangeError(
        `headCells: layer ${l} has ${layer.length} heads, layer 0 has ${heads}; every layer needs the same number`,
      );
    }
    for (const [h, matrix] of layer.entries()) {
      if (
        !Array.isArray(matrix) || matrix.length !== T ||
        matrix.some((row) => !Array.isArray(row) || row.length !== T)
      ) {
        throw new RangeError(
          `headCells: weights matrix [${l}, ${h}] is not ${T} × ${T}; give one row and one column per token`,
        );
      }
      for (const [q, row] of matrix.entries()) {
        for (const [k, value] of row.entries()) {
          if (
            !Number.isFinite(value) || value < domain[0] || value > domain[1]
          ) {
            throw new RangeError(
              `headCells: weights value [${l}, ${h}, ${q}, ${k}] is ${
                describe(value)
              }; values must be finite and within the domain [${domain}]`,
            );
          }
          cells.push({
            layer: rowNames[l],
            head: columnNames[h],
            query: labels[q],
            key: labels[k],
            value,
          });
        }
      }
    }
  }
  return cells;
}

/** Options for {@linkcode headView}. */
export interface HeadViewOptions extends ChartOptions, HeadCellsOptions {
  /** A query position to outline in every matrix (the focus word). Default none. */
  markQuery?: number;
  /**
   * Side of one cell in pixels. Default: what fits the grid in about 640
   * pixels, 4 to 26. Values are printed in cells of 14 pixels or more.
   */
  cellSize?: number;
  /** How printed values read: `"decimal"` (".25"), `"percent"` ("25") or `"none"`. Default "decimal". */
  values?: "decimal" | "percent" | "none";
  /** Decimals of a printed value (of the percentage for "percent"). Default 2 for "decimal", 0 for "percent". */
  decimals?: number;
  /** Only values of at least this are printed. Default: all. */
  printAbove?: number;
}

/**
 * The head view: one small attention matrix per layer (rows of the grid) and
 * head (columns), queries down, keys across, labelled by token, on one colour
 * scale with one legend of swatches, so that panels compare. Values are
 * printed in the cells when the cells are large enough (white on dark cells);
 * `markQuery` outlines the focus word's row in every matrix. Tools such as
 * bertviz call this the "model view".
 *
 * @param weights `[heads, T, T]` (one row of panels) or `[layers, heads, T, T]`.
 * @param options The tokens (required), grid names, colour domain, marked
 *   query, cell size, which values to print and how.
 * @returns The chart element.
 * @throws {RangeError} As {@linkcode headCells}, and when `markQuery` is not a position.
 *
 * @example
 * ```ts
 * import { headView } from "./heads.ts";
 * const uniform = [[0.5, 0.5], [0.5, 0.5]];
 * const chart = headView([uniform, [[1, 0], [0, 1]]], { tokens: ["a", "b"] });
 * if (!chart.outerHTML.includes("head 1")) throw new Error("head not named");
 * if (!chart.outerHTML.includes(">.50<")) throw new Error("value not printed");
 * ```
 */
export function headView(
  weights: number[][][] | number[][][][],
  options: HeadViewOptions,
): ChartElement {
  const cells = headCells(weights, options);
  const { tokens } = options;
  const T = tokens.length;
  const labels = tokenLabels(tokens);
  const rowNames = [...new Set(cells.map((c) => c.layer))];
  const columnNames = [...new Set(cells.map((c) => c.head))];
  const layers = rowNames.length;
  const heads = columnNames.length;
  const domain = options.domain ?? [0, 1];
  const longest = longestLength(labels);
  const cellSize = options.cellSize ??
    Math.max(4, Math.min(26, Math.floor(560 / (heads * (T + 2)))));
  const every = Math.ceil(11 / cellSize); // one tick label per 11 px
  const ticks = labels.filter((_, i) => i % every === 0);
  const panel = cellSize * T;
  const marginLeft = 24 + CHAR_WIDTH * longest;
  const marginTop = 24 + CHAR_WIDTH * longest;
  const gap = 16;
  const rightNames = layers > 1 ? CHAR_WIDTH * longestLength(rowNames) : 0;
  const width = options.width ??
    Math.round(marginLeft + 16 + heads * (panel + gap) + rightNames);
  const height = Math.round(
    marginTop + 16 + LEGEND_HEIGHT + layers * (panel + gap),
  );
  const color = {
    type: "linear" as const,
    scheme: "Blues" as const,
    domain,
  };
  const scale = Plot.scale({ color });
  const colorOf = (v: number): string => String(scale.apply(v));
  const facets = { fx: "head", fy: "layer", x: "key", y: "query" } as const;
  const marks: Plot.Markish[] = [
    Plot.cell(cells, { ...facets, fill: "value", inset: 0.25 }),
  ];
  const style = options.values ?? "decimal";
  const fontSize = Math.min(10, cellSize / 1.75);
  if (style !== "none" && fontSize >= 8) {
    const decimals = options.decimals ?? (style === "percent" ? 0 : 2);
    const printAbove = options.printAbove ?? -Infinity;
    const text = (c: HeadCell): string =>
      style === "percent"
        ? formatNumber(100 * c.value, decimals)
        : formatNumber(c.value, decimals).replace(/^(−?)0\./, "$1."); // ".25" fits a cell
    const dark = (c: HeadCell): boolean => luminance(colorOf(c.value)) < 0.18;
    for (const fill of ["black", "white"]) {
      marks.push(
        Plot.text(cells, {
          ...facets,
          filter: (c: HeadCell) =>
            c.value >= printAbove && dark(c) === (fill === "white"),
          text,
          fill,
          fontSize,
        }),
      );
    }
  }
  if (options.markQuery !== undefined) {
    const focus = labels[options.markQuery];
    if (focus === undefined) {
      throw new RangeError(
        `headView: markQuery is ${
          describe(options.markQuery)
        }; give a position from 0 to ${T - 1}`,
      );
    }
    marks.push(
      Plot.cell(cells, {
        ...facets,
        filter: (c: HeadCell) => c.query === focus,
        fill: "none",
        stroke: HIGHLIGHT_COLOR,
        strokeWidth: 1.5,
      }),
    );
  }
  marks.push(
    colorLegend({ domain, color: colorOf, label: "attention weight" }),
  );
  return Plot.plot({
    ...frame(options),
    width,
    height,
    marginLeft,
    marginTop,
    marginRight: 16 + rightNames,
    marginBottom: 16 + LEGEND_HEIGHT,
    color,
    fx: { domain: columnNames, label: null, padding: gap / (panel + gap) },
    fy: {
      domain: rowNames,
      label: null,
      padding: gap / (panel + gap),
      axis: layers > 1 ? "right" : null,
    },
    x: {
      domain: labels,
      ticks,
      axis: "top",
      tickRotate: -90,
      label: options.xLabel ?? "key →",
      padding: 0,
    },
    y: {
      domain: labels,
      ticks,
      label: options.yLabel ?? "query ↓",
      padding: 0,
    },
    marks,
  });
}

/** Options for {@linkcode headRowBars}. */
export interface HeadRowBarsOptions extends ChartOptions, HeadCellsOptions {
  /** The query position whose row is drawn (the focus word). */
  query: number;
  /** Key positions whose bars are orange (e.g. the size words). Default none. */
  highlight?: number[];
  /** Only weights of at least this are printed. Default 0.1. */
  printAbove?: number;
}

/**
 * One query's attention row in every head, as bars: one panel per layer
 * (rows) and head (columns), keys down, the weight across, printed when at
 * least `printAbove`.
 *
 * @param weights `[heads, T, T]` or `[layers, heads, T, T]`, as for {@linkcode headView}.
 * @param options The tokens and the query position (required), highlighted keys, grid names.
 * @returns The chart element.
 * @throws {RangeError} As {@linkcode headCells}, and when `query` or a
 *   highlighted position is not a position.
 *
 * @example
 * ```ts
 * import { headRowBars } from "./heads.ts";
 * const chart = headRowBars([[[1, 0], [0.25, 0.75]]], { tokens: ["a", "b"], query: 1 });
 * if (!chart.outerHTML.includes("0.75")) throw new Error("value not printed");
 * ```
 */
export function headRowBars(
  weights: number[][][] | number[][][][],
  options: HeadRowBarsOptions,
): ChartElement {
  const cells = headCells(weights, options);
  const labels = tokenLabels(options.tokens);
  const T = labels.length;
  for (const position of [options.query, ...(options.highlight ?? [])]) {
    if (!Number.isInteger(position) || position < 0 || position >= T) {
      throw new RangeError(
        `headRowBars: position ${
          describe(position)
        } (query or highlight) is not a token; give a position from 0 to ${
          T - 1
        }`,
      );
    }
  }
  const query = labels[options.query];
  const row = cells.filter((c) => c.query === query); // [layers * heads * T]
  const highlight = new Set((options.highlight ?? []).map((i) => labels[i]));
  const printAbove = options.printAbove ?? 0.1;
  const domain = options.domain ?? [0, 1];
  const rowNames = [...new Set(cells.map((c) => c.layer))];
  const heads = new Set(cells.map((c) => c.head)).size;
  const marginLeft = 20 + CHAR_WIDTH * longestLength(labels);
  const marginRight = 16 + CHAR_WIDTH * longestLength(rowNames);
  const panelWidth = 150;
  return Plot.plot({
    ...frame(options),
    width: options.width ?? marginLeft + heads * (panelWidth + 10) +
        marginRight,
    height: 70 + rowNames.length * (14 * T + 20),
    marginLeft,
    marginRight,
    fx: { label: null, axis: "top" },
    fy: { label: null, axis: "right" },
    x: {
      domain,
      label: options.xLabel ?? `weight of ${query}`,
      ticks: [domain[0], (domain[0] + domain[1]) / 2], // the end would touch the next panel's start
    },
    y: { domain: labels, label: options.yLabel ?? "key" },
    marks: [
      Plot.frame({ stroke: "#ddd" }),
      Plot.barX(row, {
        fx: "head",
        fy: "layer",
        x: "value",
        y: "key",
        fill: (c: HeadCell) =>
          highlight.has(c.key) ? HIGHLIGHT_COLOR : BASE_COLOR,
      }),
      Plot.text(row, {
        filter: (c: HeadCell) => c.value >= printAbove,
        fx: "head",
        fy: "layer",
        x: "value",
        y: "key",
        text: (c: HeadCell) => formatNumber(c.value, 2),
        textAnchor: "start",
        dx: 3,
        fontSize: 9,
      }),
    ],
  });
}
