/**
 * Line charts: any x/y series (benchmarks) and the training loss per epoch
 * with its floor, plus the loss records they take.
 * @module
 */

import { checkOptions, describe } from "../core/_describe.ts";
import * as Plot from "@observablehq/plot";
import {
  CHAR_WIDTH,
  type ChartElement,
  type ChartOptions,
  checkList,
  extent,
  formatNumber,
  frame,
  longestLength,
  MUTED_COLOR,
  SERIES_COLORS,
  thinSeries,
} from "./common.ts";

/** One point of a line: `series` names the line it belongs to. */
export interface LinePoint {
  /** Horizontal position. */
  x: number;
  /** Vertical position. */
  y: number;
  /** Line name; points without one form a single unnamed line. */
  series?: string;
}

/**
 * One loss value of a training history, as a plain record: `{step, loss}`
 * (the trainer's records) or `{epoch, loss}` (the demo's, one step per epoch).
 */
export type LossPoint =
  | {
    /** Step number, from 0. */ step: number; /** The loss at that step. */
    loss: number;
  }
  | {
    /** Epoch number, from 0. */ epoch: number; /** The loss at that epoch. */
    loss: number;
  };

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
  /** Fixed x axis, e.g. `[0, epochs]` so a growing line does not rescale. Default: the data's extent. */
  xDomain?: [number, number];
  /** Fixed y axis; values beyond it are clamped to its edge. Default: the data's extent. */
  yDomain?: [number, number];
  /** Most points drawn per series; longer series keep their envelope. Default 2000. */
  maxPoints?: number;
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
 * import { lineChart } from "./lines.ts";
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
  checkList(records, "records", "lineChart", "a point {x, y}");
  checkOptions(options);
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
      `lineChart: yRule is ${describe(rule)}; it must be a finite number${
        yType === "log" ? " > 0 on a log y axis" : ""
      }`,
    );
  }
  // One line per series, each thinned to its envelope (see thinSeries) so
  // that 100,000 epochs draw as fast, and look the same, as 1,000.
  const bySeries = new Map<string, LinePoint[]>();
  for (const p of records) {
    const list = bySeries.get(p.series ?? "") ?? [];
    list.push(p);
    bySeries.set(p.series ?? "", list);
  }
  const points = [...bySeries.values()].flatMap((list) =>
    thinSeries(
      list.sort((a, b) => a.x - b.x),
      (p) => p.y,
      options.maxPoints ?? 2000,
    )
  );
  const names = [...bySeries.keys()];
  const named = names.some((n) => n !== "");
  const colorOf = new Map(
    names.map((n, i) => [n, SERIES_COLORS[i % SERIES_COLORS.length]]),
  );
  const stroke = (p: LinePoint): string => colorOf.get(p.series ?? "")!;
  const series = (p: LinePoint): string => p.series ?? "";
  const single = new Set(
    [...bySeries].filter(([, list]) => list.length === 1).map(([name]) => name),
  );
  const marks: Plot.Markish[] = [
    Plot.line(points, { x: "x", y: "y", z: series, stroke, strokeWidth: 2 }),
    // A series of one point draws no line: show it as a dot.
    Plot.dot(points, {
      filter: (p: LinePoint) => single.has(p.series ?? ""),
      x: "x",
      y: "y",
      fill: stroke,
      r: 3,
    }),
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
    marginRight: named ? 16 + CHAR_WIDTH * longestLength(names) : 20,
    // "~g" prints 0.5 where a log axis would print the SI "500m".
    x: {
      type: xType,
      label: options.xLabel ?? "x",
      grid: xType === "log" && !options.xTicks,
      ...(xType === "log" ? { tickFormat: "~g" } : {}),
      ...(options.xDomain
        ? { domain: options.xDomain }
        : xType === "linear"
        ? { domain: nonEmpty(extent(points.map((p) => p.x))) }
        : {}),
    },
    y: {
      type: yType,
      label: options.yLabel ?? "y",
      grid: true,
      ...(yType === "log" ? { tickFormat: "~g" } : {}),
      // Room around the rule, so it never sits on the frame's edge; never
      // a one-value axis (a single point would get one tick).
      ...(options.yDomain
        ? { domain: options.yDomain, clamp: true }
        : rule !== undefined && yType === "linear"
        ? { domain: paddedDomain([...points.map((p) => p.y), rule]) }
        : yType === "linear"
        ? { domain: nonEmpty(extent(points.map((p) => p.y))) }
        : {}),
    },
    marks,
  });
}

/** An extent widened when it is a single value (by 1 each side, never below 0 for a value ≥ 0). */
function nonEmpty([low, high]: [number, number]): [number, number] {
  if (low < high) return [low, high];
  return [low >= 0 ? Math.max(0, low - 1) : low - 1, high + 1];
}

/** The extent of some values with 8% of room on each side. */
function paddedDomain(values: number[]): [number, number] {
  const [low, high] = extent(values);
  const pad = (high - low) * 0.08 || Math.abs(high) * 0.08 || 1;
  return [low - pad, high + pad];
}

/** Options for {@linkcode lossCurve}. */
export interface LossCurveOptions
  extends
    ChartOptions,
    Pick<LineChartOptions, "xDomain" | "yDomain" | "maxPoints"> {
  /** The lowest reachable loss, drawn as a dashed rule labelled with its value. */
  floor?: number;
  /** Scale of the loss axis. Default "linear". */
  yType?: "linear" | "log";
}

/**
 * The training loss per epoch as a line, with the loss floor (if given) drawn
 * as a dashed rule labelled "floor".
 *
 * @param history Plain records, one loss per step (or epoch).
 * @param options Title, floor, axis labels ("epoch", "loss").
 * @returns The chart element.
 * @throws {RangeError} When `history` is empty or holds a non-finite number.
 *
 * @example
 * ```ts
 * import { lossCurve } from "./lines.ts";
 * const chart = lossCurve([{ epoch: 0, loss: 2 }, { epoch: 1, loss: 1 }], { floor: 0.5 });
 * if (!chart.outerHTML.includes("floor")) throw new Error("floor not labelled");
 * ```
 */
export function lossCurve(
  history: LossPoint[],
  options: LossCurveOptions = {},
): ChartElement {
  checkList(history, "history", "lossCurve", "a record {epoch or step, loss}");
  checkOptions(options);
  const bySteps = history.length > 0 && "step" in history[0];
  return lineChart(
    history.map((h) => ({ x: "step" in h ? h.step : h.epoch, y: h.loss })),
    {
      ...options,
      xLabel: options.xLabel ?? (bySteps ? "step" : "epoch"),
      yLabel: options.yLabel ?? "loss",
      yRule: options.floor,
      yRuleLabel: options.floor === undefined
        ? undefined
        : `floor ${formatNumber(options.floor, 3)}`,
    },
  );
}

/**
 * The loss curve's points: the loss before each epoch's update, then the loss
 * after the last update (at `epoch = epochs`).
 *
 * @param result A training run's records: the loss before each epoch's
 *   update, and the loss after the last (as `trainExperiment` returns them).
 * @returns `[epochs + 1]` points.
 */
export function lossHistory(
  result: { history: { epoch: number; loss: number }[]; finalLoss: number },
): { epoch: number; loss: number }[] {
  if (
    typeof result !== "object" || result === null ||
    !Array.isArray(result.history) || !Number.isFinite(result.finalLoss)
  ) {
    throw new TypeError(
      `lossHistory: result must be a training result {history, finalLoss (finite)}, got ${
        describe(result)
      }`,
    );
  }
  return [
    ...result.history,
    { epoch: result.history.length, loss: result.finalLoss },
  ];
}
