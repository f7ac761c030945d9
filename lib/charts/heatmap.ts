/**
 * Heatmaps: a matrix (embeddings, Q, K, V, attention weights, masked scores)
 * as coloured cells with every value printed, masked (−∞) entries in grey,
 * plus the conversion from a matrix to cells.
 * @module
 */

import { checkOptions, describe } from "../core/_describe.ts";
import * as Plot from "@observablehq/plot";
import {
  CHAR_WIDTH,
  type ChartElement,
  type ChartOptions,
  checkList,
  colorLegend,
  DEFAULT_WIDTH,
  extent,
  formatNumber,
  frame,
  LEGEND_HEIGHT,
  longestLength,
  luminance,
} from "./common.ts";

/** One cell of a heatmap: row label, column label and value. */
export interface HeatCell {
  /** Row label, e.g. `"2 elephant"`. */
  row: string;
  /** Column label, e.g. `"d0"`. */
  column: string;
  /** The value, printed in the cell; `-Infinity` marks a masked entry. */
  value: number;
}

/** Options for {@linkcode matrixCells}. */
export interface MatrixCellsOptions {
  /** One label per matrix row, `[rows]`. */
  rows: string[];
  /** One label per matrix column, `[columns]`. */
  columns: string[];
}

/**
 * Turns a matrix into heatmap cells, row by row.
 *
 * @param matrix The values, `[rows, columns]` (e.g. `[seqLen, seqLen]` attention weights).
 * @param options The row and column labels.
 * @returns One cell per entry, `[rows * columns]`.
 * @throws {RangeError} When the label counts do not match the matrix shape.
 *
 * @example
 * ```ts
 * import { matrixCells } from "./heatmap.ts";
 * const cells = matrixCells([[1, 2], [3, 4]], { rows: ["a", "b"], columns: ["x", "y"] });
 * if (cells[2].row !== "b" || cells[2].column !== "x") throw new Error("order");
 * ```
 */
export function matrixCells(
  matrix: number[][],
  options: MatrixCellsOptions,
): HeatCell[] {
  if (
    typeof options !== "object" || options === null ||
    !Array.isArray(options.rows) || !Array.isArray(options.columns)
  ) {
    throw new TypeError(
      `matrixCells: options must be {rows, columns} (label lists), got ${
        describe(options)
      }`,
    );
  }
  checkList(matrix, "matrix", "matrixCells");
  const { rows, columns } = options;
  for (
    const [name, labels] of [["rows", rows], ["columns", columns]] as const
  ) {
    if (!labels.every((l) => typeof l === "string" || Number.isFinite(l))) {
      throw new TypeError(
        `matrixCells: options.${name} must be a list of labels, got ${
          describe(labels)
        }`,
      );
    }
  }
  if (matrix.length !== rows.length) {
    throw new RangeError(
      `matrixCells: the matrix has ${matrix.length} rows but ${rows.length} row labels were given; give one label per row`,
    );
  }
  const cells: HeatCell[] = [];
  for (const [i, values] of matrix.entries()) {
    if (values.length !== columns.length) {
      throw new RangeError(
        `matrixCells: row ${i} has ${values.length} values but ${columns.length} column labels were given; give one label per column`,
      );
    }
    for (const [j, value] of values.entries()) {
      cells.push({ row: rows[i], column: columns[j], value });
    }
  }
  return cells;
}

/** Options for {@linkcode heatmap}. */
export interface HeatmapOptions extends ChartOptions {
  /** Decimals of the value printed in each cell. Default 2. */
  decimals?: number;
  /**
   * Colour scheme. Default "Blues" when the domain starts at 0 (e.g.
   * attention weights), "RdBu" for a domain that spans negative values.
   */
  scheme?: Plot.ColorScheme;
  /**
   * The values at the two ends of the colour scale. Give the same domain to
   * heatmaps that should be compared (Q, K and V; see {@linkcode colorDomain}),
   * `[0, 1]` for attention weights. Default: `colorDomain` of the values.
   */
  domain?: [number, number];
  /** Rows to outline, e.g. the focus word's row. Default none. */
  markRows?: string[];
  /** Draw a colour legend under the cells. Default true. */
  legend?: boolean;
  /** What the colour means, in the legend. Default "value". */
  legendLabel?: string;
  /**
   * Side of a square cell in pixels, used when `width` is not given. Default:
   * what fits the columns in 640 pixels, between 12 and 48. Values are
   * printed in cells of 28 pixels or more.
   */
  cellSize?: number;
  /**
   * Most rows drawn; more are averaged in bins of consecutive rows, labelled
   * by their index range. Default 48.
   */
  maxRows?: number;
  /** Most columns drawn; more are averaged like rows. Default 48. */
  maxColumns?: number;
}

