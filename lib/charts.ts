/**
 * Chart builders for the attention pipeline: bars of attention weights, loss
 * curves, weight trajectories and heatmaps, drawn with Observable Plot on a
 * server-side (linkedom) document. They take plain records, never tensors.
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

/** One bar: its axis label and its height. */
export interface BarRecord {
  /** Axis label; labels must be unique (see {@linkcode tokenLabels}). */
  label: string;
  /** Height of the bar. */
  value: number;
  /** Draw this bar in the highlight colour (e.g. the size words). */
  highlight?: boolean;
}

/** One point of a line: `series` names the line it belongs to. */
export interface LinePoint {
  /** Horizontal position. */
  x: number;
  /** Vertical position. */
  y: number;
  /** Line name; points without one form a single unnamed line. */
  series?: string;
}

/** One loss value of a training history. */
export interface LossPoint {
  /** Epoch number, from 0. */
  epoch: number;
  /** The loss at that epoch. */
  loss: number;
}

/** The attention weight on one token at one epoch. */
export interface TrajectoryPoint {
  /** Epoch number, from 0. */
  epoch: number;
  /** The token's axis label, e.g. `"4 big"`. */
  label: string;
  /** The focus word's attention weight on this token at this epoch. */
  weight: number;
  /** Draw this token's line in colour; the others are grey. */
  highlight?: boolean;
}

/** One cell of a heatmap: row label, column label and value. */
export interface HeatCell {
  /** Row label, e.g. `"2 elephant"`. */
  row: string;
  /** Column label, e.g. `"d0"`. */
  column: string;
  /** The value, printed in the cell. */
  value: number;
}

