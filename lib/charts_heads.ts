/**
 * Charts for chapter 8's attention matrices: every head of a layer side by
 * side (a "head view"), and a matrix with masked (−∞) entries, such as the
 * causal mask or the masked scores. Observable Plot on the same server-side
 * document as charts.ts; plain arrays in, chart elements out.
 * @module
 */

import * as Plot from "@observablehq/plot";
import { DOMParser } from "linkedom";
import type {
  ChartDocument,
  ChartElement,
  ChartOptions,
} from "./charts/common.ts";

const document: ChartDocument = new DOMParser().parseFromString(
  "<!DOCTYPE html><html></html>",
  "text/html",
);
const CHAR_WIDTH = 6; // rough width of one character at Plot's 10px font
const MASKED_COLOR = "#d9d9d9";

/** Options for {@linkcode headGrid}. */
export interface HeadGridOptions extends ChartOptions {
  /** Token labels, one per row and column, `[T]` (see `tokenLabels`). */
  labels: string[];
  /** One name per head, `[h]`. Default `"head 0"`, `"head 1"`, … */
  headNames?: string[];
  /** Decimals of the weights printed in the cells; `false` prints none. Default 2. */
  decimals?: number | false;
  /** Side of a square cell in pixels. Default 26. */
  cellSize?: number;
}

/**
 * Every head's attention matrix side by side, one panel per head, on one
 * colour scale from 0 to the largest weight (so panels compare), with the
 * weight printed in each cell.
 *
 * @param matrices The heads' weights, `[h, T, T]` (query rows, key columns).
 * @param options Token labels, head names, title, decimals, cell size.
 * @returns The chart element.
 * @throws {RangeError} When the matrices are empty, not `[h, T, T]` with `T`
 *   labels, or hold a non-finite value.
 *
 * @example
 * ```ts
 * import { headGrid } from "./charts_heads.ts";
 * const chart = headGrid([[[1, 0], [0.5, 0.5]], [[0.25, 0.75], [0, 1]]], {
 *   labels: ["0 a", "1 b"],
 * });
 * if (!chart.outerHTML.includes("head 1") || !chart.outerHTML.includes(">.75<")) throw new Error();
 * ```
 */
export function headGrid(
  matrices: number[][][],
  options: HeadGridOptions,
): ChartElement {
  const labels = options?.labels ?? [];
  const heads = matrices?.length ?? 0;
  const names = options.headNames ??
    Array.from({ length: heads }, (_, h) => `head ${h}`);
  if (heads === 0 || names.length !== heads) {
    throw new RangeError(
      `headGrid: give one [T, T] matrix per head and one name per head; got ${heads} matrices and ${names.length} names`,
    );
  }
  const cells: { head: string; row: string; column: string; value: number }[] =
    [];
  for (const [h, matrix] of matrices.entries()) {
    if (
      matrix.length !== labels.length ||
      matrix.some((row) => row.length !== labels.length)
    ) {
      throw new RangeError(
        `headGrid: head ${h} must be a [${labels.length}, ${labels.length}] matrix (one row and column per label)`,
      );
    }
    for (const [i, row] of matrix.entries()) {
      for (const [j, value] of row.entries()) {
        if (!Number.isFinite(value)) {
          throw new RangeError(
            `headGrid: head ${h} [${i}][${j}] is ${value}; weights must be finite`,
          );
        }
        cells.push({
          head: names[h],
          row: labels[i],
          column: labels[j],
          value,
        });
      }
    }
  }
  const cellSize = options.cellSize ?? 26;
  const longest = Math.max(...labels.map((l) => l.length));
  const marginLeft = 24 + CHAR_WIDTH * longest;
  const marginBottom = 30 + Math.ceil(0.75 * CHAR_WIDTH * longest);
  const panel = cellSize * labels.length;
  const gap = 12;
  const extent = Math.max(...cells.map((c) => c.value)) || 1;
  const scale = Plot.scale({
    color: { type: "linear", scheme: "Blues", domain: [0, extent] },
  });
  const dark = (c: { value: number }) =>
    relativeLuminance(String(scale.apply(c.value))) < 0.18;
  const decimals = options.decimals ?? 2;
  const text = (c: { value: number }) =>
    decimals === false ? "" : c.value.toFixed(decimals).replace(/^0\./, ".");
  const textMark = (filter: (c: { value: number }) => boolean, fill: string) =>
    Plot.text(cells, {
      filter,
      fx: "head",
      x: "column",
      y: "row",
      text,
      fill,
      fontSize: Math.min(10, cellSize / 2.6),
    });
  return Plot.plot({
    document: (options.document ?? document) as Plot.PlotOptions["document"],
    title: options.title,
    subtitle: options.subtitle,
    width: options.width ??
      Math.round(marginLeft + 16 + heads * panel + (heads - 1) * gap),
    height: Math.round(40 + marginBottom + panel),
    marginLeft,
    marginTop: 40,
    marginRight: 16,
    marginBottom,
    color: { type: "linear", scheme: "Blues", domain: [0, extent] },
    fx: { domain: names, label: null, padding: gap / (panel + gap) },
    x: {
      domain: labels,
      label: options.xLabel ?? "key",
      padding: 0,
      tickRotate: -45,
    },
    y: { domain: labels, label: options.yLabel ?? "query", padding: 0 },
    marks: [
      Plot.cell(cells, {
        fx: "head",
        x: "column",
        y: "row",
        fill: "value",
        inset: 0.5,
      }),
      textMark((c) => !dark(c), "black"),
      textMark(dark, "white"),
    ],
  });
}

