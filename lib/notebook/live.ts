/**
 * Helpers for running the tutorial in a Jupyter notebook: tensors that stay
 * counted once when a cell is re-run, and the one live training view
 * ({@linkcode liveView}: frames drawn from plain records, updated in place
 * a few times per second) that every chapter's training uses.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { attentionBars, weightBars } from "../charts/bars.ts";
import {
  type ChartElement,
  checkExperimentArgument,
} from "../charts/common.ts";
import { lossTitle } from "../charts/experiment.ts";
import { lossCurve, lossHistory } from "../charts/lines.ts";
import { chartRow, type HtmlDisplay } from "../charts/svg.ts";
import { checkOptions, describe } from "../core/_describe.ts";
import { resolveConfig } from "../demo/config.ts";
import { sizeLossFloor } from "../demo/loss.ts";
import type { Experiment } from "../demo/experiment.ts";
import {
  trainExperiment,
  type TrainExperimentOptions,
  type TrainResult,
} from "../demo/training.ts";

export type { HtmlDisplay };

/** What {@linkcode keep} can free: tensors, containers of tensors, or anything with `dispose()`. */
export type Disposable = tf.TensorContainer | { dispose(): void };

const kept = new Map<string, Disposable>();

/**
 * Keeps a value under a name and frees whatever was kept under that name
 * before. Re-running a notebook cell that writes
 * `const model = keep("model", new AttentionModel(…))` therefore replaces the
 * old model instead of leaking its tensors.
 *
 * Not tfjs's `tf.keep(tensor)`, which exempts a tensor from the enclosing
 * `tf.tidy` and frees nothing: this `keep` frees the value kept before.
 *
 * @param name A name unique within the notebook, usually the variable's.
 * @param value Tensors, an object or array of tensors, or anything with `dispose()`.
 * @returns `value`, unchanged.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { keep } from "./live.ts";
 * const before = tf.memory().numTensors;
 * keep("x", tf.ones([2]));
 * keep("x", tf.ones([2])); // frees the first one
 * if (tf.memory().numTensors !== before + 1) throw new Error("leak");
 * ```
 */
export function keep<T extends Disposable>(name: string, value: T): T {
  const previous = kept.get(name);
  kept.set(name, value);
  if (previous !== undefined && previous !== value) release(previous);
  return value;
}

function release(value: Disposable): void {
  if (
    value !== null && typeof value === "object" && "dispose" in value &&
    typeof value.dispose === "function"
  ) {
    value.dispose();
  } else {
    tf.dispose(value as tf.TensorContainer);
  }
}

/** Deno.jupyter.display's signature, injectable for tests. */
export type DisplayFunction = (
  value: unknown,
  options: { display_id: string; update?: boolean },
) => Promise<void> | void;

/** Options for {@linkcode liveView}. */
export interface LiveViewOptions {
  /** Where frames go. Default: `Deno.jupyter.display`. */
  display?: DisplayFunction;
  /** Most frames per second during training; the final state is always drawn. Default 4. */
  framesPerSecond?: number;
  /**
   * Stretch training to last at least this many seconds, so a fast run can
   * be watched; only the pace changes, never the numbers. Default 0.
   */
  minSeconds?: number;
  /** How many steps the run takes (for the pace of `minSeconds`). Default 1. */
  steps?: number;
}

/** A live view: call `update` from the trainer's callback, `finish` at the end. */
export interface LiveView<State> {
  /**
   * Shows `state` if a frame is due (at most `framesPerSecond`), after
   * waiting for the pace of `minSeconds`.
   *
   * @param state What the frame shows: plain records.
   * @param step The step just taken, from 0.
   */
  update(state: State, step: number): Promise<void>;
  /**
   * Shows the final frame, which stays in the saved notebook.
   *
   * @param state The final records.
   */
  finish(state: State): Promise<void>;
  /** Seconds since the view was made. */
  readonly seconds: number;
}