const DEFAULT_WIDTH = 640; // a notebook output cell
const BASE_COLOR = "#4e79a7"; // Tableau blue
const HIGHLIGHT_COLOR = "#f28e2b"; // Tableau orange
const POSITIVE_COLOR = "#4e79a7";
const NEGATIVE_COLOR = "#e15759"; // Tableau red
const MUTED_COLOR = "#b0b0b0";
const SERIES_COLORS = [
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
const WARM_COLORS = ["#f28e2b", "#9c5a1b", "#d4a017", "#c0504d", "#8c6d31"];
const SVG_NS = "http://www.w3.org/2000/svg";
const CHAR_WIDTH = 6; // rough width of one character at Plot's 10px font

/**
 * Unique axis labels for token positions, `"${position} ${token}"`, because a
 * sentence can repeat a token ("the" twice) and a chart axis cannot.
 *
 * @param tokens The tokens in order, `[seqLen]`.
 * @returns One label per token, `[seqLen]`.
 *
 * @example
 * ```ts
 * import { tokenLabels } from "./charts.ts";
 * const labels = tokenLabels(["the", "car", "the"]);
 * if (labels.join("|") !== "0 the|1 car|2 the") throw new Error(labels.join());
 * ```
 */
export function tokenLabels(tokens: string[]): string[] {
  return tokens.map((token, i) => `${i} ${token}`);
}

/** Options for {@linkcode attentionBars}. */
export interface AttentionBarsOptions extends ChartOptions {
  /** Decimals of the value printed above each bar. Default 3. */
  decimals?: number;
}

/**
 * Bar chart of attention weights, one bar per token in the given order, with
 * the weight printed above each bar and highlighted bars in orange.
 *
 * @param records One bar per token, e.g. from {@linkcode tokenLabels}.
 * @param options Title, axis labels ("token", "attention weight"), decimals.
 * @returns The chart element.
 * @throws {RangeError} When `records` is empty, a label repeats or a value is not finite.
 *
 * @example
 * ```ts
 * import { attentionBars } from "./charts.ts";
 * const chart = attentionBars([
 *   { label: "0 the", value: 0.1 },
 *   { label: "1 car", value: 0.9, highlight: true },
 * ]);
 * if (!chart.outerHTML.includes("0.900")) throw new Error("value not printed");
 * ```
 */
export function attentionBars(
  records: BarRecord[],
  options: AttentionBarsOptions = {},
): ChartElement {
  checkBars(records, "attentionBars");
  const decimals = options.decimals ?? 3;
  const labels = records.map((r) => r.label);
  return Plot.plot({
    ...frame(options),
    ...bandAxisMargins(labels),
    x: {
      domain: labels,
      label: options.xLabel ?? "token",
      ...tickRotate(labels),
    },
    y: { label: options.yLabel ?? "attention weight", grid: true },
    marks: [
      Plot.barY(records, {
        x: "label",
        y: "value",
        fill: (r: BarRecord) => r.highlight ? HIGHLIGHT_COLOR : BASE_COLOR,
      }),
      Plot.ruleY([0]),
      Plot.text(records, {
        x: "label",
        y: "value",
        text: (r: BarRecord) => formatNumber(r.value, decimals),
        lineAnchor: "bottom",
        dy: -4,
      }),
    ],
  });
}

/** Options for {@linkcode signedBars}. */
export interface SignedBarsOptions extends ChartOptions {
  /** Decimals of the value printed at the end of each bar. Default 3. */
  decimals?: number;
}

/**
 * Bar chart of values that can be negative (e.g. the gradient of the loss with
 * respect to each score): positive bars blue, negative bars red, a rule at 0,
 * each value printed beyond the end of its bar.
 *
 * @param records One bar per label; `highlight` is ignored.
 * @param options Title, axis labels ("token", "value"), decimals.
 * @returns The chart element.
 * @throws {RangeError} When `records` is empty, a label repeats or a value is not finite.
 *
 * @example
 * ```ts
 * import { signedBars } from "./charts.ts";
 * const chart = signedBars([
 *   { label: "0 the", value: 0.25 },
 *   { label: "1 car", value: -0.25 },
 * ], { yLabel: "∂loss/∂score" });
 * if (!chart.outerHTML.includes("−0.250")) throw new Error("value not printed");
 * ```
 */
export function signedBars(
  records: BarRecord[],
  options: SignedBarsOptions = {},
): ChartElement {
  checkBars(records, "signedBars");
  const decimals = options.decimals ?? 3;
  const labels = records.map((r) => r.label);
  const isNegative = (r: BarRecord): boolean => r.value < 0;
  const value = (r: BarRecord): string => formatNumber(r.value, decimals);
  return Plot.plot({
    ...frame(options),
    ...bandAxisMargins(labels),
    marginTop: 24,
    x: {
      domain: labels,
      label: options.xLabel ?? "token",
      ...tickRotate(labels),
    },
    y: {
      label: options.yLabel ?? "value",
      grid: true,
      insetTop: 12,
      insetBottom: 12,
    },
    marks: [
      Plot.barY(records, {
        x: "label",
        y: "value",
        fill: (r: BarRecord) => isNegative(r) ? NEGATIVE_COLOR : POSITIVE_COLOR,
      }),
      Plot.ruleY([0]),
      Plot.text(records, {
        filter: (r: BarRecord) => !isNegative(r),
        x: "label",
        y: "value",
        text: value,
        lineAnchor: "bottom",
        dy: -4,
      }),
      Plot.text(records, {
        filter: isNegative,
        x: "label",
        y: "value",
        text: value,
        lineAnchor: "top",
        dy: 4,
      }),
    ],
  });
}

/** Options for {@linkcode lineChart}. */
export interface LineChartOptions extends ChartOptions {
  /** Scale of the x axis. Default "linear"; "log" needs positive x. */
  xType?: "linear" | "log";
  /** Scale of the y axis. Default "linear"; "log" needs positive y. */
  yType?: "linear" | "log";
  /** Where to put the x axis ticks, e.g. the measured sizes. Default: Plot's choice. */
  xTicks?: number[];
  /** Draw a dashed horizontal rule at this y (e.g. the loss floor). */
  yRule?: number;
  /** Text at the right end of the rule. Default: the rule's value. */
  yRuleLabel?: string;
}

/**
 * Line chart, one line per series, each named at its right end (no legend
 * box, so the names survive {@linkcode toSvgString}). Points are joined in
 * order of increasing x within each series.
 *
 * @param records The points; `series` groups them into lines.
 * @param options Title, axis labels ("x", "y"), log axes, a dashed reference rule.
 * @returns The chart element.
 * @throws {RangeError} When `records` is empty, a coordinate is not finite, or a
 *   log axis (or the rule on a log y axis) gets a value ≤ 0.
 *
 * @example
 * ```ts
 * import { lineChart } from "./charts.ts";
 * const chart = lineChart([
 *   { x: 1, y: 1, series: "cpu" }, { x: 10, y: 100, series: "cpu" },
 *   { x: 1, y: 2, series: "wasm" }, { x: 10, y: 20, series: "wasm" },
 * ], { xType: "log", yType: "log", xLabel: "seqLen", yLabel: "ms" });
 * if (!chart.outerHTML.includes("wasm")) throw new Error("series not labelled");
 * ```
 */
export function lineChart(
  records: LinePoint[],
  options: LineChartOptions = {},
): ChartElement {
  if (records.length === 0) {
    throw new RangeError(
      "lineChart: records is empty; give at least one point",
    );
  }
  const xType = options.xType ?? "linear";
  const yType = options.yType ?? "linear";
  for (const [i, p] of records.entries()) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      throw new RangeError(
        `lineChart: point ${i} is (${p.x}, ${p.y}); x and y must be finite numbers`,
      );
    }
    if (xType === "log" && p.x <= 0) {
      throw new RangeError(
        `lineChart: point ${i} has x = ${p.x}; a log x axis needs x > 0`,
      );
    }
    if (yType === "log" && p.y <= 0) {
      throw new RangeError(
        `lineChart: point ${i} has y = ${p.y}; a log y axis needs y > 0`,
      );
    }
  }
  const rule = options.yRule;
  if (
    rule !== undefined &&
    (!Number.isFinite(rule) || (yType === "log" && rule <= 0))
  ) {
    throw new RangeError(
      `lineChart: yRule is ${rule}; it must be a finite number${
        yType === "log" ? " > 0 on a log y axis" : ""
      }`,
    );
  }
  const points = [...records].sort((a, b) => a.x - b.x);
  const names = [...new Set(points.map((p) => p.series ?? ""))];
  const named = names.some((n) => n !== "");
  const colorOf = new Map(
    names.map((n, i) => [n, SERIES_COLORS[i % SERIES_COLORS.length]]),
  );
  const stroke = (p: LinePoint): string => colorOf.get(p.series ?? "")!;
  const series = (p: LinePoint): string => p.series ?? "";
  const marks: Plot.Markish[] = [
    Plot.line(points, { x: "x", y: "y", z: series, stroke, strokeWidth: 2 }),
  ];
  if (named) {
    marks.push(
      Plot.text(
        points,
        Plot.selectLast({
          x: "x",
          y: "y",
          z: series,
          text: series,
          fill: stroke,
          textAnchor: "start",
          dx: 5,
        }),
      ),
    );
  }
  if (options.xTicks) {
    // An explicit axis mark: on a log scale Plot would format the ticks with
    // d3's log formatter, which leaves some of the requested ticks unlabelled.
    marks.push(
      Plot.gridX(options.xTicks),
      Plot.axisX(options.xTicks, {
        text: (v: number) => String(v),
        label: options.xLabel ?? "x",
      }),
    );
  }
  if (rule !== undefined) {
    marks.push(
      Plot.ruleY([rule], { stroke: MUTED_COLOR, strokeDasharray: "5,4" }),
      Plot.text([rule], {
        y: (v: number) => v,
        text: () => options.yRuleLabel ?? String(rule),
        frameAnchor: "right",
        textAnchor: "end",
        lineAnchor: "bottom",
        dy: -3,
        fill: "#666",
      }),
    );
  }
  return Plot.plot({
    ...frame(options),
    marginLeft: 56,
    marginRight: named
      ? 16 + CHAR_WIDTH * Math.max(...names.map((n) => n.length))
      : 20,
    // "~g" prints 0.5 where a log axis would print the SI "500m".
    x: {
      type: xType,
      label: options.xLabel ?? "x",
      grid: xType === "log" && !options.xTicks,
      ...(xType === "log" ? { tickFormat: "~g" } : {}),
    },
    y: {
      type: yType,
      label: options.yLabel ?? "y",
      grid: true,
      ...(yType === "log" ? { tickFormat: "~g" } : {}),
      // Room around the rule, so it never sits on the frame's edge.
      ...(rule !== undefined && yType === "linear"
        ? { domain: paddedDomain([...points.map((p) => p.y), rule]) }
        : {}),
    },
    marks,
  });
}