/** Options for {@linkcode maskedHeatmap}. */
export interface MaskedHeatmapOptions extends ChartOptions {
  /** Row labels, `[rows]`. */
  rows: string[];
  /** Column labels, `[columns]`. */
  columns: string[];
  /** Decimals of the finite values printed in the cells. Default 2. */
  decimals?: number;
}

/**
 * A heatmap in which `-Infinity` entries (masked positions) are grey and
 * printed "−∞", and the finite entries are coloured by value (blue positive,
 * red negative) with the value printed. Shows the causal mask itself and the
 * scores after it is added.
 *
 * @param matrix The values, `[rows, columns]`; `-Infinity` marks a masked entry.
 * @param options Row and column labels, title, decimals.
 * @returns The chart element.
 * @throws {RangeError} When the labels do not fit the matrix, or it holds
 *   NaN or `+Infinity`.
 *
 * @example
 * ```ts
 * import { maskedHeatmap } from "./charts_heads.ts";
 * const chart = maskedHeatmap([[0, -Infinity], [0, 0]], {
 *   rows: ["0 a", "1 b"],
 *   columns: ["0 a", "1 b"],
 * });
 * if (!chart.outerHTML.includes("−∞")) throw new Error();
 * ```
 */
export function maskedHeatmap(
  matrix: number[][],
  options: MaskedHeatmapOptions,
): ChartElement {
  const { rows, columns } = options ?? {};
  if (
    !Array.isArray(rows) || !Array.isArray(columns) ||
    matrix?.length !== rows.length || matrix.length === 0 ||
    matrix.some((row) => row.length !== columns.length)
  ) {
    throw new RangeError(
      `maskedHeatmap: the matrix must be [${rows?.length}, ${columns?.length}], one row per row label and one column per column label`,
    );
  }
  const cells = matrix.flatMap((row, i) =>
    row.map((value, j) => {
      if (Number.isNaN(value) || value === Infinity) {
        throw new RangeError(
          `maskedHeatmap: [${i}][${j}] is ${value}; values must be finite or -Infinity`,
        );
      }
      return { row: rows[i], column: columns[j], value };
    })
  );
  const open = cells.filter((c) => c.value !== -Infinity);
  const masked = cells.filter((c) => c.value === -Infinity);
  const extent = Math.max(0, ...open.map((c) => Math.abs(c.value))) || 1;
  const decimals = options.decimals ?? 2;
  const longestRow = Math.max(...rows.map((l) => l.length));
  const longestColumn = Math.max(...columns.map((l) => l.length));
  const marginLeft = 32 + CHAR_WIDTH * longestRow;
  const marginTop = 36 + Math.ceil(0.75 * CHAR_WIDTH * longestColumn);
  const cellSize = Math.min(
    48,
    Math.max(30, (640 - marginLeft - 16) / columns.length),
  );
  return Plot.plot({
    document: (options.document ?? document) as Plot.PlotOptions["document"],
    title: options.title,
    subtitle: options.subtitle,
    width: options.width ??
      Math.round(marginLeft + 16 + cellSize * columns.length),
    height: Math.round(marginTop + 8 + cellSize * rows.length),
    marginLeft,
    marginTop,
    marginRight: 16,
    marginBottom: 8,
    color: { type: "linear", scheme: "RdBu", domain: [-extent, extent] },
    x: {
      domain: columns,
      axis: "top",
      label: options.xLabel ?? "key",
      padding: 0,
      tickRotate: -45,
    },
    y: { domain: rows, label: options.yLabel ?? "query", padding: 0 },
    marks: [
      Plot.cell(open, { x: "column", y: "row", fill: "value", inset: 0.5 }),
      Plot.cell(masked, {
        x: "column",
        y: "row",
        fill: MASKED_COLOR,
        inset: 0.5,
      }),
      Plot.text(open, {
        x: "column",
        y: "row",
        text: (c: { value: number }) =>
          Number(c.value.toFixed(decimals)) === 0
            ? (0).toFixed(decimals)
            : c.value.toFixed(decimals).replace("-", "−"),
        // white on the dark ends of the scale
        fill: (c: { value: number }) =>
          Math.abs(c.value) > 0.7 * extent ? "white" : "black",
      }),
      Plot.text(masked, { x: "column", y: "row", text: () => "−∞" }),
    ],
  });
}

// Relative luminance (0 black … 1 white) of an "rgb(r, g, b)" colour; 1 if unknown.
function relativeLuminance(color: string): number {
  const rgb = color.match(/^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/)?.slice(1).map(
    Number,
  );
  if (rgb === undefined) return 1;
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