/**
 * The one live training view: one notebook output, updated in place with a
 * frame drawn from plain records (a loss history, weights, accuracies) a
 * few times per second. Every chapter's live training uses it with its own
 * frame function ({@linkcode trainingFrame} for the demo).
 *
 * @param frame Draws one frame from the records.
 * @param options Display function, frame rate, pace.
 * @returns The view.
 * @throws {RangeError} When `framesPerSecond` is not above 0 or
 *   `minSeconds` not in [0, 3600].
 *
 * @example
 * ```ts
 * import { liveView } from "./live.ts";
 * const shown: unknown[] = [];
 * const view = liveView((n: number) => ({ [Symbol.for("Jupyter.display")]: () => ({ "text/plain": `${n}` }) }), {
 *   display: (value) => { shown.push(value); },
 * });
 * await view.update(1, 0);
 * await view.finish(2);
 * if (shown.length !== 2) throw new Error();
 * ```
 */
export function liveView<State>(
  frame: (state: State) => HtmlDisplay,
  options: LiveViewOptions = {},
): LiveView<State> {
  if (typeof frame !== "function") {
    throw new TypeError(
      `frame must be a function from the state to a display, got ${
        describe(frame)
      }`,
    );
  }
  checkOptions(options);
  if (options.display !== undefined && typeof options.display !== "function") {
    throw new TypeError(
      `display must be a function, got ${describe(options.display)}`,
    );
  }
  if (options.display === undefined && !inJupyter()) {
    throw new TypeError(
      "display: outside a Jupyter notebook there is no Deno.jupyter.display; pass options.display",
    );
  }
  const display: DisplayFunction = options.display ??
    ((value, opts) => Deno.jupyter.display(value, opts));
  const framesPerSecond = options.framesPerSecond ?? 4;
  const minSeconds = options.minSeconds ?? 0;
  if (typeof framesPerSecond !== "number" || !(framesPerSecond > 0)) {
    throw new RangeError(
      `framesPerSecond must be a number above 0 (Infinity: every step), got ${
        describe(framesPerSecond)
      }`,
    );
  }
  if (
    typeof minSeconds !== "number" || !(minSeconds >= 0) ||
    minSeconds > MAX_MIN_SECONDS
  ) {
    throw new RangeError(
      `minSeconds must be a number from 0 to ${MAX_MIN_SECONDS}, got ${
        describe(minSeconds)
      }`,
    );
  }
  const interval = 1000 / framesPerSecond;
  const displayId = `training-${crypto.randomUUID()}`;
  const start = performance.now();
  const paceMs = 1000 * minSeconds / Math.max(1, options.steps ?? 1);
  let lastFrame = -Infinity;
  let frames = 0;
  const show = async (state: State) => {
    await display(frame(state), {
      display_id: displayId,
      update: frames++ > 0,
    });
  };
  return {
    async update(state, step) {
      const due = start + paceMs * (step + 1);
      if (performance.now() < due) {
        await new Promise((resolve) =>
          setTimeout(resolve, due - performance.now())
        );
      }
      const now = performance.now();
      if (now - lastFrame < interval) return;
      lastFrame = now;
      await show(state);
    },
    finish: (state) => show(state),
    get seconds() {
      return (performance.now() - start) / 1000;
    },
  };
}

/** Options for {@linkcode trainLive}. */
export interface TrainLiveOptions
  extends
    Omit<TrainExperimentOptions, "onEpoch">,
    Omit<LiveViewOptions, "steps"> {}

/**
 * Trains like `trainExperiment` while one notebook output ({@linkcode liveView})
 * shows the loss curve so far and the focus word's current weights, updated
 * in place a few times per second. The last frame shows the final state and
 * stays in the saved notebook.
 *
 * @param experiment The prepared experiment.
 * @param options Engine, loss, starting parameters, display function and frame rate.
 * @returns What `trainExperiment` returns.
 * @throws {RangeError} When `framesPerSecond` is not above 0 or
 *   `minSeconds` not in [0, 3600], and for what `trainExperiment` rejects.
 */
