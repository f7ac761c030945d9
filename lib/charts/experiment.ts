/**
 * The standard figures of a trained experiment, drawn with the chart families
 * of this folder: used by the CLI's `--svg` and the custom-sentence notebook.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { sizeLossFloor } from "../demo/loss.ts";
import { AttentionModel } from "../demo/model.ts";
import { checkParameters, type Parameters } from "../demo/parameters.ts";
import { checkObject, checkOptions } from "../core/_describe.ts";
import type { Experiment } from "../demo/experiment.ts";
import { attentionLines } from "./attention_lines.ts";
import { attentionBars, fewestBars, weightBars } from "./bars.ts";
import {
  type ChartElement,
  checkExperimentArgument,
  checkList,
  checkWeightList,
  extent,
  tokenLabels,
} from "./common.ts";
import { colorDomain, heatmap, matrixCells } from "./heatmap.ts";
import { lossCurve, lossHistory } from "./lines.ts";
import { trajectoryPoints, weightTrajectories } from "./trajectories.ts";

/** The charts {@linkcode experimentCharts} can draw, in reading order. */
export const EXPERIMENT_CHARTS = [
  "weights_before",
  "weights_after",
  "attention_lines_before",
  "attention_lines_after",
  "loss",
  "trajectories",
  "embeddings",
  "queries",
  "keys",
  "values",
  "attention_matrix_before",
  "attention_matrix",
] as const;

/** The name of one of the standard charts. */
export type ExperimentChartName = typeof EXPERIMENT_CHARTS[number];

/**
 * What {@linkcode experimentCharts} draws from: a training run's plain
 * records, as `trainExperiment` returns them.
 */
export interface ExperimentRecords {
  /** The name of the loss that was minimised; default `"size"`. */
  lossName?: string;
  /** The loss before each epoch's update. */
  history: { epoch: number; loss: number }[];
  /** The loss after the last update. */
  finalLoss: number;
  /** The focus word's weights before each epoch's update, `[epochs, seqLen]`. */
  weightHistory: number[][];
  /** The focus word's weights after training, `[seqLen]`. */
  finalWeights: number[];
  /** The parameters before the first update. */
  initialParameters: Parameters;
  /** The parameters after the last update. */
  finalParameters: Parameters;
}

/**
 * A loss curve's title, from the loss's recorded name: the demo's size
 * loss is "Size loss L", any other "Loss NAME".
 *
 * @param lossName The recorded name.
 * @returns The title's start, e.g. `"Size loss L"`.
 */
export function lossTitle(lossName: string): string {
  return lossName === "size" ? "Size loss L" : `Loss ${lossName}`;
}

/** Options for {@linkcode experimentCharts}. */
export interface ExperimentChartsOptions {
  /** Which charts to draw; only what they need is computed. Default all. */
  charts?: readonly ExperimentChartName[];
}

/** Heatmaps print every value: only for sizes that stay readable. */
const MAX_HEATMAP_TOKENS = 40;
const MAX_HEATMAP_D_MODEL = 16;
/** Bars drawn (attentionBars' default): the rest are summed into one. */
const MAX_BARS = 30;
/** Grey trajectories drawn besides the size words'. */
const MAX_OTHER_LINES = 20;

/**
 * The standard figures of a trained experiment: the focus word's weights
 * before and after training (bars on one scale, and the line view), the
 * loss curve, the weight trajectories, and heatmaps of the trained
 * embeddings, of Q, K and V (one colour scale), and of the self-attention
 * matrix before and after training (on [0, 1], the focus row outlined).
 * Heatmaps are drawn only for at most 40 tokens and `dModel` ≤ 16; the
 * forward pass that feeds them runs only then, so a 15,000-token sentence
 * never builds a `[seqLen, seqLen]` matrix.
 *
 * @param experiment The experiment.
 * @param result What `trainExperiment` returned for it (plain records).
 * @param options Which charts to draw (default all).
 * @returns Charts by file-friendly name (those of {@linkcode EXPERIMENT_CHARTS}
 *   that were asked for and fit), in that order.
 * @throws {RangeError} When a requested chart name is unknown.
 */
