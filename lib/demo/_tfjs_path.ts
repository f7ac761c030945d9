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
import { attentionDefinition, focusRowLoss } from "./model.ts";
import { PARAMETER_SCHEMA, type Parameters } from "./parameters.ts";
import type {
  FocusProblem,
  Trained,
  TrainExperimentOptions,
} from "./training.ts";

// The general path: the model on the contract and the one trainer, with
// Kahan-compensated Adam so float32 round-off does not drift from the
// float64 fast path over many small steps.
/** Trains a focus problem with the one trainer. */
export async function runTrainer(
  problem: FocusProblem,
  initialParameters: Parameters,
  config: AttentionConfig,
  options: TrainExperimentOptions,
): Promise<Trained> {
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
    const onEpoch = options.onEpoch;
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
