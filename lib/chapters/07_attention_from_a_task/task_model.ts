/**
 * Chapter 7's model: attention trained only through a task. Embeddings plus
 * learned positions, one or more attention hops queried from "it" (each adds
 * what it fetched to "it", residual), and a read-out that must name the
 * referent. The loss is cross-entropy on that name; no term of it mentions
 * attention weights.
 *
 * Shape names: `B` sentences in the batch, `seqLen` their padded length,
 * `dModel` width, `vocabSize` words, `classes` read-out classes, `hidden` the
 * read-out's hidden width.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import {
  embeddingLookup,
  scaledDotProductAttention,
} from "../../core/attention.ts";
import {
  checkSchema,
  type ForwardResult,
  Model,
  type ModelDefinition,
  type ParameterSpec,
  type ParameterValues,
} from "../../core/model.ts";
import { checkOptions, describe } from "../../core/_describe.ts";
import { checkTensorSize } from "../../core/limits.ts";
import { CROSS_ENTROPY } from "../../train/losses.ts";
import { type Batch, train } from "../../train/trainer.ts";
import {
  checkEncodedBatch,
  type Corpus,
  encode,
  type EncodedBatch,
  shuffle,
  type TaskSentence,
} from "./corpus.ts";

/** How the model is built and trained. */
export interface TaskModelConfig {
  /** Width of embeddings, positions and projections. */
  dModel: number;
  /** Attention hops from "it", each queried by "it" plus what the earlier hops fetched. */
  hops: number;
  /** "learned": softmax of scores; "uniform": every word weighs the same (a control). */
  attention: "learned" | "uniform";
  /** "word": name the referent among all words; "role": first or second noun (a control). */
  readout: "word" | "role";
  /** Width of the read-out's hidden layer. */
  hidden: number;
  /** Longest sentence the position table covers. */
  maxLen: number;
  /** Adam's learning rate. */
  learningRate: number;
  /** Training steps (Adam updates), each on one batch. */
  steps: number;
  /** Sentences per step; the training set is reshuffled each epoch. 0: the whole set every step. */
  batchSize: number;
  /** Seed of the initial parameters, a whole number ≥ 1 (tfjs treats 0 as "no seed"). */
  seed: number;
}

/** The defaults: what the chapter trains. */
export const DEFAULT_TASK_CONFIG: Readonly<TaskModelConfig> = Object.freeze({
  dModel: 16, // as in the PyTorch sketch: enough for 40 words, fast on a CPU
  hops: 2, // one hop to read the adjective into "it", one to fetch the noun
  attention: "learned",
  readout: "word", // naming the word makes the values carry the noun's identity
  hidden: 32, // twice dModel
  maxLen: 16, // the longest template has 14 words
  learningRate: 0.02, // twice the sketch's: mini-batches, and it settles within 100 steps
  steps: 200, // about 30 epochs; held-out accuracy settles within 100 steps
  batchSize: 128, // about 7 steps per epoch, each a seventh of a full-batch step
  seed: 1,
});

/**
 * The model's parameter schema: one table (name, shape, initialiser) that
 * the variables, their initial values and the forward all read. Embeddings
 * and positions N(0, 1) as `nn.Embedding`; matrices N(0, 1/fanIn); biases 0.
 *
 * @param vocabSize Words in the vocabulary.
 * @param classes Read-out classes.
 * @param config The full configuration.
 * @returns The rows, in a fixed order.
 */
export function taskSchema(
  vocabSize: number,
  classes: number,
  config: TaskModelConfig,
): ParameterSpec[] {
  const d = config.dModel;
  const rows: [string, number[]][] = [
    ["embedding", [vocabSize, d]],
    ["positions", [config.maxLen, d]],
    ...Array.from({ length: config.hops }, (_, h) =>
      [
        [`hop${h + 1}.query`, [d, d]],
        [`hop${h + 1}.key`, [d, d]],
        [`hop${h + 1}.value`, [d, d]],
      ] as [string, number[]][]).flat(),
    ["readout.hidden", [d, config.hidden]],
    ["readout.hiddenBias", [config.hidden]],
    ["readout.output", [config.hidden, classes]],
    ["readout.outputBias", [classes]],
  ];
  return rows.map(([name, shape]) => ({
    name,
    shape,
    init: shape.length === 1 ? { kind: "zeros" } : {
      kind: "normal",
      std: name === "embedding" || name === "positions"
        ? 1
        : 1 / Math.sqrt(shape[0]),
    },
  }));
}

