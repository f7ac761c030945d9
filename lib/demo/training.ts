/**
 * The demo's training: `trainExperiment` builds the model, the loss and the
 * data of an experiment and trains them through one of two engines behind
 * the same call: the one trainer (`train/trainer.ts`, tfjs autodiff and the
 * one Adam), or the declared fast path for the demo's focus-row problem
 * (`handwritten.ts`, float64 loops), which `"auto"` picks when it says it
 * supports the problem. It returns the whole history and says which ran.
 * @module
 */

import { checkObject, checkOptions, describe } from "../core/_describe.ts";
import { type AttentionConfig, resolveConfig } from "./config.ts";
import {
  checkSentenceIds,
  checkWeightHistory,
  type Experiment,
} from "./experiment.ts";
import { HandwrittenAttention, handwrittenUnsupported } from "./handwritten.ts";
import { createSizeLoss, type RowLoss, sizeMask } from "./loss.ts";
import {
  checkEmbeddingSize,
  checkParameters,
  cloneParameters,
  initParameters,
  type Parameters,
} from "./parameters.ts";

/**
 * The engines: `"handwritten"`, the demo's fast path (hand-derived
 * gradients in float64 loops: the focus row, a loss with a float64 form);
 * `"tfjs"`, the one trainer (tfjs autodiff and the one Adam, any loss).
 */
export type EngineName = "handwritten" | "tfjs";

/** Every engine name, in the order `"auto"` tries them. */
export const ENGINE_NAMES: readonly EngineName[] = ["handwritten", "tfjs"];

/** The state at the start of one epoch, before its update. */
export interface EpochReport {
  /** Epoch number, from 0. */
  epoch: number;
  /** Loss before this epoch's update. */
  loss: number;
  /** The focus word's attention weights before this epoch's update, `[seqLen]`. */
  weights: number[];
}

/** Options for {@linkcode trainExperiment}. */
export interface TrainExperimentOptions {
  /** `"auto"` (default): the hand-written engine when it supports the problem, else `"tfjs"`; or an engine by name. */
  engine?: EngineName | "auto";
  /** What to minimise; default the size loss of the experiment's size words. */
  loss?: RowLoss;
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
  /** The name of the loss that was minimised (charts title their curves with it). */
  lossName: string;
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
 * `AttentionTrainer` does (by default on its size loss): the model of
 * `attentionDefinition`, the loss as a value, the sentence as the one batch
 * of every step.
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
 * import { prepareExperiment, trainExperiment } from "../mod.ts";
 * const result = await trainExperiment(prepareExperiment({ epochs: 5 }));
 * if (result.history.length !== 5) throw new Error();
 * if (result.engine.name !== "handwritten") throw new Error(result.engine.reason);
 * ```
 */
export async function trainExperiment(
  experiment: Experiment,
  options: TrainExperimentOptions = {},
): Promise<TrainResult> {
  checkOptions(options);
  if (options.loss !== undefined) checkRowLoss(options.loss);
  if (options.onEpoch !== undefined && typeof options.onEpoch !== "function") {
    throw new TypeError(
      `onEpoch must be a function, got ${describe(options.onEpoch)}`,
    );
  }
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
    }, "options.initialParameters");
  }
  const loss = options.loss ??
    createSizeLoss(tokenIds.length, experiment.sizePositions);
  const initialParameters = cloneParameters(
    options.initialParameters ??
      initParameters(vocabSize, config.dModel, { seed: config.seed }),
  );
  const problem = { tokenIds, focusPosition, loss };
  const why = handwrittenUnsupported(problem);
  if (asked === "handwritten" && why !== undefined) {
    throw new RangeError(
      `the handwritten engine cannot train this: ${why}; use engine "auto" or "tfjs"`,
    );
  }
  const engine: EngineChoice = asked !== "auto"
    ? { name: asked, reason: "asked for" }
    : why === undefined
    ? {
      name: "handwritten",
      reason:
        `automatic: the hand-written engine supports the ${loss.name} loss on the focus row`,
    }
    : {
      name: "tfjs",
      reason: `automatic: the hand-written engine does not support it (${why})`,
    };
  // tfjs loads only when the general path runs.
  const trained = engine.name === "handwritten"
    ? await runHandwritten(problem, initialParameters, config, options)
    : await (await import("./_tfjs_path.ts")).runTrainer(
      problem,
      initialParameters,
      config,
      options.onEpoch,
    );
  return {
    engine,
    lossName: loss.name,
    initialParameters,
    ...trained,
  };
}

// A row loss must be {name, tensor(tf, weights), evaluate?}; checked before
// any tensor exists, so a wrong one leaks nothing.
function checkRowLoss(loss: RowLoss): void {
  if (
    typeof loss !== "object" || loss === null ||
    typeof loss.name !== "string" || typeof loss.tensor !== "function" ||
    (loss.evaluate !== undefined && typeof loss.evaluate !== "function")
  ) {
    throw new TypeError(
      `loss must be a row loss {name, tensor(tf, weights), evaluate?} such as createSizeLoss(...), got ${
        describe(loss)
      }`,
    );
  }
}

// What an engine returns: the rest of a TrainResult.
type Trained = Omit<TrainResult, "engine" | "lossName" | "initialParameters">;

/** The demo's problem: one sentence, the focus row, a row loss. */
export interface FocusProblem {
  /** Token ids, `[seqLen]`. */
  tokenIds: number[];
  /** Position of the focus word, whose attention row the loss scores. */
  focusPosition: number;
  /** What training minimises. */
  loss: RowLoss;
}

// The fast path: the float64 kernel, one Adam step per epoch.
async function runHandwritten(
  problem: FocusProblem,
  initialParameters: Parameters,
  config: AttentionConfig,
  options: TrainExperimentOptions,
): Promise<Trained> {
  const kernel = new HandwrittenAttention(problem, initialParameters);
  const history: TrainResult["history"] = [];
  const weightHistory: number[][] = [];
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const { loss, weights } = kernel.step(config.learningRate);
    if (!Number.isFinite(loss)) {
      throw new RangeError(
        `training stopped at epoch ${epoch}: the ${problem.loss.name} is ${loss}; lower the learning rate or check the loss`,
      );
    }
    history.push({ epoch, loss });
    weightHistory.push(weights);
    const pending = options.onEpoch?.({ epoch, loss, weights });
    if (pending) await pending;
  }
  const final = kernel.evaluate();
  return {
    finalParameters: kernel.parameters(),
    history,
    weightHistory,
    finalWeights: final.weights,
    finalLoss: final.loss,
  };
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
  checkObject(
    experiment.config,
    "experiment.config",
    "an object such as { epochs: 10 }",
  );
  const config = resolveConfig(experiment.config);
  const { tokenIds, focusPosition, sizePositions } = experiment;
  const vocabSize = experiment.vocabulary.words.length;
  checkEmbeddingSize(vocabSize, config.dModel);
  checkWeightHistory(tokenIds.length, config.epochs);

  checkSentenceIds(tokenIds, focusPosition, vocabSize);
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
