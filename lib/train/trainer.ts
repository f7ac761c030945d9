/**
 * The one trainer, as nanoGPT's `train.py`: batches from a data function,
 * the model's forward, a loss passed in as a value, tfjs autodiff, the one
 * {@linkcode Adam}, evaluation every N steps, progress through a callback,
 * cancellation, and a history that records which loss ran. It prints
 * nothing; notebooks and the CLI decide how to show progress.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { describe } from "../core/_describe.ts";
import {
  type BackendChoice,
  type BackendName,
  chosenBackend,
  useBackend,
} from "../core/backend.ts";
import { MAX_STEPS } from "../core/limits.ts";
import type { ForwardResult, Model } from "../core/model.ts";
import { Adam, type AdamOptions, resolveAdam } from "./adam.ts";

/**
 * What training minimises: a value, not part of the model.
 *
 * @typeParam Target What a batch's target is (token ids, labels, positions).
 */
export interface Loss<Target> {
  /** Its name, recorded in the history and shown in charts (`"cross-entropy"`, `"size loss"`). */
  readonly name: string;
  /**
   * The loss of one batch.
   *
   * @param result The model's forward on the batch's input.
   * @param target The batch's target.
   * @returns A scalar; called inside `tf.tidy`.
   */
  compute(result: ForwardResult, target: Target): tf.Scalar;
}

/** One batch: the model's input and what the loss compares it with. */
export interface Batch<Input, Target> {
  /** Passed to the model's forward. */
  input: Input;
  /** Passed to the loss. */
  target: Target;
}

/**
 * Where batches come from: called once per step with the step's number, it
 * returns that step's batch (seeded, so a run can be repeated).
 */
export type Data<Input, Target> = (step: number) => Batch<Input, Target>;

/** One step of the history. */
export interface StepRecord {
  /** Step number, from 0. */
  step: number;
  /** The loss on this step's batch, before its update. */
  loss: number;
  /** The evaluation before this step's update, on the steps where it ran. */
  metrics?: Record<string, number>;
  /**
   * With `recordAttention`: every attention matrix of the forward pass
   * before this step's update, one flat row-major array per layer
   * (`[B, heads, Tq, Tk]` read out in order).
   */
  attention?: number[][];
}

/** Options for {@linkcode train}. */
export interface TrainOptions<Input, Options = undefined> {
  /** How many updates, each on one batch. */
  steps: number;
  /** Adam's settings (PyTorch's defaults). */
  adam?: AdamOptions;
  /**
   * The learning rate of each step (a schedule, e.g. nanoGPT's warmup and
   * cosine decay), in place of `adam.learningRate`. Default: none, the
   * constant rate.
   */
  schedule?: (step: number) => number;
  /** Run `evaluate` every this many steps (before the update) and after the last. Default 0: only after the last. */
  evaluateEvery?: number;
  /** Measures the model, e.g. held-out loss and accuracy; called without gradients. */
  evaluate?: (
    model: Model<Input, Options>,
    step: number,
  ) => Record<string, number>;
  /** Called after every step (awaited), e.g. to draw a live view. */
  onStep?: (
    record: StepRecord,
    history: readonly StepRecord[],
  ) => void | Promise<void>;
  /** Stops training between two steps when aborted; the history says so. */
  signal?: AbortSignal;
  /** Passed to every forward call. */
  forwardOptions?: Options;
  /**
   * Record every step's attention in the history (and the attention after
   * the last update in `end`), to watch it move. For small models: each
   * step reads every attention matrix back. Default false.
   */
  recordAttention?: boolean;
  /**
   * The tfjs backend to train on: `"auto"` takes the fastest that starts
   * (wasm, else cpu; see lib/core/backend.ts), or one by name. Default:
   * what `useBackend` was last asked for, else `"auto"`. tfjs has one
   * backend at a time: it stays in use after training.
   */
  backend?: BackendChoice;
}