/**
 * The chapter's initial values: the schema's normal draws made with tfjs's
 * seeded generator (seed `1000·seed + k + 1` for row `k`), as this chapter
 * has always started, so its notebook keeps its numbers. (The contract's
 * own `initValues` draws differently; both are deterministic.)
 *
 * @param schema The schema of {@linkcode taskSchema}.
 * @param seed The configuration's seed, ≥ 1.
 * @returns One array per parameter.
 */
export function taskInitialValues(
  schema: readonly ParameterSpec[],
  seed: number,
): ParameterValues {
  checkSchema(schema); // sizes within the limits table, before allocating
  return Object.fromEntries(schema.map((spec, k) => {
    const init = spec.init;
    const values = init.kind === "normal"
      ? tf.tidy(() =>
        tf.randomNormal(
          [...spec.shape],
          0,
          init.std,
          "float32",
          seed * 1000 + k + 1,
        )
          .dataSync() as Float32Array
      )
      : new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    return [spec.name, Float32Array.from(values)];
  }));
}

/**
 * The model on the contract: the schema of {@linkcode taskSchema} and a
 * forward from an encoded batch to the read-out's logits `[B, classes]`
 * and the attention of "it" in each hop, `hops × [B, 1, 1, seqLen]`
 * (one head, one query; pads get 0).
 *
 * @param vocabSize Words in the vocabulary.
 * @param config Overrides of {@linkcode DEFAULT_TASK_CONFIG}.
 * @returns The definition.
 * @throws {RangeError} For a bad size or configuration.
 */
export function taskDefinition(
  vocabSize: number,
  config: Partial<TaskModelConfig> = {},
): ModelDefinition<EncodedBatch> {
  if (!Number.isInteger(vocabSize) || vocabSize < 2) {
    throw new RangeError(
      `vocabSize must be a whole number ≥ 2, got ${describe(vocabSize)}`,
    );
  }
  const c = resolveTaskConfig(config);
  checkTensorSize({ vocabSize, dModel: c.dModel });
  const classes = c.readout === "word" ? vocabSize : 2;
  const { dModel, maxLen, hops, attention } = c;
  return {
    name: "chapter 7 task model",
    schema: taskSchema(vocabSize, classes, c),
    forward: (p, batch): ForwardResult => {
      checkEncodedBatch(batch, "batch");
      const { batchSize: B, seqLen } = batch;
      if (seqLen > maxLen) {
        throw new RangeError(
          `sentences of ${seqLen} words are longer than maxLen ${maxLen}`,
        );
      }
      const tokens = embeddingLookup(p["embedding"] as tf.Tensor2D, [
        ...batch.ids,
      ]); // [B·seqLen] → [B·seqLen, dModel]
      const x = tokens.reshape([B, seqLen, dModel]).add(
        p["positions"].slice([0, 0], [seqLen, dModel]),
      ) as tf.Tensor3D; // [B, seqLen, dModel] + [seqLen, dModel]
      const pad = tf.tensor(
        [...batch.ids].map((id) => id === 0 ? -Infinity : 0),
        [B, 1, seqLen],
      ); // [B, 1, seqLen]: -Infinity hides padding
      const focus = tf.oneHot(batch.focusPositions, seqLen).toFloat()
        .reshape([B, 1, seqLen]); // [B, 1, seqLen]
      let h = tf.matMul(focus, x); // [B, 1, seqLen] · [B, seqLen, dModel] → [B, 1, dModel]: "it"
      const rows = x.reshape([B * seqLen, dModel]);
      const weights: tf.Tensor[] = [];
      for (let hop = 1; hop <= hops; hop++) {
        const project = (name: string) =>
          tf.matMul(rows, p[`hop${hop}.${name}`]).reshape([B, seqLen, dModel]); // [B·seqLen, dModel] · [dModel, dModel] → [B, seqLen, dModel]
        const q = attention === "uniform"
          ? tf.zerosLike(h) // equal scores: uniform weights over the words
          : tf.matMul(
            h.reshape([B, dModel]),
            p[`hop${hop}.query`],
          ).reshape([B, 1, dModel]); // [B, dModel] · [dModel, dModel] → [B, 1, dModel]
        const forced = (batch as InterventionBatch).forceAttention;
        const result = forced?.hop === hop
          ? forcedAttention(forced.weights, project("value"), B, seqLen)
          : scaledDotProductAttention(
            q,
            project("key"),
            project("value"),
            { mask: pad },
          ); // output [B, 1, dModel], weights [B, 1, seqLen]
        h = h.add(result.output); // residual: "it" plus what this hop fetched
        weights.push(result.weights.reshape([B, 1, 1, seqLen])); // one head, one query
      }
      const hidden = tf.relu(
        tf.matMul(h.reshape([B, dModel]), p["readout.hidden"]).add(
          p["readout.hiddenBias"],
        ),
      ); // [B, dModel] · [dModel, hidden] → [B, hidden]
      const logits = tf.matMul(hidden, p["readout.output"]).add(
        p["readout.outputBias"],
      ) as tf.Tensor2D; // [B, hidden] · [hidden, classes] → [B, classes]
      return { output: logits, attention: weights };
    },
  };
}

