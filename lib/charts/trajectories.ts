/**
 * Weight trajectories: how the focus word's attention on each token moves
 * during training, one line per token, plus the records they take.
 * @module
 */

import { checkOptions, describe } from "../core/_describe.ts";
import * as Plot from "@observablehq/plot";
import type { Experiment } from "../demo/experiment.ts";
import {
  CHAR_WIDTH,
  type ChartElement,
  type ChartOptions,
  checkExperimentArgument,
  checkList,
  extent,
  formatNumber,
  frame,
  longestLength,
  MUTED_COLOR,
  SIZE_COLORS,
  thinSeries,
  tokenLabels,
} from "./common.ts";

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

/** Options for {@linkcode weightTrajectories}. */
export interface WeightTrajectoriesOptions extends ChartOptions {
  /** Fixed epoch axis, e.g. `[0, epochs]`. Default: the data's extent. */
  xDomain?: [number, number];
  /** Fixed weight axis, e.g. `[0, 1]`. Default: from 0 to the data's top. */
  yDomain?: [number, number];
  /** Most grey (not highlighted) lines drawn, the ones that end highest. Default 20. */
  maxLines?: number;
  /** Most points per line; longer lines keep their envelope. Default 2000. */
  maxPoints?: number;
}

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
 * import { weightTrajectories } from "./trajectories.ts";
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
  checkList(
    records,
    "records",
    "weightTrajectories",
    "a point {label, epoch, weight}",
  );
  checkOptions(options);
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
    highlighted.map((label, i) => [label, SIZE_COLORS[i % SIZE_COLORS.length]]),
  );
  const isHighlighted = (r: TrajectoryPoint): boolean => colorOf.has(r.label);
  const last = new Map<string, TrajectoryPoint>();
  for (const r of records) {
    const seen = last.get(r.label);
    if (seen === undefined || r.epoch >= seen.epoch) last.set(r.label, r);
  }
  // Draw the highlighted lines and the `maxLines` others that end highest;
  // name the highlighted ones and the three highest others (the rest crowd
  // near zero). Thousands of lines would be one grey smear.
  const othersByEnd = [...last.values()]
    .filter((r) => !colorOf.has(r.label))
    .sort((a, b) => b.weight - a.weight);
  const maxLines = options.maxLines ?? 20;
  const drawn = new Set([
    ...highlighted,
    ...othersByEnd.slice(0, maxLines).map((r) => r.label),
  ]);
  const hidden = othersByEnd.slice(maxLines);
  const named = new Set([
    ...highlighted,
    ...othersByEnd.slice(0, 3).map((r) => r.label),
  ]);
  const color = (r: TrajectoryPoint): string =>
    colorOf.get(r.label) ?? MUTED_COLOR;
  // Each line thinned to its envelope (first, lowest, highest, last point
  // of each of about 500 epoch buckets): thousands of epochs stay readable.
  const byLabel = new Map<string, TrajectoryPoint[]>();
  for (const r of records) {
    if (!drawn.has(r.label)) continue;
    const list = byLabel.get(r.label) ?? [];
    list.push(r);
    byLabel.set(r.label, list);
  }
  const points = [...byLabel.values()].flatMap((list) =>
    thinSeries(
      list.sort((a, b) => a.epoch - b.epoch),
      (r) => r.weight,
      options.maxPoints ?? 2000,
    )
  );
  const longest = longestLength(named);
  const line = (filter: (r: TrajectoryPoint) => boolean, strokeWidth: number) =>
    Plot.line(points, {
      filter,
      x: "epoch",
      y: "weight",
      z: "label",
      stroke: color,
      strokeWidth,
    });
  // End labels, pushed upwards where they would overlap: at least 12 px
  // apart in the plot area (PLOT_HEIGHT minus the margins), and inside it.
  const [low, high] = options.yDomain ?? extent(points.map((r) => r.weight));
  const area = PLOT_HEIGHT - 60;
  const endsOf = (range: number) => {
    const gap = (range || 1) * 12 / area;
    const ends: (TrajectoryPoint & { labelY: number })[] = [];
    for (
      const r of [...last.values()]
        .filter((r) => named.has(r.label))
        .sort((a, b) => a.weight - b.weight)
    ) {
      const below = ends.at(-1)?.labelY ?? -Infinity;
      ends.push({ ...r, labelY: Math.max(r.weight, below + gap) });
    }
    return ends;
  };
  // The label gap depends on the axis range, which the labels may extend:
  // a few rounds settle it (each round can only raise the top a little).
  const bottom = options.yDomain?.[0] ?? Math.min(0, low);
  let range = Math.max(high - bottom, 1e-9);
  let ends = endsOf(range);
  for (let round = 0; round < 4 && !options.yDomain; round++) {
    range = Math.max(high, ends.at(-1)?.labelY ?? high) - bottom;
    ends = endsOf(range);
  }
  const yDomain: [number, number] = options.yDomain ??
    [bottom, Math.max(high, ends.at(-1)?.labelY ?? high)];
  const others = (r: TrajectoryPoint): boolean => !isHighlighted(r);
  const marks: Plot.Markish[] = [
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
  ];
  if (hidden.length > 0) {
    marks.push(
      Plot.text([hidden.length], {
        frameAnchor: "top-left",
        dx: 6,
        dy: 4,
        text: (n: number) =>
          `+ ${n} more tokens not drawn (each ends at ≤ ${
            formatNumber(hidden[0].weight, 3)
          })`,
        fill: "#666",
      }),
    );
  }
  return Plot.plot({
    ...frame(options),
    height: PLOT_HEIGHT,
    marginLeft: 56,
    marginRight: 16 + CHAR_WIDTH * longest,
    x: {
      label: options.xLabel ?? "epoch",
      ...(options.xDomain ? { domain: options.xDomain } : {}),
    },
    y: {
      label: options.yLabel ?? "attention weight",
      grid: true,
      domain: yDomain,
      clamp: options.yDomain !== undefined,
    },
    marks,
  });
}