/** What a training run produced. */
export interface TrainHistory {
  /** The name of the loss that was minimised. */
  loss: string;
  /** The tfjs backend it trained on. */
  backend: BackendName;
  /** One record per update. */
  steps: StepRecord[];
  /** The evaluation after the last update (when `evaluate` was given). */
  final?: Record<string, number>;
  /** `"finished"`, or `"aborted"` when the signal stopped it early. */
  stopped: "finished" | "aborted";
  /**
   * With `recordAttention`, after at least one update: the loss and the
   * attention on the last batch after the last update (`step` = the
   * number of updates).
   */
  end?: StepRecord;
}

/**
 * Trains a model: for each step, a batch from `data`, the forward pass, the
 * loss, its gradient by tfjs autodiff, and one Adam update of every
 * parameter. Stops with a clear error, before updating, when the loss or a
 * gradient is not finite, so the model keeps its last good parameters.
 *
 * @param model The model (its variables are trained in place).
 * @param loss What to minimise.
 * @param data The batch of each step.
 * @param options Steps, Adam, evaluation, a progress callback, cancellation.
 * @returns The history.
 * @throws {TypeError} For a model, loss or data of the wrong kind.
 * @throws {RangeError} For bad options, or a non-finite loss (naming the step).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Model } from "../core/model.ts";
 * import { train } from "./trainer.ts";
 * const model = new Model({
 *   name: "scale",
 *   schema: [{ name: "w", shape: [1], init: { kind: "zeros" } }],
 *   forward: (p, x: number) => ({ output: tf.mul(p.w, x), attention: [] }),
 * });
 * const squared = {
 *   name: "squared error",
 *   compute: (r: { output: tf.Tensor }, y: number) => tf.sub(r.output, y).square().sum() as tf.Scalar,
 * };
 * const history = await train(model, squared, () => ({ input: 1, target: 2 }), {
 *   steps: 300, adam: { learningRate: 0.05 },
 * });
 * if (history.steps.length !== 300 || Math.abs(model.values().w[0] - 2) > 0.05) throw new Error();
 * model.dispose();
 * ```
 */
export async function train<Input, Target, Options = undefined>(
  model: Model<Input, Options>,
  loss: Loss<Target>,
  data: Data<Input, Target>,
  options: TrainOptions<Input, Options>,
): Promise<TrainHistory> {
  checkArguments(model, loss, data, options);
  const backend = await useBackend(options.backend ?? chosenBackend());
  const every = options.evaluateEvery ?? 0;
  const variables = [...model.variables.values()];
  const decay = model.definition.schema.map((spec) =>
    spec.decay ?? spec.shape.length >= 2
  );
  const adam = new Adam(variables, options.adam, decay);
  const history: StepRecord[] = [];
  const rate = (step: number): number | undefined => {
    if (!options.schedule) return undefined;
    const lr = options.schedule(step);
    if (!(typeof lr === "number" && lr > 0 && lr <= 10)) {
      throw new RangeError(
        `schedule(${step}) must be a learning rate in (0, 10], got ${
          describe(lr)
        }`,
      );
    }
    return lr;
  };
  let stopped: TrainHistory["stopped"] = "finished";
  let lastYield = Date.now();
  let lastBatch: Batch<Input, Target> | undefined;
  const evaluate = () =>
    tf.tidy(() => options.evaluate!(model, history.length));
  try {
    for (let step = 0; step < options.steps; step++) {
      if (options.signal?.aborted) {
        stopped = "aborted";
        break;
      }
      const record: StepRecord = { step, loss: NaN };
      if (options.evaluate && every > 0 && step % every === 0) {
        record.metrics = evaluate();
      }
      const batch = data(step);
      lastBatch = batch;
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const result = model.forward(batch.input, options.forwardOptions);
          if (options.recordAttention) record.attention = readAttention(result);
          const cost = loss.compute(result, batch.target);
          tf.dispose([result.output, ...result.attention]);
          return cost;
        }, variables);
        record.loss = value.dataSync()[0];
        if (!Number.isFinite(record.loss)) {
          throw new RangeError(
            `training stopped at step ${step}: the ${loss.name} is ${record.loss}; lower the learning rate or check the data`,
          );
        }
        // Variables the loss does not reach get a zero gradient.
        const gradients = variables.map((v) =>
          grads[v.name] ?? tf.zerosLike(v)
        );
        adam.step(gradients, rate(step));
      });
      history.push(record);
      if (options.onStep) {
        await options.onStep(record, history);
      } else if (Date.now() - lastYield > 50) {
        // Let timers (and an abort) run during a long training.
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = Date.now();
      }
    }
    const final = options.evaluate ? evaluate() : undefined;
    const out: TrainHistory = {
      loss: loss.name,
      backend,
      steps: history,
      final,
      stopped,
    };
    if (options.recordAttention && history.length > 0) {
      const batch = lastBatch!;
      out.end = tf.tidy(() => {
        const result = model.forward(batch.input, options.forwardOptions);
        const attention = readAttention(result);
        const value = loss.compute(result, batch.target).dataSync()[0];
        return { step: history.length, loss: value, attention };
      });
    }
    return out;
  } finally {
    adam.dispose();
  }
}