/**
 * An encoded batch with one hop's attention imposed: an intervention. The
 * hop's weights are replaced by `weights` and its output is their weighted
 * sum of that hop's values; everything else runs as usual. Training never
 * sets it.
 */
export interface InterventionBatch extends EncodedBatch {
  /** Which hop (1-based) and the weights of "it" to impose, `[B, seqLen]`. */
  forceAttention?: { hop: number; weights: number[][] };
}

function forcedAttention(
  weights: number[][],
  values: tf.Tensor,
  batchSize: number,
  seqLen: number,
): { output: tf.Tensor; weights: tf.Tensor } {
  if (
    weights.length !== batchSize ||
    weights.some((row) =>
      row.length !== seqLen || row.some((w) => !Number.isFinite(w))
    )
  ) {
    throw new RangeError(
      `forceAttention.weights must be [${batchSize}, ${seqLen}] finite numbers (one row per sentence)`,
    );
  }
  const w = tf.tensor(weights, [batchSize, 1, seqLen]); // [B, 1, seqLen]
  return { output: tf.matMul(w, values), weights: w }; // [B, 1, seqLen] · [B, seqLen, dModel] → [B, 1, dModel]
}

/** What {@linkcode TaskModel.forward} returns; the caller owns the tensors. */
export interface TaskForward {
  /** Read-out scores, `[B, classes]`. */
  logits: tf.Tensor2D;
  /** Attention of "it" in each hop, `hops × [B, seqLen]`; pads get 0. */
  weights: tf.Tensor2D[];
}

/**
 * The model made concrete: a {@linkcode Model} of {@linkcode taskDefinition}
 * started from {@linkcode taskInitialValues}, with the configuration it was
 * built from. {@linkcode TaskModel.dispose} frees the variables.
 *
 * @example
 * ```ts
 * import { buildCorpus, encode } from "./corpus.ts";
 * import { TaskModel } from "./task_model.ts";
 * const corpus = buildCorpus();
 * const model = new TaskModel(corpus.vocabulary.length, { dModel: 4 });
 * const batch = encode(corpus.vocabulary, corpus.test.slice(0, 2).map((s) => s.words));
 * const { logits, weights } = model.forward(batch);
 * if (logits.shape.join() !== `2,${corpus.vocabulary.length}`) throw new Error();
 * logits.dispose();
 * weights.forEach((w) => w.dispose());
 * model.dispose();
 * ```
 */
export class TaskModel {
  /** The configuration, defaults filled in. */
  readonly config: TaskModelConfig;
  /** Read-out classes: `vocabSize` for "word", 2 for "role". */
  readonly classes: number;
  /** The model on the contract, which the one trainer trains. */
  readonly model: Model<EncodedBatch>;