/** The extent of some values with 8% of room on each side. */
function paddedDomain(values: number[]): [number, number] {
  const low = Math.min(...values), high = Math.max(...values);
  const pad = (high - low) * 0.08 || Math.abs(high) * 0.08 || 1;
  return [low - pad, high + pad];
}

/** Options for {@linkcode lossCurve}. */
export interface LossCurveOptions extends ChartOptions {
  /** The lowest reachable loss, drawn as a dashed rule labelled with its value. */
  floor?: number;
  /** Scale of the loss axis. Default "linear". */
  yType?: "linear" | "log";
}

/**
 * The training loss per epoch as a line, with the loss floor (if given) drawn
 * as a dashed rule labelled "floor".
 *
 * @param history The trainer's history, one loss per epoch.
 * @param options Title, floor, axis labels ("epoch", "loss").
 * @returns The chart element.
 * @throws {RangeError} When `history` is empty or holds a non-finite number.
 *
 * @example
 * ```ts
 * import { lossCurve } from "./charts.ts";
 * const chart = lossCurve([{ epoch: 0, loss: 2 }, { epoch: 1, loss: 1 }], { floor: 0.5 });
 * if (!chart.outerHTML.includes("floor")) throw new Error("floor not labelled");
 * ```
 */
export function lossCurve(
  history: LossPoint[],
  options: LossCurveOptions = {},
): ChartElement {
  return lineChart(history.map((h) => ({ x: h.epoch, y: h.loss })), {
    ...options,
    xLabel: options.xLabel ?? "epoch",
    yLabel: options.yLabel ?? "loss",
    yRule: options.floor,
    yRuleLabel: options.floor === undefined
      ? undefined
      : `floor ${formatNumber(options.floor, 3)}`,
  });
}