export async function trainLive(
  experiment: Experiment,
  options: TrainLiveOptions = {},
): Promise<TrainResult> {
  checkExperimentArgument(experiment, "trainLive");
  const { display, framesPerSecond, minSeconds, ...training } = checkOptions(
    options,
  );
  const lossName = options.loss?.name ?? "size";
  const view = liveView(
    (state: TrainingFrameState) => trainingFrame(experiment, state),
    {
      display,
      framesPerSecond,
      minSeconds,
      steps: resolveConfig(experiment.config).epochs,
    },
  );
  const history: { epoch: number; loss: number }[] = [];
  const result = await trainExperiment(experiment, {
    ...training,
    onEpoch: ({ epoch, loss, weights }) => {
      history.push({ epoch, loss });
      return view.update({ history, weights, lossName }, epoch);
    },
  });
  // The final state stays in the output: every loss, including the one after
  // the last update, and the final weights.
  await view.finish({
    history: lossHistory(result),
    weights: result.finalWeights,
    lossName,
    done: true,
  });
  return result;
}

// An hour of watching is plenty; beyond it, timers cannot wait reliably.
const MAX_MIN_SECONDS = 3600;

/** What one frame of the live training view shows. */
export interface TrainingFrameState {
  /** The losses so far. */
  history: { epoch: number; loss: number }[];
  /** The focus word's weights at the latest epoch, `[seqLen]`. */
  weights: number[];
  /** True for the final frame: the weights after the last update. Default false. */
  done?: boolean;
  /** The loss's recorded name, which titles the curve. Default `"size"`. */
  lossName?: string;
}

/**
 * One frame of the live training view: the loss curve so far next to the
 * focus word's weights, on fixed axes (epochs 0 to the last; the loss's
 * whole possible range; weights 0 to 1), so frames differ only in the data.
 *
 * @param experiment The experiment being trained.
 * @param state The losses so far, the latest weights, and whether training is done.
 * @returns An object the Deno kernel displays as HTML.
 */
export function trainingFrame(
  experiment: Experiment,
  state: TrainingFrameState,
): HtmlDisplay {
  const { history, weights, done = false, lossName = "size" } = state;
  const epoch = history.at(-1)?.epoch ?? 0;
  const of = done
    ? ` (after ${experiment.config.epochs} epochs)`
    : ` (epoch ${epoch + 1} of ${experiment.config.epochs})`;
  // Fixed axes, so that only the data moves from frame to frame: epochs from
  // 0 to the last, the loss over its whole possible range (from the floor,
  // all weight on the size words, to 1 + 1/others, all weight on one other
  // word), the weights from 0 to 1.
  // (Another loss has no known range: its axis follows the data.)
  const isSize = lossName === "size";
  const floor = isSize ? sizeLossFloor(experiment.sizePositions.length) : 0;
  const others = experiment.tokens.length - experiment.sizePositions.length;
  const ceiling = 1 + 1 / others;
  const pad = (ceiling - floor) * 0.06;
  const charts: ChartElement[] = [
    lossCurve(history, {
      title: `${lossTitle(lossName)}${of}`,
      floor: isSize ? floor : undefined,
      width: 420,
      xDomain: [0, experiment.config.epochs],
      yDomain: isSize ? [floor - pad, ceiling + pad] : undefined,
    }),
    attentionBars(weightBars(experiment, weights), {
      title: `Attention of "${experiment.focusWord}"${of}`,
      width: 520,
      yDomain: [0, 1],
    }),
  ];
  return chartRow(charts);
}

// Whether Deno.jupyter exists: outside `deno jupyter` reading it throws.
function inJupyter(): boolean {
  try {
    return typeof Deno.jupyter?.display === "function";
  } catch {
    return false;
  }
}
