/**
 * The standard figures of a trained experiment, drawn with the chart families
 * of this folder: used by the CLI's `--svg` and the custom-sentence notebook.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { sizeLossFloor } from "../loss.ts";
import { AttentionModel, type AttentionSteps } from "../model.ts";
import type { Experiment } from "../tokenizer.ts";
import type { TrainResult } from "../trainer.ts";
import { attentionBars, weightBars } from "./bars.ts";
import { type ChartElement, tokenLabels } from "./common.ts";
import { heatmap, matrixCells } from "./heatmap.ts";
import { lossCurve, lossHistory } from "./lines.ts";
import { trajectoryPoints, weightTrajectories } from "./trajectories.ts";

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
