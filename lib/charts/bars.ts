/**
 * Bar charts: the focus word's attention weights (one bar per token) and
 * signed values such as gradients, plus the records they take.
 * @module
 */

import * as Plot from "@observablehq/plot";
import { checkOptions } from "../core/_describe.ts";
import type { Experiment } from "../demo/experiment.ts";
import {
  bandAxisMargins,
  BASE_COLOR,
  CHAR_WIDTH,
  type ChartElement,
  type ChartOptions,
  checkExperimentArgument,
  checkList,
  checkWeightList,
  DEFAULT_WIDTH,
  extent,
  formatNumber,
  frame,
  HIGHLIGHT_COLOR,
  NEGATIVE_COLOR,
  POSITIVE_COLOR,
  spacedSubset,
  tickRotate,
  tokenLabels,
} from "./common.ts";

/** One bar: its axis label and its height. */
export interface BarRecord {
  /** Axis label; labels must be unique (see {@linkcode tokenLabels}). */
  label: string;
  /** Height of the bar. */
  value: number;
  /** Draw this bar in the highlight colour (e.g. the size words). */
  highlight?: boolean;
}

/** Options for {@linkcode attentionBars}. */
export interface AttentionBarsOptions extends ChartOptions {
  /** Decimals of the value printed above each bar. Default 3. */
  decimals?: number;
  /**
   * Fixed value axis, e.g. `[0, 1]` for weights, or one domain for a before
   * and an after chart so their bars compare; its top rises to the tallest
   * bar if needed, never cutting one. Default: from 0 to the top bar.
   */
  yDomain?: [number, number];
  /**
   * Most bars drawn. Beyond it the chart keeps the highlighted bars and the
   * largest others, in their order, and sums the rest into one last bar
   * labelled "… N others (sum)". Default 30, so every token's label fits.
   */
  maxBars?: number;
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
 * import { attentionBars } from "./bars.ts";
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
  checkOptions(options);
  const decimals = options.decimals ?? 3;
  const shown = fewestBars(records, options.maxBars ?? 30);
  const labels = shown.map((r) => r.label);
  // Labels that never stack: with narrow bars, only some tick labels and
  // values are printed, at least a label's width apart, the highlighted bars
  // and then the largest first.
  const width = options.width ?? DEFAULT_WIDTH;
  const band = (width - 56 - 20) / shown.length;
  const summed = shown === records ? -1 : shown.length - 1; // the "… others" bar
  const order = (rank: (i: number) => number): number[] =>
    shown.map((_, i) => i).sort((a, b) =>
      rank(b) - rank(a) || shown[b].value - shown[a].value
    );
  const isHighlight = (i: number): number =>
    Number(shown[i].highlight === true);
  // Tick labels: the highlighted words first; values: the summed bar first.
  const ticks = spacedSubset(
    order((i) => 2 * isHighlight(i) + Number(i === summed)),
    Math.ceil(16 / band),
  );
  const valued = spacedSubset(
    order((i) => 2 * Number(i === summed) + isHighlight(i)),
    Math.ceil((CHAR_WIDTH * (decimals + 2) + 2) / band), // "0.137" and a gap
  );
  return Plot.plot({
    ...frame(options),
    ...bandAxisMargins(labels),
    x: {
      domain: labels,
      ticks: labels.filter((_, i) => ticks.has(i)),
      label: options.xLabel ?? "token",
      ...tickRotate(labels),
    },
    y: {
      label: options.yLabel ?? "attention weight",
      grid: true,
      // A given domain never cuts a bar: its top rises to the tallest bar.
      ...(options.yDomain
        ? {
          domain: [
            options.yDomain[0],
            Math.max(options.yDomain[1], extent(shown.map((r) => r.value))[1]),
          ],
        }
        : {}),
    },
    marks: [
      Plot.barY(shown, {
        x: "label",
        y: "value",
        fill: (r: BarRecord) => r.highlight ? HIGHLIGHT_COLOR : BASE_COLOR,
      }),
      Plot.ruleY([0]),
      Plot.text(shown, {
        filter: (_: BarRecord, i: number) => valued.has(i),
        x: "label",
        y: "value",
        text: (r: BarRecord) => formatNumber(r.value, decimals),
        lineAnchor: "bottom",
        dy: -4,
      }),
    ],
  });
}

/**
 * At most `maxBars` bars: all when they fit; else the highlighted ones (and
 * those `keep` accepts) and the largest others in their original order, and
 * one bar with the sum of the rest, so the bars still add up to the same
 * total. Shared with the line view of attention.
 */
export function fewestBars(
  records: BarRecord[],
  maxBars: number,
  keep: (r: BarRecord) => boolean = () => false,
): BarRecord[] {
  if (records.length <= maxBars) return records;
  const must = (r: BarRecord): boolean => r.highlight === true || keep(r);
  const room = Math.max(0, maxBars - 1 - records.filter(must).length);
  const largest = new Set(
    records.filter((r) => !must(r))
      .sort((a, b) => b.value - a.value)
      .slice(0, room),
  );
  const kept = records.filter((r) => must(r) || largest.has(r));
  let rest = 0;
  for (const r of records) if (!must(r) && !largest.has(r)) rest += r.value;
  const others = records.length - kept.length;
  return [...kept, { label: `… ${others} others (sum)`, value: rest }];
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
 * import { signedBars } from "./bars.ts";
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
  checkOptions(options);
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

/** Checks bar records: not empty, unique labels, finite values. */
export function checkBars(records: BarRecord[], caller: string): void {
  checkList(records, "records", caller, "a bar {label, value}");
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

/**
 * One bar per position for {@linkcode attentionBars}; size words highlighted.
 *
 * @param experiment The experiment the weights belong to.
 * @param weights The focus word's attention weights, `[seqLen]`.
 * @returns `[seqLen]` bar records labelled `"position token"`.
 *
 * @example
 * ```ts
 * import { prepareExperiment, weightBars } from "../mod.ts";
 * const bars = weightBars(prepareExperiment(), new Array(13).fill(1 / 13));
 * if (bars[2].label !== "2 elephant" || !bars[2].highlight) throw new Error();
 * ```
 */
export function weightBars(
  experiment: Experiment,
  weights: ArrayLike<number>,
): BarRecord[] {
  checkExperimentArgument(experiment, "weightBars");
  checkWeightList(weights, "weights", experiment.tokens.length, "weightBars");
  const labels = tokenLabels(experiment.tokens);
  return labels.map((label, position) => ({
    label,
    value: weights[position],
    highlight: experiment.sizePositions.includes(position),
  }));
}
