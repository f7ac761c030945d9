/**
 * Chapter 10's training and measurements: the trainer of lib/train/ run on
 * repeated sequences with next-token cross-entropy, and what the chapter
 * reads from a model: the loss on repeated and on first-block tokens, the
 * loss at each position, and every head's previous-token and induction
 * scores, with or without an intervention.
 *
 * Shape names: `B` sequences, `T` positions, `layers`, `heads`.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import {
  checkNumberLists,
  checkObject,
  checkOptions,
  describe,
} from "../../core/_describe.ts";
import { checkTensorSize } from "../../core/limits.ts";

import { Model } from "../../core/model.ts";
import {
  type Data,
  type Loss,
  type StepRecord,
  train,
  type TrainHistory,
} from "../../train/trainer.ts";
import {
  predictionMasks,
  repeatedSequences,
  resolveSequenceConfig,
  type SequenceBatch,
  type SequenceConfig,
} from "./data.ts";
import { maskedMean, nextTokenLoss, predictionLosses } from "./loss.ts";
import {
  type InductionForwardOptions,
  inductionModel,
  type InductionModelConfig,
  resolveModelConfig,
} from "./model.ts";
import { inductionScores, previousTokenScores } from "./scores.ts";

// A whole number ≥ 0 (a seed, a step).
function checkWhole(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `${name} must be a whole number ≥ 0, got ${describe(value)}`,
    );
  }
}

/** The chapter's model, as the trainer and the measurements take it. */
export type InductionModel = Model<number[][], InductionForwardOptions>;

/** How the chapter trains. */
export interface InductionTrainingConfig {
  /** Adam updates, one batch each. */
  steps: number;
  /** Sequences per batch. */
  batchSize: number;
  /** Adam's step size. */
  learningRate: number;
  /** Seed of the initial parameters and of the batches, a whole number ≥ 1. */
  seed: number;
  /** Measure the held-out batch every this many steps (the live view's points). */
  evaluateEvery: number;
  /** Sequences in the held-out batch the measurements use. */
  evaluationSize: number;
  /** The data (data.ts); `{ minPeriod: 8, maxPeriod: 8 }` is the fixed-period control. */
  sequences: Partial<SequenceConfig>;
  /** The model (model.ts); `{ layers: 1 }` is the one-layer control. */
  model: Partial<InductionModelConfig>;
}

/** The defaults: what the chapter trains (the PyTorch sketch). */
export const DEFAULT_TRAINING: Readonly<InductionTrainingConfig> = Object
  .freeze({
    steps: 800, // the phase change comes at 200–300 steps; 800 lets it settle
    batchSize: 32, // as the sketch
    learningRate: 3e-3, // as the sketch; Adam with PyTorch's betas
    seed: 1,
    evaluateEvery: 20, // 40 points per curve: the phase change is a few of them
    evaluationSize: 64, // held-out sequences: scores to about ±0.02
    sequences: {},
    model: {},
  });

/** The loss the chapter minimises: next-token cross-entropy at every position. */
export const NEXT_TOKEN_LOSS: Loss<number[][]> = {
  name: "next-token cross-entropy",
  compute: (result, tokens) => nextTokenLoss(result.output, tokens),
};

/**
 * Fills in and checks a training configuration.
 *
 * @param config Fields to change from {@linkcode DEFAULT_TRAINING}.
 * @returns The full configuration.
 * @throws {RangeError} For a field out of range.
 */
export function resolveTraining(
  config: Partial<InductionTrainingConfig> = {},
): InductionTrainingConfig {
  checkOptions(config, "config");
  const c = { ...DEFAULT_TRAINING, ...config };
  for (
    const key of [
      "steps",
      "batchSize",
      "seed",
      "evaluateEvery",
      "evaluationSize",
    ] as const
  ) {
    const min = key === "steps" ? 0 : 1;
    if (!Number.isInteger(c[key]) || c[key] < min) {
      throw new RangeError(
        `${key} must be a whole number ≥ ${min}, got ${describe(c[key])}`,
      );
    }
  }
  if (
    typeof c.learningRate !== "number" ||
    !(c.learningRate > 0 && c.learningRate < 1)
  ) {
    throw new RangeError(
      `learningRate must be a number in (0, 1), got ${
        describe(c.learningRate)
      }`,
    );
  }
  const { seqLen } = resolveSequenceConfig(
    checkOptions(c.sequences, "config.sequences"),
  );
  checkTensorSize({ batchSize: c.batchSize, seqLen });
  checkTensorSize({ evaluationSize: c.evaluationSize, seqLen });
  resolveModelConfig(checkOptions(c.model, "config.model"));
  return c;
}