  /**
   * @param vocabSize Words in the vocabulary.
   * @param config Overrides of {@linkcode DEFAULT_TASK_CONFIG}.
   * @throws {RangeError} For a bad size, width, hop count, seed or mode.
   */
  constructor(vocabSize: number, config: Partial<TaskModelConfig> = {}) {
    const definition = taskDefinition(vocabSize, config);
    this.config = resolveTaskConfig(config);
    this.classes = this.config.readout === "word" ? vocabSize : 2;
    this.model = new Model(definition, {
      values: taskInitialValues(definition.schema, this.config.seed),
    });
  }

  /** Every trainable parameter by name, in schema order. */
  get parameters(): ReadonlyMap<string, tf.Variable> {
    return this.model.variables;
  }

  /** The trainable variables, in a fixed order. */
  get variables(): tf.Variable[] {
    return [...this.model.variables.values()];
  }

  /**
   * Runs the model on a batch.
   *
   * @param batch Encoded sentences (see {@linkcode encode}).
   * @returns The read-out scores `[B, classes]` and the attention of "it" per hop `[B, seqLen]`.
   * @throws {RangeError} When a sentence is longer than `maxLen`.
   */
  forward(batch: EncodedBatch): TaskForward {
    checkEncodedBatch(batch, "batch");
    const { output, attention } = this.model.forward(batch);
    const weights = attention.map((a) => {
      const w = a.reshape([batch.batchSize, batch.seqLen]) as tf.Tensor2D; // [B, 1, 1, seqLen] → [B, seqLen]
      a.dispose();
      return w;
    });
    return { logits: output as tf.Tensor2D, weights };
  }

  /** Frees the variables. */
  dispose(): void {
    this.model.dispose();
  }
}

/**
 * Fills in and checks a configuration.
 *
 * @param config Overrides of {@linkcode DEFAULT_TASK_CONFIG}.
 * @returns The full configuration.
 * @throws {RangeError} Naming the first bad field and what is valid.
 */
export function resolveTaskConfig(
  config: Partial<TaskModelConfig> = {},
): TaskModelConfig {
  checkOptions(config, "config");
  const c = { ...DEFAULT_TASK_CONFIG, ...config };
  for (const key of Object.keys(config)) {
    if (!(key in DEFAULT_TASK_CONFIG)) {
      throw new RangeError(
        `config has an unknown option ${describe(key)}; known: ${
          Object.keys(DEFAULT_TASK_CONFIG).join(", ")
        }`,
      );
    }
  }
  const whole = (name: keyof TaskModelConfig, low: number, high: number) => {
    const v = c[name] as number;
    if (!Number.isInteger(v) || v < low || v > high) {
      throw new RangeError(
        `${name} must be a whole number from ${low} to ${high}, got ${
          describe(v)
        }`,
      );
    }
  };
  whole("dModel", 1, 1024);
  whole("hops", 1, 8);
  whole("hidden", 1, 4096);
  whole("maxLen", 1, 4096);
  whole("steps", 0, 1_000_000);
  whole("batchSize", 0, 1_000_000);
  whole("seed", 1, 2 ** 21); // the seeds of the parameters stay below 2³¹
  if (!(c.learningRate > 0 && c.learningRate <= 10)) {
    throw new RangeError(
      `learningRate must be in (0, 10], got ${describe(c.learningRate)}`,
    );
  }
  if (c.attention !== "learned" && c.attention !== "uniform") {
    throw new RangeError(
      `attention must be "learned" or "uniform", got ${describe(c.attention)}`,
    );
  }
  if (c.readout !== "word" && c.readout !== "role") {
    throw new RangeError(
      `readout must be "word" or "role", got ${describe(c.readout)}`,
    );
  }
  return c;
}

/**
 * The labels of the read-out: the referent's word id ("word"), or 0/1 for
 * the first or second noun ("role").
 *
 * @param vocabulary The corpus vocabulary.
 * @param sentences Labelled sentences.
 * @param readout Which read-out.
 * @returns One label per sentence, `[B]`.
 */
