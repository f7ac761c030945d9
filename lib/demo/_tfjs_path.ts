/**
 * The demo's general path (not for readers to import): the model of
 * `attentionDefinition` trained by the one trainer. `trainExperiment` loads
 * this module, and tfjs with it, only when this path runs.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { Model } from "../core/model.ts";
import { train } from "../train/trainer.ts";
import type { AttentionConfig } from "./config.ts";
import type { RowLoss } from "./loss.ts";
import { attentionDefinition, focusRowLoss } from "./model.ts";
import { PARAMETER_SCHEMA, type Parameters } from "./parameters.ts";

/** What a run of the demo's focus problem produced (either engine). */
export interface FocusRun {
  /** The parameters after the last update. */
  finalParameters: Parameters;
  /** The loss at the start of every epoch, `[epochs]`. */
  history: { epoch: number; loss: number }[];
  /** The focus word's weights at the start of every epoch, `[epochs, seqLen]`. */
  weightHistory: number[][];
  /** The focus word's weights after training, `[seqLen]`. */
  finalWeights: number[];
  /** The loss after the last update. */
  finalLoss: number;
}

/**
 * Trains the demo's focus problem with the one trainer: the model on the
 * contract, the row loss as a value, the sentence as every step's batch,
 * and Kahan-compensated Adam, so float32 round-off does not drift from the
 * float64 fast path over many small steps.
 *
 * @param problem The sentence, the focus position and the row loss.
 * @param initialParameters Where to start.
 * @param config Epochs, learning rate and width.
 * @param onEpoch Called with each epoch's state before its update.
 * @returns The run's records.
 */
export async function runTrainer(
  problem: { tokenIds: number[]; focusPosition: number; loss: RowLoss },
  initialParameters: Parameters,
  config: Pick<AttentionConfig, "epochs" | "learningRate" | "dModel">,
  onEpoch?: (
    report: { epoch: number; loss: number; weights: number[] },
  ) => void | Promise<void>,
): Promise<FocusRun> {
  const vocabSize = initialParameters.embedding.length;
  const model = new Model(attentionDefinition(vocabSize, config.dModel), {
    values: Object.fromEntries(
      PARAMETER_SCHEMA.map((spec) => [
        spec.name,
        (initialParameters[spec.name] as number[] | number[][]).flat(),
      ]),
    ),
  });
  const input = {
    tokenIds: problem.tokenIds,
    focusPosition: problem.focusPosition,
  };
  try {
    const run = await train(
      model,
      focusRowLoss(problem.loss),
      () => ({ input, target: undefined }),
      {
        steps: config.epochs,
        adam: { learningRate: config.learningRate, compensated: true },
        recordAttention: true,
        onStep: onEpoch &&
          ((r) =>
            onEpoch({ epoch: r.step, loss: r.loss, weights: r.attention![0] })),
      },
    );
    const values = model.values();
    const d = config.dModel;
    const finalParameters = Object.fromEntries(
      PARAMETER_SCHEMA.map((spec) => {
        const flat = Array.from(values[spec.name]);
        return [
          spec.name,
          spec.shape.length === 2
            ? Array.from(
              { length: flat.length / d },
              (_, r) => flat.slice(r * d, (r + 1) * d),
            )
            : flat,
        ];
      }),
    ) as Parameters;
    let end = run.end;
    if (end === undefined) {
      // No epoch ran: the state at the starting parameters.
      end = tf.tidy(() => {
        const result = model.forward(input);
        return {
          step: 0,
          loss: focusRowLoss(problem.loss).compute(result, undefined)
            .dataSync()[0],
          attention: [Array.from(result.attention[0].dataSync())],
        };
      });
    }
    return {
      finalParameters,
      history: run.steps.map((r) => ({ epoch: r.step, loss: r.loss })),
      weightHistory: run.steps.map((r) => r.attention![0]),
      finalWeights: end.attention![0],
      finalLoss: end.loss,
    };
  } finally {
    model.dispose();
  }
}
