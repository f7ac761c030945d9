/**
 * The seam between training and the engines that run it: what a training
 * problem is, what an engine says it supports, and the stepper it returns.
 * `train()` picks an engine; each engine is one file (`handwritten.ts`,
 * `autodiff.ts`).
 * @module
 */

import type { Loss } from "../demo/loss.ts";
import type { Parameters } from "../demo/parameters.ts";

/**
 * The engines: `"handwritten"`, hand-derived gradients in float64 loops
 * (the demo model's focus row, a loss with a float64 form); `"tfjs"`,
 * TensorFlow.js automatic differentiation (any loss).
 */
export type EngineName = "handwritten" | "tfjs";

/** Every engine name, in the order `train()` tries them. */
export const ENGINE_NAMES: readonly EngineName[] = ["handwritten", "tfjs"];

/** What to train: the sentence, whose attention row, the loss and the start. */
export interface TrainingProblem {
  /** Token ids, `[seqLen]`. */
  tokenIds: number[];
  /** Position of the focus word, whose attention row the loss scores. */
  focusPosition: number;
  /** What training minimises. */
  loss: Loss;
  /** Starting parameters (the engine copies them). */
  initialParameters: Parameters;
}

/** The state of the focus row at one moment: its loss and its weights. */
export interface RowState {
  /** The loss. */
  loss: number;
  /** The focus word's attention weights, `[seqLen]`. */
  weights: number[];
}

/** A running engine: one Adam step per call, then the final state. */
export interface Stepper {
  /**
   * One epoch: forward, gradients, one Adam update.
   *
   * @param learningRate Adam's step size.
   * @returns The loss and weights before the update.
   */
  step(learningRate: number): RowState;
  /** The loss and weights at the current parameters. */
  final(): RowState;
  /** The current parameters, as plain arrays. */
  parameters(): Parameters;
  /** Frees whatever the engine holds (tfjs variables). */
  dispose(): void;
}

/** A training engine. */
export interface Engine {
  /** Its name, as `train()` and `--engine` take it. */
  readonly name: EngineName;
  /** What it is, in a few words. */
  readonly description: string;
  /**
   * Why it cannot train a problem.
   *
   * @param problem The problem.
   * @returns `undefined` when it can, else the reason in a few words.
   */
  unsupported(problem: TrainingProblem): string | undefined;
  /**
   * Starts training a problem it supports.
   *
   * @param problem The problem.
   * @returns The stepper; the caller disposes it.
   */
  start(problem: TrainingProblem): Stepper;
}