export function taskLabels(
  vocabulary: string[],
  sentences: TaskSentence[],
  readout: TaskModelConfig["readout"],
): Int32Array {
  return Int32Array.from(
    sentences,
    (s) => readout === "word" ? vocabulary.indexOf(s.referent) : s.order,
  );
}

/** The model's answers on some sentences. */
export interface TaskEvaluation {
  /** Share of sentences whose read-out is right. */
  accuracy: number;
  /** The predicted class of each sentence, `[B]` (a word id, or 0/1). */
  predictions: number[];
  /** Attention of "it", `hops × [B][seqLen]` (each sentence's own length). */
  weights: number[][][];
  /** Per hop: the mean weight of "it" on the referent noun. */
  referentWeight: number[];
}

/**
 * Runs the model on labelled sentences and scores it.
 *
 * @param model A (trained) model.
 * @param vocabulary The corpus vocabulary.
 * @param sentences Labelled sentences.
 * @returns Accuracy, predictions, the attention of "it" per hop and its mean weight on the referent.
 */
export function evaluateTask(
  model: TaskModel,
  vocabulary: string[],
  sentences: TaskSentence[],
): TaskEvaluation {
  if (!(model instanceof TaskModel)) {
    throw new TypeError(`model must be a TaskModel, got ${describe(model)}`);
  }
  if (!Array.isArray(sentences)) {
    throw new TypeError(
      `sentences must be a list of corpus sentences, got ${
        describe(sentences)
      }`,
    );
  }
  const batch = encode(vocabulary, sentences.map((s) => s?.words));
  const labels = taskLabels(vocabulary, sentences, model.config.readout);
  const { logits, weights } = model.forward(batch);
  const best = logits.argMax(1); // [B, classes] → [B]
  const predictions = [...best.dataSync()];
  const perHop = weights.map((w) =>
    (w.arraySync() as number[][]).map((row, b) =>
      row.slice(0, sentences[b].words.length)
    )
  );
  tf.dispose([logits, best, ...weights]);
  const right = predictions.filter((p, b) => p === labels[b]).length;
  return {
    accuracy: right / sentences.length,
    predictions,
    weights: perHop,
    referentWeight: perHop.map((hop) =>
      hop.reduce((sum, row, b) => sum + row[sentences[b].referentPosition], 0) /
      sentences.length
    ),
  };
}

/** One point of the training history. */
export interface TaskStep {
  /** Step number, from 0 (before the first update's loss). */
  step: number;
  /** The loss on this step's batch before its update (after the last step: on the whole training set). */
  loss: number;
  /** Training accuracy before this step's update, every `evaluateEvery` steps and after the last. */
  trainAccuracy?: number;
  /** Held-out accuracy, at the same steps. */
  testAccuracy?: number;
}

/** Options for {@linkcode trainTask}. */
export interface TrainTaskOptions {
  /** Overrides of {@linkcode DEFAULT_TASK_CONFIG}. */
  config?: Partial<TaskModelConfig>;
  /** Called after each step (awaited), e.g. to draw a live view. */
  onStep?: (step: TaskStep, history: TaskStep[]) => void | Promise<void>;
  /** Measure both accuracies every this many steps. Default 10. */
  evaluateEvery?: number;
}

/** What {@linkcode trainTask} returns; the caller disposes the model. */
export interface TrainTaskResult {
  /** The trained model. */
  model: TaskModel;
  /** One entry per step, plus one after the last update. */
  history: TaskStep[];
}

/**
 * Trains a {@linkcode TaskModel} on the corpus's training sentences with the
 * one trainer: {@linkcode CROSS_ENTROPY} as the loss, seeded shuffled
 * batches as the data, the one Adam (PyTorch's rule and constants), and
 * both accuracies every `evaluateEvery` steps. Deterministic for a given seed.
 *
 * @param corpus The corpus.
 * @param options Configuration, a per-step callback and the accuracy interval.
 * @returns The model and the history.
 *
 * @example
 * ```ts
 * import { buildCorpus } from "./corpus.ts";
 * import { trainTask } from "./task_model.ts";
 * const { model, history } = await trainTask(buildCorpus(), { config: { steps: 2 } });
 * if (history.length !== 3) throw new Error();
 * model.dispose();
 * ```
 */