/**
 * The seed of step `step`'s batch for a run seeded `seed`: different for
 * every step, and never that of the held-out batch ({@linkcode heldOutSeed}).
 *
 * @param seed The run's seed.
 * @param step The step, from 0.
 * @returns A 32-bit whole number.
 */
export function batchSeed(seed: number, step: number): number {
  checkWhole(seed, "seed");
  checkWhole(step, "step");
  return (Math.imul(seed, 0x9e3779b1) + 2 * step + 1) >>> 0;
}

/**
 * The seed of the held-out batch of a run seeded `seed` (an even offset;
 * the training batches take the odd ones).
 *
 * @param seed The run's seed.
 * @returns A 32-bit whole number.
 */
export function heldOutSeed(seed: number): number {
  checkWhole(seed, "seed");
  return (Math.imul(seed, 0x9e3779b1) + 0x7ffffffe) >>> 0;
}

/**
 * The training batches: step `k` gets `batchSize` fresh sequences.
 *
 * @param config The training configuration.
 * @returns A data function for {@linkcode train}: input and target are both the tokens.
 */
export function inductionData(
  config: InductionTrainingConfig,
): Data<number[][], number[][]> {
  config = resolveTraining(config);
  return (step) => {
    const { tokens } = repeatedSequences(config.batchSize, {
      seed: batchSeed(config.seed, step),
      config: config.sequences,
    });
    return { input: tokens, target: tokens };
  };
}

/**
 * The held-out batch a run is measured on.
 *
 * @param config The training configuration.
 * @returns `evaluationSize` sequences and their periods.
 */
export function heldOutBatch(config: InductionTrainingConfig): SequenceBatch {
  config = resolveTraining(config);
  return repeatedSequences(config.evaluationSize, {
    seed: heldOutSeed(config.seed),
    config: config.sequences,
  });
}

/** What {@linkcode measure} reads from a model on one batch. */
export interface InductionMeasures {
  /** Mean loss of the predictions made from a repeated token (`i ≥ p + 1`). */
  repeatedLoss: number;
  /** Mean loss of the predictions of first-block tokens (`i ≤ p − 1`). */
  firstBlockLoss: number;
  /** Mean loss at each prediction position `i = 0…T − 2`, `[T − 1]`. */
  positionLoss: number[];
  /** Every head's previous-token score, `[layers][heads]`. */
  previousToken: number[][];
  /** Every head's induction score, `[layers][heads]`. */
  induction: number[][];
}

/**
 * Measures a model on a batch, optionally under an intervention (an
 * ablation, a cut composition).
 *
 * @param model The model.
 * @param batch Sequences and their periods.
 * @param options Passed to the forward: heads to ablate, inputs to cut.
 * @returns The losses and scores.
 */
export function measure(
  model: InductionModel,
  batch: SequenceBatch,
  options?: InductionForwardOptions,
): InductionMeasures {
  if (!(model instanceof Model)) {
    throw new TypeError(
      `model must be a Model (see trainInduction), got ${describe(model)}`,
    );
  }
  checkObject(
    batch,
    "batch",
    "a batch {tokens, periods} (see repeatedSequences)",
  );
  const [B] = checkNumberLists(batch.tokens, "batch.tokens", 2);
  if (!Array.isArray(batch.periods) || batch.periods.length !== B) {
    throw new RangeError(
      `batch.periods must hold one period per sequence of batch.tokens (${B}), got ${
        describe(batch.periods)
      }`,
    );
  }
  const { output, attention } = model.forward(batch.tokens, options);
  let losses: number[][], previousToken: number[][], induction: number[][];
  try {
    const lossTensor = predictionLosses(output, batch.tokens); // [B, T − 1]
    losses = lossTensor.arraySync();
    lossTensor.dispose();
    previousToken = attention.map((a) => previousTokenScores(a));
    induction = attention.map((a) => inductionScores(a, batch.periods));
  } finally {
    tf.dispose([output, ...attention]);
  }
  const T = batch.tokens[0].length;
  const masks = predictionMasks(batch.periods, T);
  const positionLoss = Array.from(
    { length: T - 1 },
    (_, i) => losses.reduce((sum, row) => sum + row[i], 0) / losses.length,
  );
  return {
    repeatedLoss: maskedMean(losses, masks.repeated),
    firstBlockLoss: maskedMean(losses, masks.firstBlock),
    positionLoss,
    previousToken,
    induction,
  };
}