/**
 * The colour domain that shows some values honestly: `[0, max]` when none is
 * negative, else `[-m, m]` with `m` the largest magnitude (so 0 is the
 * scale's middle). Pass one domain to several heatmaps to put them on one
 * scale.
 *
 * @param values Any numbers, e.g. the values of Q, K and V together.
 * @returns `[low, high]`, never empty (`[0, 1]` for all zeros or no values).
 *
 * @example
 * ```ts
 * import { colorDomain } from "./heatmap.ts";
 * const d = colorDomain([0.5, -2, 1]);
 * if (d[0] !== -2 || d[1] !== 2) throw new Error(String(d));
 * ```
 */
export function colorDomain(values: Iterable<number>): [number, number] {
  const [low, high] = extent(values);
  if (low > high) return [0, 1]; // no values
  const magnitude = Math.max(Math.abs(low), Math.abs(high)) || 1;
  return low < 0 ? [-magnitude, magnitude] : [0, magnitude];
}

/**
 * Heatmap of cells with each value printed inside (white text on dark cells)
 * and a colour legend of swatches underneath. A `-Infinity` cell (a masked
 * entry, e.g. of the causal mask or of scores after it) is grey and printed
 * "−∞"; the colour scale and domain cover the finite values. Rows and columns keep the
 * order in which they first appear in `cells`. Beyond `maxRows` rows or
 * `maxColumns` columns, consecutive rows (columns) are averaged into bins,
 * so a 15,000-token attention matrix stays a readable picture.
 *
 * @param cells The cells, e.g. from {@linkcode matrixCells}.
 * @param options Title, axis labels ("key", "query"), decimals, colour
 *   scheme and domain, marked rows, legend, size limits.
 * @returns The chart element.
 * @throws {RangeError} When `cells` is empty, holds NaN, `+Infinity` or a
 *   value outside `domain`, or `domain` is not two increasing finite numbers.
 *
 * @example
 * ```ts
 * import { heatmap, matrixCells } from "./heatmap.ts";
 * const cells = matrixCells([[0.25, 0.75], [0.5, 0.5]], {
 *   rows: ["0 the", "1 car"],
 *   columns: ["0 the", "1 car"],
 * });
 * const chart = heatmap(cells, { title: "attention weights", domain: [0, 1] });
 * if (!chart.outerHTML.includes("0.75")) throw new Error("value not printed");
 * const masked = heatmap(matrixCells([[0, -Infinity]], { rows: ["a"], columns: ["a", "b"] }));
 * if (!masked.outerHTML.includes("−∞")) throw new Error("mask not printed");
 * ```
 */