export function experimentCharts(
  experiment: Experiment,
  result: ExperimentRecords,
  options: ExperimentChartsOptions = {},
): Record<string, ChartElement> {
  checkExperimentArgument(experiment, "experimentCharts");
  checkRecords(experiment, result, "experimentCharts");
  checkOptions(options);
  const wanted = new Set<string>(options.charts ?? EXPERIMENT_CHARTS);
  for (const name of wanted) {
    if (!(EXPERIMENT_CHARTS as readonly string[]).includes(name)) {
      throw new RangeError(
        `experimentCharts: unknown chart "${name}"; choose from ${
          EXPERIMENT_CHARTS.join(", ")
        }`,
      );
    }
  }
  const focus = `"${experiment.focusWord}"`;
  const labels = tokenLabels(experiment.tokens);
  const focusLabel = labels[experiment.focusPosition];
  const before = result.weightHistory[0] ?? result.finalWeights;
  const after = result.finalWeights;
  // One scale for before and after, so the bars compare.
  const top = extent(
    [before, after].flatMap((w) =>
      fewestBars(weightBars(experiment, w), MAX_BARS).map((r) => r.value)
    ),
  )[1];
  const yDomain: [number, number] = [0, Math.max(top, 1e-9) * 1.1];
  const charts: Record<string, ChartElement> = {};
  const draw = (name: ExperimentChartName, make: () => ChartElement) => {
    if (wanted.has(name)) charts[name] = make();
  };
  draw("weights_before", () =>
    attentionBars(weightBars(experiment, before), {
      title: `Attention of ${focus} before training`,
      yDomain,
    }));
  draw("weights_after", () =>
    attentionBars(weightBars(experiment, after), {
      title: `Attention of ${focus} after training`,
      yDomain,
    }));
  draw(
    "attention_lines_before",
    () =>
      attentionLines(weightBars(experiment, before), {
        focus: focusLabel,
        title: `Attention of ${focus} before training`,
      }),
  );
  draw(
    "attention_lines_after",
    () =>
      attentionLines(weightBars(experiment, after), {
        focus: focusLabel,
        title: `Attention of ${focus} after training`,
      }),
  );
  draw("loss", () =>
    lossCurve(lossHistory(result), {
      title: `${lossTitle(result.lossName ?? "size")} per epoch`,
      floor: (result.lossName ?? "size") === "size"
        ? sizeLossFloor(experiment.sizePositions.length)
        : undefined,
    }));
  draw("trajectories", () => {
    // Only the lines the chart draws: the size words and the others that end highest.
    const others = labels.map((_, i) => i)
      .filter((i) => !experiment.sizePositions.includes(i))
      .sort((a, b) => after[b] - after[a])
      .slice(0, MAX_OTHER_LINES);
    const positions = [...experiment.sizePositions, ...others].sort((a, b) =>
      a - b
    );
    const left = labels.length - positions.length;
    return weightTrajectories(
      trajectoryPoints(experiment, result, { positions }),
      {
        title: `Attention of ${focus} on each token during training`,
        subtitle: left > 0
          ? `The size words and the ${others.length} other tokens that end highest; ${left} more not drawn.`
          : undefined,
      },
    );
  });
  const small = experiment.config.dModel <= MAX_HEATMAP_D_MODEL &&
    labels.length <= MAX_HEATMAP_TOKENS;
  const heatmapNames: ExperimentChartName[] = [
    "embeddings",
    "queries",
    "keys",
    "values",
    "attention_matrix_before",
    "attention_matrix",
  ];
  if (!small || !heatmapNames.some((name) => wanted.has(name))) return charts;

  const dims = Array.from(
    { length: experiment.config.dModel },
    (_, i) => `d${i}`,
  );
  const trained = forwardArrays(experiment, result.finalParameters);
  const qkvDomain = colorDomain(
    [trained.queries, trained.keys, trained.values].flat(2),
  );
  const rowsOf = (
    matrix: number[][],
    title: string,
    domain?: [number, number],
  ) =>
    heatmap(matrixCells(matrix, { rows: labels, columns: dims }), {
      title,
      xLabel: "dimension",
      yLabel: "position token",
      domain,
      markRows: [focusLabel],
    });
  const matrixOf = (matrix: number[][], title: string) =>
    heatmap(matrixCells(matrix, { rows: labels, columns: labels }), {
      title,
      xLabel: "key (attended to)",
      yLabel: "query (attending)",
      domain: [0, 1],
      markRows: [focusLabel],
      legendLabel: "attention weight",
    });
  draw(
    "embeddings",
    () => rowsOf(trained.embeddings, "Trained embeddings X [seqLen, dModel]"),
  );
  draw(
    "queries",
    () => rowsOf(trained.queries, "Queries Q [seqLen, dModel]", qkvDomain),
  );
  draw(
    "keys",
    () => rowsOf(trained.keys, "Keys K [seqLen, dModel]", qkvDomain),
  );
  draw(
    "values",
    () => rowsOf(trained.values, "Values V [seqLen, dModel]", qkvDomain),
  );
  draw("attention_matrix_before", () =>
    matrixOf(
      forwardArrays(experiment, result.initialParameters).attentionMatrix,
      "Self-attention before training [seqLen, seqLen]",
    ));
  draw("attention_matrix", () =>
    matrixOf(
      trained.attentionMatrix,
      "Self-attention after training [seqLen, seqLen]",
    ));
  return charts;
}

// What trainExperiment returned, checked against the experiment's shapes.
function checkRecords(
  experiment: Experiment,
  result: ExperimentRecords,
  caller: string,
): void {
  checkObject(result, `${caller}: result`, "what trainExperiment returned");
  const seqLen = experiment.tokens.length;
  checkList(result.history, "result.history", caller, "a record {epoch, loss}");
  checkList(result.weightHistory, "result.weightHistory", caller);
  for (const [i, weights] of result.weightHistory.entries()) {
    checkWeightList(weights, `result.weightHistory[${i}]`, seqLen, caller);
  }
  checkWeightList(result.finalWeights, "result.finalWeights", seqLen, caller);
  const shape = {
    vocabSize: experiment.vocabulary.words.length,
    dModel: experiment.config.dModel,
  };
  for (const name of ["initialParameters", "finalParameters"] as const) {
    checkParameters(result[name], shape, `${caller}: result.${name}`);
  }
}

/** The forward pass's matrices as plain arrays; every tensor is freed. */
function forwardArrays(
  experiment: Experiment,
  parameters: Parameters,
): Record<
  "embeddings" | "queries" | "keys" | "values" | "attentionMatrix",
  number[][]
> {
  const model = new AttentionModel(parameters);
  try {
    const steps = model.forward(experiment.tokenIds, experiment.focusPosition);
    try {
      return {
        embeddings: steps.embeddings.arraySync(), // [seqLen, dModel]
        queries: steps.queries.arraySync(), // [seqLen, dModel]
        keys: steps.keys.arraySync(), // [seqLen, dModel]
        values: steps.values.arraySync(), // [seqLen, dModel]
        attentionMatrix: steps.attentionMatrix.arraySync(), // [seqLen, seqLen]
      };
    } finally {
      tf.dispose(steps);
    }
  } finally {
    model.dispose();
  }
}
