/**
 * The head view: a grid of small attention matrices, one per layer and head
 * (rows × columns), on one colour scale with a legend, for models with
 * several heads and layers (chapters with multi-head attention and a real
 * Transformer).
 * @module
 */

import * as Plot from "@observablehq/plot";
import {
  CHAR_WIDTH,
  type ChartElement,
  type ChartOptions,
  colorLegend,
  frame,
  LEGEND_HEIGHT,
  longestLength,
} from "./common.ts";

/** Options for {@linkcode headView}. */
export interface HeadViewOptions extends ChartOptions {
  /** The token of each position, `[T]`; labels both axes of every matrix. */
  tokens: string[];
  /** Name of each grid row, e.g. `["layer 0", "layer 1"]`. Default "layer 0", "layer 1", …. */
  rowNames?: string[];
  /** Name of each grid column, e.g. `["head 0", …]`. Default "head 0", "head 1", …. */
  columnNames?: string[];
  /** The colour scale's ends. Default `[0, 1]`, the range of attention weights. */
  domain?: [number, number];
  /** A query position to outline in every matrix (the focus word). Default none. */
  markQuery?: number;
  /** Side of one cell in pixels. Default: what fits the grid in about 640 pixels, 4 to 16. */
  cellSize?: number;
}

/**
 * A grid of attention heatmaps: `[heads, T, T]` matrices drawn in one row,
 * or `[layers, heads, T, T]` as layers × heads. Each small matrix has the
 * queries down and the keys across, labelled by token; colour is the weight
 * on the stated domain (default [0, 1]) with a legend of swatches.
 *
 * @param weights `[heads, T, T]` or `[layers, heads, T, T]` attention weights.
 * @param options The tokens (required), grid names, colour domain, marked query.
 * @returns The chart element.
 * @throws {RangeError} When the shape is not `[heads, T, T]` or
 *   `[layers, heads, T, T]` with `T` = `tokens.length`, names do not match the
 *   grid, or a value is not finite or lies outside `domain`.
 *
 * @example
 * ```ts
 * import { headView } from "./heads.ts";
 * const uniform = [[0.5, 0.5], [0.5, 0.5]];
 * const chart = headView([uniform, [[1, 0], [0, 1]]], { tokens: ["a", "b"] });
 * if (!chart.outerHTML.includes("head 1")) throw new Error("head not named");
 * ```
 */
export function headView(
  weights: number[][][] | number[][][][],
  options: HeadViewOptions,
): ChartElement {
  const { tokens } = options;
  const T = tokens.length;
  const grid =
    (Array.isArray(weights[0]?.[0]?.[0])
      ? weights
      : [weights]) as number[][][][];
  const layers = grid.length;
  const heads = grid[0]?.length ?? 0;
  if (T === 0 || layers === 0 || heads === 0) {
    throw new RangeError(
      `headView: got ${layers} layer(s), ${heads} head(s) and ${T} tokens; give at least one of each`,
    );
  }
  const rowNames = options.rowNames ??
    Array.from({ length: layers }, (_, i) => `layer ${i}`);
  const columnNames = options.columnNames ??
    Array.from({ length: heads }, (_, i) => `head ${i}`);
  if (rowNames.length !== layers || columnNames.length !== heads) {
    throw new RangeError(
      `headView: the grid is ${layers} × ${heads} but ${rowNames.length} row name(s) and ${columnNames.length} column name(s) were given`,
    );
  }
  const domain = options.domain ?? [0, 1];
  const labels = tokens.map((t, i) => `${i} ${t}`);
  const cells: HeadCell[] = [];
  for (const [l, layer] of grid.entries()) {
    if (layer.length !== heads) {
      throw new RangeError(
        `headView: layer ${l} has ${layer.length} heads, layer 0 has ${heads}; every layer needs the same number`,
      );
    }
    for (const [h, matrix] of layer.entries()) {
      if (matrix.length !== T || matrix.some((row) => row.length !== T)) {
        throw new RangeError(
          `headView: matrix [${l}, ${h}] is not ${T} × ${T}; give one row and one column per token`,
        );
      }
      for (const [q, row] of matrix.entries()) {
        for (const [k, value] of row.entries()) {
          if (
            !Number.isFinite(value) || value < domain[0] || value > domain[1]
          ) {
            throw new RangeError(
              `headView: value [${l}, ${h}, ${q}, ${k}] is ${value}; values must be finite and within the domain [${domain}]`,
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
  const longest = longestLength(labels);
  const cellSize = options.cellSize ??
    Math.max(4, Math.min(16, Math.floor(560 / (heads * (T + 2)))));
  const every = Math.ceil(11 / cellSize); // one tick label per 11 px
  const ticks = labels.filter((_, i) => i % every === 0);
  const panel = cellSize * T;
  const marginLeft = 24 + CHAR_WIDTH * longest;
  const marginTop = 24 + CHAR_WIDTH * longest;
  const gap = 16;
  const width = options.width ??
    Math.round(
      marginLeft + 16 + heads * (panel + gap) +
        (layers > 1 ? CHAR_WIDTH * longestLength(rowNames) : 0),
    );
  const height = Math.round(
    marginTop + 16 + LEGEND_HEIGHT + layers * (panel + gap),
  );
  const color = {
    type: "linear" as const,
    scheme: "Blues" as const,
    domain,
  };
  const scale = Plot.scale({ color });
  const marks: Plot.Markish[] = [
    Plot.cell(cells, {
      fx: "head",
      fy: "layer",
      x: "key",
      y: "query",
      fill: "value",
    }),
    colorLegend({
      domain,
      color: (v) => String(scale.apply(v)),
      label: "attention weight",
    }),
  ];
  if (options.markQuery !== undefined) {
    const focus = labels[options.markQuery];
    if (focus === undefined) {
      throw new RangeError(
        `headView: markQuery is ${options.markQuery}; give a position from 0 to ${
          T - 1
        }`,
      );
    }
    marks.push(
      Plot.cell(cells, {
        filter: (c: HeadCell) => c.query === focus,
        fx: "head",
        fy: "layer",
        x: "key",
        y: "query",
        fill: "none",
        stroke: "black",
        strokeWidth: 1,
      }),
    );
  }
  return Plot.plot({
    ...frame(options),
    width,
    height,
    marginLeft,
    marginTop,
    marginRight: layers > 1 ? 16 + CHAR_WIDTH * longestLength(rowNames) : 16,
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
      label: "key →",
      padding: 0,
    },
    y: { domain: labels, ticks, label: "query ↓", padding: 0 },
    marks,
  });
}

/** One cell of one head's matrix. */
interface HeadCell {
  layer: string;
  head: string;
  query: string;
  key: string;
  value: number;
}
