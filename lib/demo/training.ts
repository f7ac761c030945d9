/**
 * Training: Adam on a loss for a number of epochs, reporting each epoch
 * through a callback and returning the whole history. `train()` picks the
 * engine: the hand-written one when it supports the problem, else tfjs's
 * automatic differentiation (loaded only then), and says which ran and why.
 * @module
 */

import { describe } from "../core/_describe.ts";
import { type AttentionConfig, resolveConfig } from "./config.ts";
import {
  type Engine,
  ENGINE_NAMES,
  type EngineName,
  type TrainingProblem,
} from "../train/engine.ts";
import type { Experiment } from "./experiment.ts";
import { HANDWRITTEN_ENGINE } from "../train/handwritten.ts";
import { createSizeLoss, type Loss, sizeMask } from "./loss.ts";
import {
  checkEmbeddingSize,
  checkParameters,
  cloneParameters,
  initParameters,
  type Parameters,
} from "./parameters.ts";

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
  /** `"auto"` (default): the hand-written engine when it supports the problem, else `"tfjs"`; or an engine by name. */
  engine?: EngineName | "auto";
  /** What to minimise; default the size loss of the experiment's size words. */
  loss?: Loss;
  /** Parameters to start from; default `initParameters(vocabSize, dModel, {seed})`. */
  initialParameters?: Parameters;
  /** Called once per epoch; training waits for a returned promise. */
  onEpoch?: (report: EpochReport) => void | Promise<void>;
}

/** Which engine ran a training, and why that one. */
export interface EngineChoice {
  /** The engine's name. */
  name: EngineName;
  /** Why it ran: asked for, or why the automatic choice fell on it. */
  reason: string;
}

/** Everything a training run produced. */
export interface TrainResult {
  /** The engine that ran, and why. */
  engine: EngineChoice;
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
 * Trains the attention of the focus word with Adam, as the original demo's
 * `AttentionTrainer` does (by default on its size loss).
 *
 * @param experiment The prepared experiment (see `prepareExperiment`).
 * @param options Engine, loss, starting parameters and a per-epoch callback.
 * @returns The history, the parameters before and after, and the engine used.
 * @throws {RangeError} When `initialParameters` do not fit the experiment's
 *   vocabulary and `dModel`, `engine` is unknown, the engine asked for
 *   does not support the problem, or a hand-built experiment has a bad
 *   setting, token id, focus position or size positions.
 * @throws {TypeError} When `experiment` is not an experiment.
 *
 * @example
 * ```ts
 * import { prepareExperiment, train } from "../mod.ts";
 * const result = await train(prepareExperiment({ epochs: 5 }));
 * if (result.history.length !== 5) throw new Error();
 * if (result.engine.name !== "handwritten") throw new Error(result.engine.reason);
 * ```
 */
export async function train(
  experiment: Experiment,
  options: TrainOptions = {},
): Promise<TrainResult> {
  // The size positions matter only to the default size loss.
  const config = checkExperiment(experiment, options.loss === undefined);
  const { vocabulary, tokenIds, focusPosition } = experiment;
  const vocabSize = vocabulary.words.length;
  const asked = options.engine ?? "auto";
  if (asked !== "auto" && !ENGINE_NAMES.includes(asked)) {
    throw new RangeError(
      `engine must be "auto", ${
        ENGINE_NAMES.map((n) => `"${n}"`).join(" or ")
      }, got ${describe(asked)}`,
    );
  }
  if (options.initialParameters !== undefined) {
    checkParameters(options.initialParameters, {
      vocabSize,
      dModel: config.dModel,
    });
  }
  const problem: TrainingProblem = {
    tokenIds,
    focusPosition,
    loss: options.loss ??
      createSizeLoss(tokenIds.length, experiment.sizePositions),
    initialParameters: cloneParameters(
      options.initialParameters ??
        initParameters(vocabSize, config.dModel, { seed: config.seed }),
    ),
  };
  const { engine, reason } = await chooseEngine(asked, problem);
  const stepper = engine.start(problem);
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
    const final = stepper.final();
    return {
      engine: { name: engine.name, reason },
      initialParameters: problem.initialParameters,
      finalParameters: stepper.parameters(),
      history,
      weightHistory,
      finalWeights: final.weights,
      finalLoss: final.loss,
    };
  } finally {
    stepper.dispose();
  }
}

// Checks an experiment, which may be hand-built, as prepareExperiment would
// have: settings in range, token ids inside the vocabulary, a focus position
// inside the sentence, valid size positions (when `sizeLoss` uses them).
// Returns the checked settings.
function checkExperiment(
  experiment: Experiment,
  sizeLoss: boolean,
): AttentionConfig {
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
  if (sizeLoss) {
    if (!Array.isArray(sizePositions)) {
      throw new TypeError(
        `sizePositions must be a list of positions, got ${
          describe(sizePositions)
        }`,
      );
    }
    sizeMask(tokenIds.length, sizePositions);
  }
  return config;
}

// The tfjs engine, and tfjs with it, load only when chosen.
async function loadEngine(name: EngineName): Promise<Engine> {
  return name === "handwritten"
    ? HANDWRITTEN_ENGINE
    : (await import("../train/autodiff.ts")).AUTODIFF_ENGINE;
}

async function chooseEngine(
  asked: EngineName | "auto",
  problem: TrainingProblem,
): Promise<{ engine: Engine; reason: string }> {
  if (asked !== "auto") {
    const engine = await loadEngine(asked);
    const why = engine.unsupported(problem);
    if (why !== undefined) {
      throw new RangeError(
        `the ${asked} engine cannot train this: ${why}; use engine "auto" or "tfjs"`,
      );
    }
    return { engine, reason: "asked for" };
  }
  const why = HANDWRITTEN_ENGINE.unsupported(problem);
  if (why === undefined) {
    return {
      engine: HANDWRITTEN_ENGINE,
      reason:
        `automatic: the hand-written engine supports the ${problem.loss.name} loss on the focus row`,
    };
  }
  return {
    engine: await loadEngine("tfjs"),
    reason: `automatic: the hand-written engine does not support it (${why})`,
  };
}
