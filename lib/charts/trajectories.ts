/**
 * Weight trajectories: how the focus word's attention on each token moves
 * during training, one line per token, plus the records they take.
 * @module
 */

import * as Plot from "@observablehq/plot";
import type { Experiment } from "../tokenizer.ts";
import type { TrainResult } from "../trainer.ts";
import {
  CHAR_WIDTH,
  type ChartElement,
  type ChartOptions,
  frame,
  MUTED_COLOR,
  tokenLabels,
  WARM_COLORS,
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

/**
 * One point per epoch and position for {@linkcode weightTrajectories}: the
 * weights at the start of every epoch, then the final weights (at
 * `epoch = epochs`), so the lines end where the "after training" bars stand.
 *
 * @param experiment The experiment the weights belong to.
 * @param result The weights at the start of every epoch, `[epochs, seqLen]`, and after training, `[seqLen]`.
 * @returns `(epochs + 1) × seqLen` points; size words highlighted.
 */
export function trajectoryPoints(
  experiment: Experiment,
  result: Pick<TrainResult, "weightHistory" | "finalWeights">,
): TrajectoryPoint[] {
  const labels = tokenLabels(experiment.tokens);
  return [...result.weightHistory, result.finalWeights].flatMap((
    weights,
    epoch,
  ) =>
    labels.map((label, position) => ({
      epoch,
      label,
      weight: weights[position],
      highlight: experiment.sizePositions.includes(position),
    }))
  );
}