export async function trainTask(
  corpus: Corpus,
  options: TrainTaskOptions = {},
): Promise<TrainTaskResult> {
  checkOptions(options);
  const every = options.evaluateEvery ?? 10;
  if (!Number.isInteger(every) || every < 1) {
    throw new RangeError(
      `evaluateEvery must be a whole number ≥ 1, got ${describe(every)}`,
    );
  }
  checkCorpus(corpus);
  const model = new TaskModel(corpus.vocabulary.length, options.config);
  const { steps, learningRate, readout, batchSize, seed } = model.config;
  const all = encode(corpus.vocabulary, corpus.train.map((s) => s.words));
  const allLabels = taskLabels(corpus.vocabulary, corpus.train, readout);
  const size = batchSize === 0
    ? corpus.train.length
    : Math.min(batchSize, corpus.train.length);
  const order = corpus.train.map((_, i) => i);
  let cursor = order.length; // reshuffle before the first step
  let epoch = 0;
  // The next `size` training sentences in this epoch's shuffled order.
  const nextBatch = (): [EncodedBatch, Int32Array] => {
    if (cursor + size > order.length) {
      if (size < order.length) shuffle(order, seed * 7919 + epoch++);
      cursor = 0;
    }
    const rows = order.slice(cursor, cursor += size);
    const ids = new Int32Array(size * all.seqLen); // [size, seqLen]
    rows.forEach((row, b) =>
      ids.set(
        all.ids.subarray(row * all.seqLen, (row + 1) * all.seqLen),
        b * all.seqLen,
      )
    );
    return [
      {
        ids,
        batchSize: size,
        seqLen: all.seqLen,
        focusPositions: rows.map((row) => all.focusPositions[row]),
      },
      Int32Array.from(rows, (row) => allLabels[row]),
    ];
  };
  const evaluate = (): Record<string, number> => ({
    trainAccuracy: evaluateTask(model, corpus.vocabulary, corpus.train)
      .accuracy,
    testAccuracy: evaluateTask(model, corpus.vocabulary, corpus.test).accuracy,
  });
  const history: TaskStep[] = [];
  try {
    const run = await train(
      model.model,
      CROSS_ENTROPY,
      (): Batch<EncodedBatch, Int32Array> => {
        const [input, target] = nextBatch();
        return { input, target };
      },
      {
        steps,
        adam: { learningRate },
        evaluateEvery: every,
        evaluate,
        onStep: (record) => {
          const point: TaskStep = { step: record.step, loss: record.loss };
          if (record.metrics) {
            point.trainAccuracy = record.metrics.trainAccuracy;
            point.testAccuracy = record.metrics.testAccuracy;
          }
          history.push(point);
          return options.onStep?.(point, history);
        },
      },
    );
    // After the last update: the loss on the whole training set.
    const loss = tf.tidy(() =>
      CROSS_ENTROPY.compute(model.model.forward(all), allLabels).dataSync()[0]
    );
    const last: TaskStep = {
      step: steps,
      loss,
      trainAccuracy: run.final!.trainAccuracy,
      testAccuracy: run.final!.testAccuracy,
    };
    history.push(last);
    await options.onStep?.(last, history);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, history };
}

// A corpus from buildCorpus: a vocabulary and two lists of sentences,
// checked before any variable exists, so a wrong one leaks nothing.
function checkCorpus(corpus: Corpus): void {
  if (
    typeof corpus !== "object" || corpus === null ||
    !Array.isArray(corpus.vocabulary) ||
    !corpus.vocabulary.every((w) => typeof w === "string") ||
    !Array.isArray(corpus.train) ||
    !Array.isArray(corpus.test) ||
    ![...corpus.train, ...corpus.test].every((s) => Array.isArray(s?.words))
  ) {
    throw new TypeError(
      `corpus must come from buildCorpus ({vocabulary, train, test}), got ${
        describe(corpus)
      }`,
    );
  }
}