/** The four numbers the live view follows, per evaluation. */
export interface PhaseMetrics extends Record<string, number> {
  /** See {@linkcode InductionMeasures.repeatedLoss}. */
  repeatedLoss: number;
  /** See {@linkcode InductionMeasures.firstBlockLoss}. */
  firstBlockLoss: number;
  /** The best previous-token score of layer 0. */
  previousToken: number;
  /** The best induction score of the last layer. */
  induction: number;
}

/**
 * The live view's numbers from a measurement: both losses, the best
 * previous-token score in layer 0 and the best induction score in the last
 * layer.
 *
 * @param m A measurement.
 * @returns Four numbers.
 */
export function phaseMetrics(m: InductionMeasures): PhaseMetrics {
  checkObject(m, "measures", "a measurement (see measure)");
  for (const key of ["repeatedLoss", "firstBlockLoss"] as const) {
    if (!Number.isFinite(m[key])) {
      throw new RangeError(
        `measures.${key} must be a finite number, got ${describe(m[key])}`,
      );
    }
  }
  checkNumberLists(m.previousToken, "measures.previousToken", 2);
  checkNumberLists(m.induction, "measures.induction", 2);
  return {
    repeatedLoss: m.repeatedLoss,
    firstBlockLoss: m.firstBlockLoss,
    previousToken: Math.max(...m.previousToken[0]),
    induction: Math.max(...m.induction[m.induction.length - 1]),
  };
}

/** Options for {@linkcode trainInduction}. */
export interface TrainInductionOptions {
  /** Fields to change from {@linkcode DEFAULT_TRAINING}. */
  config?: Partial<InductionTrainingConfig>;
  /** Called after every step, e.g. to draw the live view. */
  onStep?: (
    record: StepRecord,
    history: readonly StepRecord[],
  ) => void | Promise<void>;
}

/** What {@linkcode trainInduction} returns; the caller disposes the model. */
export interface TrainInductionResult {
  /** The trained model. */
  model: InductionModel;
  /** The full configuration it was trained with. */
  config: InductionTrainingConfig;
  /** The trainer's history; `metrics` ({@linkcode PhaseMetrics}) every `evaluateEvery` steps. */
  history: TrainHistory;
}

/**
 * Builds the model from its seed and trains it with the library's trainer,
 * measuring the held-out batch every `evaluateEvery` steps.
 *
 * @param options The configuration and a progress callback.
 * @returns The model, the configuration and the history.
 * @throws {RangeError} For a bad configuration.
 */
export async function trainInduction(
  options: TrainInductionOptions = {},
): Promise<TrainInductionResult> {
  const config = resolveTraining(checkOptions(options).config);
  const sequences = resolveSequenceConfig(config.sequences);
  const heldOut = heldOutBatch(config);
  const definition = inductionModel({
    vocabSize: sequences.vocabSize,
    seqLen: sequences.seqLen,
    ...config.model,
  });
  const model: InductionModel = new Model(definition, { seed: config.seed });
  try {
    const history = await train(model, NEXT_TOKEN_LOSS, inductionData(config), {
      steps: config.steps,
      adam: { learningRate: config.learningRate },
      evaluateEvery: config.evaluateEvery,
      evaluate: (m) => phaseMetrics(measure(m, heldOut)),
      onStep: options.onStep,
    });
    return { model, config, history };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * The first evaluated step at which the repeated-token loss is below a
 * threshold, or `undefined` if it never is.
 *
 * @param history A training history with metrics.
 * @param threshold The loss to fall below. Default 1.
 * @returns The step number.
 */
export function firstStepBelow(
  history: TrainHistory,
  threshold = 1,
): number | undefined {
  checkObject(history, "history", "a training history (see train)");
  if (!Array.isArray(history.steps)) {
    throw new TypeError(
      `history.steps must be a list of step records, got ${
        describe(history.steps)
      }`,
    );
  }
  if (typeof threshold !== "number" || Number.isNaN(threshold)) {
    throw new RangeError(
      `threshold must be a number, got ${describe(threshold)}`,
    );
  }
  return history.steps.find((s) =>
    s.metrics !== undefined && s.metrics.repeatedLoss < threshold
  )?.step;
}