// Every attention matrix of a forward pass as plain arrays, one per layer.
function readAttention(result: ForwardResult): number[][] {
  return result.attention.map((a) => Array.from(a.dataSync()));
}

function checkArguments<Input, Target, Options>(
  model: Model<Input, Options>,
  loss: Loss<Target>,
  data: Data<Input, Target>,
  options: TrainOptions<Input, Options>,
): void {
  if (
    typeof model !== "object" || model === null ||
    !(model.variables instanceof Map) || typeof model.forward !== "function"
  ) {
    throw new TypeError(
      `train needs a Model (see lib/core/model.ts), got ${describe(model)}`,
    );
  }
  if (model.isDisposed) {
    throw new TypeError("train was given a disposed model");
  }
  if (
    typeof loss !== "object" || loss === null ||
    typeof loss.compute !== "function" || typeof loss.name !== "string"
  ) {
    throw new TypeError(
      `loss must be {name, compute(result, target)}, got ${describe(loss)}`,
    );
  }
  if (typeof data !== "function") {
    throw new TypeError(
      `data must be a function from a step number to {input, target}, got ${
        describe(data)
      }`,
    );
  }
  if (
    typeof options !== "object" || options === null ||
    Array.isArray(options) || options instanceof tf.Tensor
  ) {
    throw new TypeError(
      `options must be an object with at least steps, got ${describe(options)}`,
    );
  }
  const { steps, evaluateEvery } = options;
  if (!Number.isInteger(steps) || steps < 0 || steps > MAX_STEPS) {
    throw new RangeError(
      `steps must be a whole number from 0 to ${MAX_STEPS}, got ${
        describe(steps)
      }`,
    );
  }
  if (
    evaluateEvery !== undefined &&
    (!Number.isInteger(evaluateEvery) || evaluateEvery < 0)
  ) {
    throw new RangeError(
      `evaluateEvery must be a whole number ≥ 0, got ${
        describe(evaluateEvery)
      }`,
    );
  }
  if (
    options.evaluate !== undefined && typeof options.evaluate !== "function"
  ) {
    throw new TypeError(
      `evaluate must be a function, got ${describe(options.evaluate)}`,
    );
  }
  if (
    options.schedule !== undefined && typeof options.schedule !== "function"
  ) {
    throw new TypeError(
      `schedule must be a function from a step to a learning rate, got ${
        describe(options.schedule)
      }`,
    );
  }
  if (options.onStep !== undefined && typeof options.onStep !== "function") {
    throw new TypeError(
      `onStep must be a function, got ${describe(options.onStep)}`,
    );
  }
  resolveAdam(options.adam);
}
