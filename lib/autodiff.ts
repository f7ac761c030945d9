/**
 * The tfjs engine: the demo model's focus row in tfjs ops, gradients by
 * TensorFlow.js's automatic differentiation, and Adam. It trains any
 * {@linkcode Loss}; `train()` loads this module (and tfjs) only when it runs.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { ADAM } from "./config.ts";
import type { Engine, Stepper, TrainingProblem } from "./engine.ts";
import type { Loss } from "./loss.ts";
import { AttentionModel } from "./model.ts";

/**
 * The autodiff engine as {@linkcode train} sees it: every loss, through
 * its tensor form.
 */
export const AUTODIFF_ENGINE: Engine = {
  name: "tfjs",
  description: "TensorFlow.js automatic differentiation and tf.train.adam",
  unsupported: () => undefined,
  start: (problem: TrainingProblem): Stepper => {
    const { tokenIds, focusPosition, loss } = problem;
    const model = new AttentionModel(problem.initialParameters);
    let optimizer: tf.AdamOptimizer | undefined;
    const row = () => model.focusWeights(tokenIds, focusPosition); // [seqLen]
    return {
      step: (learningRate) => {
        optimizer ??= tf.train.adam(
          learningRate,
          ADAM.beta1,
          ADAM.beta2,
          ADAM.epsilon,
        );
        let weights: number[] = [];
        const cost = optimizer.minimize(
          () => {
            const w = row();
            weights = [...w.dataSync()];
            return lossOf(loss, w);
          },
          true,
          model.variables(),
        )!;
        const value = cost.dataSync()[0];
        cost.dispose();
        return { loss: value, weights };
      },
      final: () =>
        tf.tidy(() => {
          const w = row();
          return {
            weights: [...w.dataSync()],
            loss: lossOf(loss, w).dataSync()[0],
          };
        }),
      parameters: () => model.parameters(),
      dispose: () => {
        optimizer?.dispose();
        model.dispose();
      },
    };
  },
};

function lossOf(loss: Loss, weights: tf.Tensor1D): tf.Scalar {
  return loss.tensor(tf, weights);
}