export function heatmap(
  cells: HeatCell[],
  options: HeatmapOptions = {},
): ChartElement {
  checkList(cells, "cells", "heatmap", "a cell {row, column, value}");
  checkOptions(options);
  if (cells.length === 0) {
    throw new RangeError("heatmap: cells is empty; give at least one cell");
  }
  for (const c of cells) {
    if (!Number.isFinite(c.value) && c.value !== -Infinity) {
      throw new RangeError(
        `heatmap: cell (${c.row}, ${c.column}) has value ${c.value}; values must be finite, or -Infinity for a masked entry`,
      );
    }
  }
  const domain = options.domain ??
    colorDomain(cells.filter(isOpen).map((c) => c.value));
  if (
    domain.length !== 2 || !Number.isFinite(domain[0]) ||
    !Number.isFinite(domain[1]) || !(domain[0] < domain[1])
  ) {
    throw new RangeError(
      `heatmap: domain is [${domain}]; give two finite numbers, low < high, e.g. [0, 1]`,
    );
  }
  for (const c of cells.filter(isOpen)) {
    if (c.value < domain[0] || c.value > domain[1]) {
      throw new RangeError(
        `heatmap: cell (${c.row}, ${c.column}) has value ${c.value}, outside the domain [${domain}]; widen the domain`,
      );
    }
  }
  const binned = binCells(
    cells,
    options.maxRows ?? 48,
    options.maxColumns ?? 48,
  );
  const shown = binned.cells;
  const open = shown.filter(isOpen);
  const masked = shown.filter((c) => !isOpen(c));
  const decimals = options.decimals ?? 2;
  const rows = [...new Set(shown.map((c) => c.row))];
  const columns = [...new Set(shown.map((c) => c.column))];
  const color = {
    type: "linear" as const,
    scheme: options.scheme ?? (domain[0] < 0 ? "RdBu" : "Blues"),
    domain,
  };
  // The same scale as the cells' fill, to pick a readable text colour per
  // cell and to colour the legend's swatches.
  const scale = Plot.scale({ color });
  const colorOf = (v: number): string => String(scale.apply(v));
  const isDark = (c: HeatCell): boolean => luminance(colorOf(c.value)) < 0.18;
  const longestRow = longestLength(rows);
  const longestColumn = longestLength(columns);
  const rotate = longestColumn > 3;
  const marginLeft = 32 + CHAR_WIDTH * longestRow;
  const marginTop = rotate
    ? 36 + Math.ceil(0.75 * CHAR_WIDTH * longestColumn)
    : 40;
  const legend = options.legend ?? true;
  const marginBottom = legend ? 8 + LEGEND_HEIGHT : 8;
  const cellSize = options.cellSize ??
    Math.min(
      48,
      Math.max(12, (DEFAULT_WIDTH - marginLeft - 16) / columns.length),
    );
  const text = (c: HeatCell): string => formatNumber(c.value, decimals);
  const printValues = cellSize >= 28;
  const marked = new Set(options.markRows ?? []);
  const legendLabel = options.legendLabel ?? "value";
  const marks: Plot.Markish[] = [
    Plot.cell(open, { x: "column", y: "row", fill: "value", inset: 0.5 }),
  ];
  if (masked.length > 0) {
    marks.push(
      Plot.cell(masked, {
        x: "column",
        y: "row",
        fill: MASKED_COLOR,
        inset: 0.5,
      }),
    );
  }
  if (printValues) {
    marks.push(
      Plot.text(open, {
        filter: (c: HeatCell) => !isDark(c),
        x: "column",
        y: "row",
        text,
        fill: "black",
      }),
      Plot.text(open, {
        filter: isDark,
        x: "column",
        y: "row",
        text,
        fill: "white",
      }),
      Plot.text(masked, { x: "column", y: "row", text: () => "−∞" }),
    );
  }
  if (marked.size > 0) {
    marks.push(
      Plot.cell(shown, {
        filter: (c: HeatCell) => marked.has(c.row),
        x: "column",
        y: "row",
        fill: "none",
        stroke: "black",
        strokeWidth: 2,
      }),
    );
  }
  if (legend) {
    marks.push(
      colorLegend({
        domain,
        color: colorOf,
        label: binned.binned ? `${legendLabel} (mean of a bin)` : legendLabel,
        decimals,
      }),
    );
  }
  const binNote = (n: number) => n > 1 ? ` (bins of ${n}, mean)` : "";
  // Square cells: extra width (for a long legend) goes to the right margin.
  // Rotated column labels lean right, past the last column.
  const gridRight = rotate
    ? 16 + Math.ceil(0.75 * CHAR_WIDTH * longestColumn)
    : 16;
  const grid = cellSize * columns.length;
  const width = options.width ??
    Math.round(
      Math.max(
        marginLeft + grid + gridRight,
        legend ? LEGEND_WIDTH + CHAR_WIDTH * legendLabel.length : 0,
      ),
    );
  return Plot.plot({
    ...frame(options),
    width,
    height: Math.round(marginTop + marginBottom + cellSize * rows.length),
    marginLeft,
    marginTop,
    marginRight: options.width === undefined
      ? width - marginLeft - grid
      : gridRight,
    marginBottom,
    color,
    x: {
      domain: columns,
      ticks: everyNth(columns, Math.ceil(14 / cellSize)),
      axis: "top",
      label: (options.xLabel ?? "key") + binNote(binned.columnBin),
      padding: 0,
      ...(rotate ? { tickRotate: -45 } : {}),
    },
    y: {
      domain: rows,
      ticks: everyNth(rows, Math.ceil(12 / cellSize)),
      label: (options.yLabel ?? "query") + binNote(binned.rowBin),
      padding: 0,
    },
    marks,
  });
}