/** Options for {@linkcode weightTrajectories}. */
export type WeightTrajectoriesOptions = ChartOptions;

/**
 * How the attention weight on each token changes during training: one line per
 * label over the epochs, highlighted labels (the size words) in colour and the
 * others grey, each line named at its end.
 *
 * @param records One weight per label per epoch.
 * @param options Title, axis labels ("epoch", "attention weight").
 * @returns The chart element.
 * @throws {RangeError} When `records` is empty or holds a non-finite number.
 *
 * @example
 * ```ts
 * import { weightTrajectories } from "./charts.ts";
 * const chart = weightTrajectories([
 *   { epoch: 0, label: "4 big", weight: 0.1, highlight: true },
 *   { epoch: 1, label: "4 big", weight: 0.8, highlight: true },
 *   { epoch: 0, label: "0 the", weight: 0.1 },
 *   { epoch: 1, label: "0 the", weight: 0.05 },
 * ]);
 * if (!chart.outerHTML.includes("4 big")) throw new Error("line not labelled");
 * ```
 */
export function weightTrajectories(
  records: TrajectoryPoint[],
  options: WeightTrajectoriesOptions = {},
): ChartElement {
  if (records.length === 0) {
    throw new RangeError(
      "weightTrajectories: records is empty; give at least one point",
    );
  }
  for (const [i, r] of records.entries()) {
    if (!Number.isFinite(r.epoch) || !Number.isFinite(r.weight)) {
      throw new RangeError(
        `weightTrajectories: record ${i} ("${r.label}") has epoch ${r.epoch}, weight ${r.weight}; both must be finite`,
      );
    }
  }
  const highlighted = [
    ...new Set(records.filter((r) => r.highlight).map((r) => r.label)),
  ];
  const colorOf = new Map(
    highlighted.map((
      label,
      i,
    ) => [label, WARM_COLORS[i % WARM_COLORS.length]]),
  );
  const isHighlighted = (r: TrajectoryPoint): boolean => colorOf.has(r.label);
  // Name only the lines a reader can tell apart: the highlighted ones and
  // the three other lines that end highest; the rest crowd near zero.
  const last = new Map<string, TrajectoryPoint>();
  for (const r of records) {
    const seen = last.get(r.label);
    if (seen === undefined || r.epoch >= seen.epoch) last.set(r.label, r);
  }
  const topOthers = new Set(
    [...last.values()]
      .filter((r) => !colorOf.has(r.label))
      .sort((a, b) => b.weight - a.weight)
      .slice(0, 3)
      .map((r) => r.label),
  );
  const color = (r: TrajectoryPoint): string =>
    colorOf.get(r.label) ?? MUTED_COLOR;
  const points = [...records].sort((a, b) => a.epoch - b.epoch);
  const longest = Math.max(...points.map((r) => r.label.length));
  const line = (filter: (r: TrajectoryPoint) => boolean, strokeWidth: number) =>
    Plot.line(points, {
      filter,
      x: "epoch",
      y: "weight",
      z: "label",
      stroke: color,
      strokeWidth,
    });
  // End labels, stacked upwards where they would overlap: at least 12 px
  // apart in a plot area of about 330 px (Plot's default height).
  const weights = points.map((r) => r.weight);
  const gap = (Math.max(...weights) - Math.min(...weights)) * 12 / 330;
  const ends: (TrajectoryPoint & { labelY: number })[] = [];
  for (
    const r of [...last.values()]
      .filter((r) => colorOf.has(r.label) || topOthers.has(r.label))
      .sort((a, b) => a.weight - b.weight)
  ) {
    const below = ends.at(-1)?.labelY ?? -Infinity;
    ends.push({ ...r, labelY: Math.max(r.weight, below + gap) });
  }
  const others = (r: TrajectoryPoint): boolean => !isHighlighted(r);
  return Plot.plot({
    ...frame(options),
    marginLeft: 56,
    marginRight: 16 + CHAR_WIDTH * longest,
    x: { label: options.xLabel ?? "epoch" },
    y: { label: options.yLabel ?? "attention weight", grid: true },
    marks: [
      // Grey lines first, so the highlighted ones are drawn on top.
      line(others, 1.5),
      line(isHighlighted, 2.5),
      Plot.text(ends, {
        x: "epoch",
        y: "labelY",
        text: "label",
        fill: color,
        textAnchor: "start",
        dx: 5,
      }),
    ],
  });
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
 * import { matrixCells } from "./charts.ts";
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
 * import { heatmap, matrixCells } from "./charts.ts";
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
 * import { attentionBars, toSvgString } from "./charts.ts";
 * const svg = toSvgString(attentionBars([{ label: "0 the", value: 1 }], { title: "weights" }));
 * if (!svg.startsWith("<svg") || !svg.includes("weights")) throw new Error(svg.slice(0, 80));
 * ```
 */
export function toSvgString(chartElement: ChartElement): string {
  const element = chartElement as DomElement;
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

  const total = header + height + footer;
  svg.setAttribute("height", String(total));
  svg.setAttribute("viewBox", `0 0 ${width} ${total}`);
  svg.setAttribute("xmlns", SVG_NS);
  return svg.outerHTML;
}

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

/** Options common to every plot: document, width, title, subtitle, left margin. */
function frame(options: ChartOptions): Plot.PlotOptions {
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
function tickRotate(labels: string[]): { tickRotate?: number } {
  const longest = Math.max(...labels.map((l) => l.length));
  return labels.length > 8 || longest > 8 ? { tickRotate: -40 } : {};
}

/** Bottom margin fitting the (possibly rotated) band-axis labels and the axis label. */
function bandAxisMargins(labels: string[]): { marginBottom: number } {
  const rotated = tickRotate(labels).tickRotate !== undefined;
  const longest = Math.max(...labels.map((l) => l.length));
  return {
    marginBottom: rotated ? 36 + Math.ceil(0.65 * CHAR_WIDTH * longest) : 40,
  };
}

/** Checks bar records: not empty, unique labels, finite values. */
function checkBars(records: BarRecord[], caller: string): void {
  if (records.length === 0) {
    throw new RangeError(`${caller}: records is empty; give at least one bar`);
  }
  const seen = new Set<string>();
  for (const r of records) {
    if (seen.has(r.label)) {
      throw new RangeError(
        `${caller}: the label "${r.label}" appears twice; labels must be unique (use tokenLabels for repeated tokens)`,
      );
    }
    seen.add(r.label);
    if (!Number.isFinite(r.value)) {
      throw new RangeError(
        `${caller}: bar "${r.label}" has value ${r.value}; values must be finite`,
      );
    }
  }
}

/** `value` with `decimals` decimals and a typographic minus; never "−0.000". */
function formatNumber(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return Number(text) === 0 ? (0).toFixed(decimals) : text.replace("-", "−");
}

/** Relative luminance (0 black … 1 white) of an "rgb(r, g, b)" or "#rrggbb" colour; 1 if unknown. */
function luminance(color: string): number {
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