const PLOT_HEIGHT = 400;

/**
 * One point per epoch and position for {@linkcode weightTrajectories}: the
 * weights at the start of every epoch, then the final weights (at
 * `epoch = epochs`), so the lines end where the "after training" bars stand.
 *
 * @param experiment The experiment the weights belong to.
 * @param result The weights at the start of every epoch, `[epochs, seqLen]`, and after training, `[seqLen]`.
 * @param options Which positions to include (default all).
 * @returns `(epochs + 1) × positions` points; size words highlighted.
 */
export function trajectoryPoints(
  experiment: Experiment,
  result: { weightHistory: number[][]; finalWeights: number[] },
  options: TrajectoryPointsOptions = {},
): TrajectoryPoint[] {
  checkExperimentArgument(experiment, "trajectoryPoints");
  checkOptions(options);
  if (
    typeof result !== "object" || result === null ||
    !Array.isArray(result.weightHistory) || !Array.isArray(result.finalWeights)
  ) {
    throw new TypeError(
      `trajectoryPoints: result must be a training result {weightHistory, finalWeights}, got ${
        describe(result)
      }`,
    );
  }
  const labels = tokenLabels(experiment.tokens);
  const positions = options.positions ?? labels.map((_, i) => i);
  return [...result.weightHistory, result.finalWeights].flatMap((
    weights,
    epoch,
  ) =>
    positions.map((position) => ({
      epoch,
      label: labels[position],
      weight: weights[position],
      highlight: experiment.sizePositions.includes(position),
    }))
  );
}

/** Options for {@linkcode trajectoryPoints}. */
export interface TrajectoryPointsOptions {
  /** Only these positions, e.g. the size words and the top others of a long sentence. Default all. */
  positions?: number[];
}