/** The grey of a masked (−∞) cell: outside every colour scheme's ramp. */
const MASKED_COLOR = "#d9d9d9";

/** Whether a cell holds a value rather than a mask (−∞). */
function isOpen(c: HeatCell): boolean {
  return c.value !== -Infinity;
}

/** Every `n`th label, from the first: tick labels that never overlap. */
function everyNth(labels: string[], n: number): string[] {
  return labels.filter((_, i) => i % n === 0);
}

/** Width of the legend's swatches and title without the label. */
const LEGEND_WIDTH = 56 + CHAR_WIDTH * 11 + 6 * 40;

/**
 * Averages the cells in bins of consecutive rows and columns when there are
 * more than `maxRows` rows or `maxColumns` columns; bins are labelled by
 * their index range, e.g. "0–99". A bin's mean is over its finite cells; a
 * bin of masked (−∞) cells only stays masked.
 */
function binCells(
  cells: HeatCell[],
  maxRows: number,
  maxColumns: number,
): { cells: HeatCell[]; rowBin: number; columnBin: number; binned: boolean } {
  const rowIndex = new Map<string, number>();
  const columnIndex = new Map<string, number>();
  for (const c of cells) {
    if (!rowIndex.has(c.row)) rowIndex.set(c.row, rowIndex.size);
    if (!columnIndex.has(c.column)) columnIndex.set(c.column, columnIndex.size);
  }
  const rowBin = Math.ceil(rowIndex.size / Math.max(1, maxRows));
  const columnBin = Math.ceil(columnIndex.size / Math.max(1, maxColumns));
  if (rowBin === 1 && columnBin === 1) {
    return { cells, rowBin, columnBin, binned: false };
  }
  const label = (bin: number, size: number, count: number): string =>
    size === 1 ? "" : `${bin * size}–${Math.min(count, (bin + 1) * size) - 1}`;
  const rowBins = Math.ceil(rowIndex.size / rowBin);
  const columnBins = Math.ceil(columnIndex.size / columnBin);
  const sums = new Float64Array(rowBins * columnBins);
  const counts = new Float64Array(rowBins * columnBins); // finite cells
  const seen = new Uint8Array(rowBins * columnBins); // any cell
  for (const c of cells) {
    const r = Math.floor(rowIndex.get(c.row)! / rowBin);
    const k = Math.floor(columnIndex.get(c.column)! / columnBin);
    seen[r * columnBins + k] = 1;
    if (!isOpen(c)) continue;
    sums[r * columnBins + k] += c.value;
    counts[r * columnBins + k] += 1;
  }
  const rowNames = [...rowIndex.keys()];
  const columnNames = [...columnIndex.keys()];
  const out: HeatCell[] = [];
  for (let r = 0; r < rowBins; r++) {
    for (let k = 0; k < columnBins; k++) {
      const n = counts[r * columnBins + k];
      if (seen[r * columnBins + k] === 0) continue;
      out.push({
        row: label(r, rowBin, rowIndex.size) || rowNames[r],
        column: label(k, columnBin, columnIndex.size) || columnNames[k],
        value: n === 0 ? -Infinity : sums[r * columnBins + k] / n,
      });
    }
  }
  return { cells: out, rowBin, columnBin, binned: true };
}
