/**
 * The tfjs engine: the demo model's focus row in tfjs ops (`model.ts`, built
 * from the ops of `attention.ts`), gradients by TensorFlow.js's automatic
 * differentiation, and Adam. It trains any {@linkcode Loss}; `train()` loads
 * this module (and tfjs) only when it runs.
 *
 * Kept fast by few ops per step: the embedding lookup's gradient is a
 * scatter-add, not one pass per vocabulary row; the loss needs only the focus
 * row; Adam runs once on all gradients packed into one vector, not once per
 * parameter; and a compensated sum keeps float32 round-off from piling up in
 * the parameters over the epochs.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { ADAM } from "../demo/config.ts";
import type { Engine, RowState, Stepper, TrainingProblem } from "./engine.ts";
import type { Loss } from "../demo/loss.ts";
import { AttentionModel } from "../demo/model.ts";

/**
 * The autodiff engine as {@linkcode train} sees it: every loss, through
 * its tensor form.
 */
export const AUTODIFF_ENGINE: Engine = {
  name: "tfjs",
  description: "TensorFlow.js automatic differentiation, Adam in tfjs ops",
  unsupported: () => undefined,
  start: (problem: TrainingProblem): Stepper => new AutodiffStepper(problem),
};

/**
 * Adam on one packed vector of all the parameters that receive a gradient,
 * with PyTorch's update rule
 * `θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)`, applied with Kahan's
 * compensated summation so that float32 round-off in `θ` does not drift over
 * many small steps.
 */
class AutodiffStepper implements Stepper {
  readonly #model: AttentionModel;
  readonly #tokenIds: number[];
  readonly #focusPosition: number;
  readonly #loss: Loss;
  #trained: tf.Variable[] = []; // the variables a gradient reaches
  #sizes: number[] = []; // their sizes, for packing
  #theta?: tf.Variable; // [n] all of them, packed
  #m?: tf.Variable; // [n] Adam's first moment
  #v?: tf.Variable; // [n] Adam's second moment
  #carry?: tf.Variable; // [n] Kahan's compensation: round-off not yet applied
  #step = 0;

  constructor(problem: TrainingProblem) {
    this.#model = new AttentionModel(problem.initialParameters);
    this.#tokenIds = problem.tokenIds;
    this.#focusPosition = problem.focusPosition;
    this.#loss = problem.loss;
  }

  step(learningRate: number): RowState {
    let weights: number[] = [];
    let loss = 0;
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const w = this.#row(); // [seqLen]
        weights = Array.from(w.dataSync());
        return this.#loss.tensor(tf, w);
      }, this.#model.variables());
      loss = value.dataSync()[0];
      if (this.#theta === undefined) this.#pack(grads);
      const g = tf.concat(
        this.#trained.map((v) => grads[v.name].reshape([-1])),
      ); // [n]
      this.#adam(g as tf.Tensor1D, learningRate);
    });
    return { loss, weights };
  }

  final(): RowState {
    return tf.tidy(() => {
      const w = this.#row();
      return {
        weights: Array.from(w.dataSync()),
        loss: this.#loss.tensor(tf, w).dataSync()[0],
      };
    });
  }

  parameters(): ReturnType<Stepper["parameters"]> {
    return this.#model.parameters();
  }

  dispose(): void {
    tf.dispose([this.#theta, this.#m, this.#v, this.#carry].filter((t) => t));
    this.#model.dispose();
  }

  #row(): tf.Tensor1D {
    return this.#model.focusWeights(this.#tokenIds, this.#focusPosition);
  }

  // First step: which variables get a gradient, and the packed state.
  #pack(grads: tf.NamedTensorMap): void {
    this.#trained = this.#model.variables().filter((v) =>
      grads[v.name] !== undefined
    );
    this.#sizes = this.#trained.map((v) => v.size);
    tf.tidy(() => {
      const theta = tf.concat(this.#trained.map((v) => v.reshape([-1]))); // [n]
      this.#theta = tf.variable(theta, false);
      this.#m = tf.variable(tf.zerosLike(theta), false);
      this.#v = tf.variable(tf.zerosLike(theta), false);
      this.#carry = tf.variable(tf.zerosLike(theta), false);
    });
  }

  // One Adam step on the packed gradient g, [n]; writes the model's variables.
  #adam(g: tf.Tensor1D, learningRate: number): void {
    const { beta1, beta2, epsilon } = ADAM;
    this.#step++;
    const correction1 = 1 - beta1 ** this.#step;
    const correction2 = 1 - beta2 ** this.#step;
    const theta = this.#theta!,
      m = this.#m!,
      v = this.#v!,
      carry = this.#carry!;
    m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1))); // [n]
    v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2))); // [n]
    const denominator = tf.add(
      tf.mul(tf.sqrt(v), 1 / Math.sqrt(correction2)),
      epsilon,
    ); // [n]
    const update = tf.mul(tf.div(m, denominator), -learningRate / correction1); // [n]
    // Kahan: add the update plus what earlier steps lost to rounding, and
    // keep what this step loses: carry = (θ' − θ) − (update + carry).
    const exact = tf.add(update, carry); // [n]
    const next = tf.add(theta, exact); // [n]
    carry.assign(tf.sub(exact, tf.sub(next, theta)));
    theta.assign(next);
    const pieces = tf.split(next, this.#sizes); // n → one piece per variable
    this.#trained.forEach((variable, i) =>
      variable.assign(pieces[i].reshape(variable.shape))
    );
  }
}
