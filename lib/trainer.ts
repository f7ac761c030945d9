/**
 * Training: Adam on the size loss for a number of epochs, reporting each
 * epoch through a callback and returning the whole history. The default
 * engine is the fast one; the "tfjs" engine runs the same training with
 * tfjs's automatic differentiation and optimizer, for teaching and checking.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { ADAM, FastAttention } from "./_fast.ts";
import { describe } from "./_describe.ts";
import { type AttentionConfig, resolveConfig } from "./config.ts";
import { sizeLoss, sizeMask } from "./loss.ts";
import { AttentionModel } from "./model.ts";
import {
  checkEmbeddingSize,
  checkParameters,
  cloneParameters,
  initParameters,
  type Parameters,
} from "./parameters.ts";
import type { Experiment } from "./tokenizer.ts";

/** Which implementation runs the training steps. */
export type Engine = "fast" | "tfjs";

/** The state at the start of one epoch, before its update. */
export interface EpochReport {
  /** Epoch number, from 0. */
  epoch: number;
  /** Loss before this epoch's update. */
  loss: number;
  /** The focus word's attention weights before this epoch's update, `[seqLen]`. */
  weights: number[];
}

/** Options for {@linkcode train}. */
export interface TrainOptions {
  /** `"fast"` (default): hand-written gradients; `"tfjs"`: tfjs autodiff and `tf.train.adam`. */
  engine?: Engine;
  /** Parameters to start from; default `initParameters(vocabSize, dModel, {seed})`. */
  initialParameters?: Parameters;
  /** Called once per epoch; training waits for a returned promise. */
  onEpoch?: (report: EpochReport) => void | Promise<void>;
}

/** Everything a training run produced. */
export interface TrainResult {
  /** The parameters before the first update. */
  initialParameters: Parameters;
  /** The parameters after the last update. */
  finalParameters: Parameters;
  /** The loss at the start of every epoch, `[epochs]`. */
  history: { epoch: number; loss: number }[];
  /** The focus word's weights at the start of every epoch, `[epochs, seqLen]`. */
  weightHistory: number[][];
  /** The focus word's weights after training, `[seqLen]`. */
  finalWeights: number[];
  /** The loss after training (after the last update; `history` holds the losses before each update). */
  finalLoss: number;
}

/**
 * Trains the attention of the focus word towards the size words with Adam,
 * as the original demo's `AttentionTrainer` does.
 *
 * @param experiment The prepared experiment (see `prepareExperiment`).
 * @param options Engine, starting parameters and a per-epoch callback.
 * @returns The history and the parameters before and after.
 * @throws {RangeError} When `initialParameters` do not fit the experiment's
 *   vocabulary and `dModel`, `engine` is unknown, or a hand-built experiment
 *   has a bad setting, token id, focus position or size positions.
 * @throws {TypeError} When `experiment` is not an experiment.
 *
 * @example
 * ```ts
 * import { prepareExperiment, train } from "./mod.ts";
 * const result = await train(prepareExperiment({ epochs: 5 }));
 * if (result.history.length !== 5) throw new Error();
 * ```
 */
export async function train(
  experiment: Experiment,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const config = checkExperiment(experiment);
  const vocabSize = experiment.vocabulary.words.length;
  if (options.initialParameters !== undefined) {
    checkParameters(options.initialParameters, {
      vocabSize,
      dModel: config.dModel,
    });
  }
  const initialParameters = cloneParameters(
    options.initialParameters ??
      initParameters(vocabSize, config.dModel, { seed: config.seed }),
  );
  const engine = options.engine ?? "fast";
  const stepper = engine === "fast"
    ? fastStepper(experiment, initialParameters)
    : engine === "tfjs"
    ? tfjsStepper(experiment, initialParameters)
    : undefined;
  if (stepper === undefined) {
    throw new RangeError(`engine must be "fast" or "tfjs", got "${engine}"`);
  }
  const history: TrainResult["history"] = [];
  const weightHistory: number[][] = [];
  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const { loss, weights } = stepper.step(config.learningRate);
      history.push({ epoch, loss });
      weightHistory.push(weights);
      const pending = options.onEpoch?.({ epoch, loss, weights });
      if (pending) await pending;
    }
    return {
      initialParameters,
      finalParameters: stepper.parameters(),
      history,
      weightHistory,
      ...stepper.final(),
    };
  } finally {
    stepper.dispose();
  }
}

// Checks an experiment, which may be hand-built, as prepareExperiment would
// have: settings in range, token ids inside the vocabulary, a focus position
// inside the sentence, valid size positions. Returns the checked settings.
function checkExperiment(experiment: Experiment): AttentionConfig {
  if (
    typeof experiment !== "object" || experiment === null ||
    !Array.isArray(experiment.tokenIds) ||
    !Array.isArray(experiment.vocabulary?.words)
  ) {
    throw new TypeError(
      `train needs an experiment from prepareExperiment, got ${
        describe(experiment)
      }`,
    );
  }
  const config = resolveConfig(experiment.config);
  const { tokenIds, focusPosition, sizePositions } = experiment;
  const vocabSize = experiment.vocabulary.words.length;
  checkEmbeddingSize(vocabSize, config.dModel);
  for (const id of tokenIds) {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new RangeError(
        `token id ${describe(id)} is outside the vocabulary (0…${
          vocabSize - 1
        })`,
      );
    }
  }
  if (
    !Number.isInteger(focusPosition) || focusPosition < 0 ||
    focusPosition >= tokenIds.length
  ) {
    throw new RangeError(
      `focus position ${describe(focusPosition)} is outside the sentence (0…${
        tokenIds.length - 1
      })`,
    );
  }
  if (!Array.isArray(sizePositions)) {
    throw new TypeError(
      `sizePositions must be a list of positions, got ${
        describe(sizePositions)
      }`,
    );
  }
  sizeMask(tokenIds.length, sizePositions);
  return config;
}

interface Stepper {
  step(learningRate: number): { loss: number; weights: number[] };
  final(): { finalWeights: number[]; finalLoss: number };
  parameters(): Parameters;
  dispose(): void;
}

function fastStepper(experiment: Experiment, start: Parameters): Stepper {
  const kernel = new FastAttention(experiment, start);
  return {
    step: (learningRate) => kernel.step(learningRate),
    final: () => {
      const { loss, weights } = kernel.evaluate();
      return { finalWeights: weights, finalLoss: loss };
    },
    parameters: () => kernel.parameters(),
    dispose: () => {},
  };
}

function tfjsStepper(experiment: Experiment, start: Parameters): Stepper {
  const { tokenIds, focusPosition, sizePositions } = experiment;
  const model = new AttentionModel(start);
  let optimizer: tf.AdamOptimizer | undefined;
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
          const w = model.focusWeights(tokenIds, focusPosition);
          weights = [...w.dataSync()];
          return sizeLoss(w, sizePositions).loss;
        },
        true,
        model.variables(),
      )!;
      const loss = cost.dataSync()[0];
      cost.dispose();
      return { loss, weights };
    },
    final: () =>
      tf.tidy(() => {
        const w = model.focusWeights(tokenIds, focusPosition);
        return {
          finalWeights: [...w.dataSync()],
          finalLoss: sizeLoss(w, sizePositions).loss.dataSync()[0],
        };
      }),
    parameters: () => model.parameters(),
    dispose: () => {
      optimizer?.dispose();
      model.dispose();
    },
  };
}
