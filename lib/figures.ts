/**
 * From results to charts: turns an experiment's weights and training history
 * into the plain records the chart builders take, and draws the standard set
 * of figures for a trained experiment (used by the CLI's `--svg` and the
 * custom-sentence notebook).
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import {
  attentionBars,
  type BarRecord,
  type ChartElement,
  heatmap,
  lossCurve,
  matrixCells,
  tokenLabels,
  type TrajectoryPoint,
  weightTrajectories,
} from "./charts.ts";
import { sizeLossFloor } from "./loss.ts";
import { AttentionModel, type AttentionSteps } from "./model.ts";
import type { Experiment } from "./experiment.ts";
import type { TrainResult } from "./trainer.ts";

/**
 * One bar per position for {@linkcode attentionBars}; size words highlighted.
 *
 * @param experiment The experiment the weights belong to.
 * @param weights The focus word's attention weights, `[seqLen]`.
 * @returns `[seqLen]` bar records labelled `"position token"`.
 *
 * @example
 * ```ts
 * import { prepareExperiment, weightBars } from "./mod.ts";
 * const bars = weightBars(prepareExperiment(), new Array(13).fill(1 / 13));
 * if (bars[2].label !== "2 elephant" || !bars[2].highlight) throw new Error();
 * ```
 */
export function weightBars(
  experiment: Experiment,
  weights: ArrayLike<number>,
): BarRecord[] {
  const labels = tokenLabels(experiment.tokens);
  return labels.map((label, position) => ({
    label,
    value: weights[position],
    highlight: experiment.sizePositions.includes(position),
  }));
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

/**
 * The loss curve's points: the loss before each epoch's update, then the loss
 * after the last update (at `epoch = epochs`).
 *
 * @param result What {@linkcode train} returned.
 * @returns `[epochs + 1]` points.
 */
export function lossHistory(
  result: TrainResult,
): { epoch: number; loss: number }[] {
  return [
    ...result.history,
    { epoch: result.history.length, loss: result.finalLoss },
  ];
}

/**
 * The standard figures of a trained experiment: the focus word's weights
 * before and after training, the loss curve, the weight trajectories, and
 * heatmaps of the trained embeddings, Q, K, V and self-attention matrix.
 *
 * @param experiment The experiment.
 * @param result What {@linkcode train} returned for it.
 * @returns Charts by file-friendly name, in reading order.
 */
export function experimentCharts(
  experiment: Experiment,
  result: TrainResult,
): Record<string, ChartElement> {
  const focus = `"${experiment.focusWord}"`;
  const labels = tokenLabels(experiment.tokens);
  const dims = Array.from(
    { length: experiment.config.dModel },
    (_, i) => `d${i}`,
  );
  // The tensors of the trained model's forward pass; the model itself is freed at once.
  const model = new AttentionModel(result.finalParameters);
  let steps: AttentionSteps;
  try {
    steps = model.forward(experiment.tokenIds, experiment.focusPosition);
  } finally {
    model.dispose();
  }
  // A heatmap of one [seqLen, …] tensor, rows labelled "position token".
  const rowsOf = (t: tf.Tensor, title: string, columns = dims) =>
    heatmap(
      matrixCells(t.arraySync() as number[][], { rows: labels, columns }),
      {
        title,
        xLabel: columns === dims ? "dimension" : "key (attended to)",
        yLabel: columns === dims ? "position token" : "query (attending)",
      },
    );
  try {
    // Heatmaps print every value: only for sizes that stay readable.
    const small = experiment.config.dModel <= 16 && labels.length <= 40;
    return {
      weights_before: attentionBars(
        weightBars(experiment, result.weightHistory[0]),
        { title: `Attention of ${focus} before training` },
      ),
      weights_after: attentionBars(
        weightBars(experiment, result.finalWeights),
        { title: `Attention of ${focus} after training` },
      ),
      loss: lossCurve(lossHistory(result), {
        title: "Size loss L per epoch",
        floor: sizeLossFloor(experiment.sizePositions.length),
      }),
      trajectories: weightTrajectories(
        trajectoryPoints(experiment, result),
        { title: `Attention of ${focus} on each token during training` },
      ),
      ...(small
        ? {
          embeddings: rowsOf(
            steps.embeddings,
            "Trained embeddings [seqLen, dModel]",
          ),
          queries: rowsOf(steps.queries, "Queries Q [seqLen, dModel]"),
          keys: rowsOf(steps.keys, "Keys K [seqLen, dModel]"),
          values: rowsOf(steps.values, "Values V [seqLen, dModel]"),
          attention_matrix: rowsOf(
            steps.attentionMatrix,
            "Self-attention matrix [seqLen, seqLen]",
            labels,
          ),
        }
        : {}),
    };
  } finally {
    tf.dispose(steps);
  }
}
