/**
 * Heatmaps: a matrix (embeddings, Q, K, V, attention weights) as coloured
 * cells with every value printed, plus the conversion from a matrix to cells.
 * @module
 */

import * as Plot from "@observablehq/plot";
import {
  CHAR_WIDTH,
  type ChartElement,
  type ChartOptions,
  DEFAULT_WIDTH,
  formatNumber,
  frame,
  luminance,
} from "./common.ts";

/** One cell of a heatmap: row label, column label and value. */
export interface HeatCell {
  /** Row label, e.g. `"2 elephant"`. */
  row: string;
  /** Column label, e.g. `"d0"`. */
  column: string;
  /** The value, printed in the cell. */
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
  const { rows, columns } = options;
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
   * Colour scheme. Default "Blues" when all values are ≥ 0 (e.g. attention
   * weights), "RdBu" with a domain symmetric around 0 otherwise.
   */
  scheme?: Plot.ColorScheme;
  /**
   * Side of a square cell in pixels, used when `width` is not given. Default:
   * what fits the columns in 640 pixels, between 32 and 48.
   */
  cellSize?: number;
}

/**
 * Heatmap of cells with each value printed inside (white text on dark cells).
 * Rows and columns keep the order in which they first appear in `cells`. No
 * colour legend: the printed values replace it (continuous legends need a
 * canvas, which linkedom lacks).
 *
 * @param cells The cells, e.g. from {@linkcode matrixCells}.
 * @param options Title, axis labels ("key", "query"), decimals, colour scheme.
 * @returns The chart element.
 * @throws {RangeError} When `cells` is empty or holds a non-finite value.
 *
 * @example
 * ```ts
 * import { heatmap, matrixCells } from "./heatmap.ts";
 * const cells = matrixCells([[0.25, 0.75], [0.5, 0.5]], {
 *   rows: ["0 the", "1 car"],
 *   columns: ["0 the", "1 car"],
 * });
 * const chart = heatmap(cells, { title: "attention weights" });
 * if (!chart.outerHTML.includes("0.75")) throw new Error("value not printed");
 * ```
 */
export function heatmap(
  cells: HeatCell[],
  options: HeatmapOptions = {},
): ChartElement {
  if (cells.length === 0) {
    throw new RangeError("heatmap: cells is empty; give at least one cell");
  }
  for (const c of cells) {
    if (!Number.isFinite(c.value)) {
      throw new RangeError(
        `heatmap: cell (${c.row}, ${c.column}) has value ${c.value}; values must be finite`,
      );
    }
  }
  const decimals = options.decimals ?? 2;
  const rows = [...new Set(cells.map((c) => c.row))];
  const columns = [...new Set(cells.map((c) => c.column))];
  const values = cells.map((c) => c.value);
  const signed = values.some((v) => v < 0);
  const extent = Math.max(...values.map(Math.abs)) || 1;
  const color = {
    type: "linear" as const,
    scheme: options.scheme ?? (signed ? "RdBu" : "Blues"),
    domain: signed ? [-extent, extent] : [0, extent],
  };
  // The same scale as the cells' fill, to pick a readable text colour per cell.
  const scale = Plot.scale({ color });
  const isDark = (c: HeatCell): boolean =>
    luminance(String(scale.apply(c.value))) < 0.18;
  const longestRow = Math.max(...rows.map((r) => r.length));
  const longestColumn = Math.max(...columns.map((c) => c.length));
  const rotate = longestColumn > 3;
  const marginLeft = 32 + CHAR_WIDTH * longestRow;
  const marginTop = rotate
    ? 36 + Math.ceil(0.75 * CHAR_WIDTH * longestColumn)
    : 40;
  const cellSize = options.cellSize ??
    Math.min(
      48,
      Math.max(32, (DEFAULT_WIDTH - marginLeft - 16) / columns.length),
    );
  const text = (c: HeatCell): string => formatNumber(c.value, decimals);
  return Plot.plot({
    ...frame(options),
    width: options.width ??
      Math.round(marginLeft + 16 + cellSize * columns.length),
    height: Math.round(marginTop + 8 + cellSize * rows.length),
    marginLeft,
    marginTop,
    marginRight: 16,
    marginBottom: 8,
    color,
    x: {
      domain: columns,
      axis: "top",
      label: options.xLabel ?? "key",
      padding: 0,
      ...(rotate ? { tickRotate: -45 } : {}),
    },
    y: { domain: rows, label: options.yLabel ?? "query", padding: 0 },
    marks: [
      Plot.cell(cells, { x: "column", y: "row", fill: "value", inset: 0.5 }),
      Plot.text(cells, {
        filter: (c: HeatCell) => !isDark(c),
        x: "column",
        y: "row",
        text,
        fill: "black",
      }),
      Plot.text(cells, {
        filter: isDark,
        x: "column",
        y: "row",
        text,
        fill: "white",
      }),
    ],
  });
}
