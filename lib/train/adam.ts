/**
 * The one Adam of the library, in tfjs ops, with PyTorch's update rule
 * (`torch.optim.Adam`, and `AdamW`'s decoupled weight decay). Every tfjs
 * training path uses it; the hand-written float64 engine mirrors the same
 * rule in plain loops.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { describe } from "../core/_describe.ts";

// tfjs prints a "use the Node.js backend" banner on first use unless
// production mode is on; readers should never see it.
tf.enableProdMode();

/** Adam's settings; the defaults are PyTorch's. */
export interface AdamOptions {
  /** Step size. Default 0.001, as PyTorch and the original demo. */
  learningRate?: number;
  /** Decay of the first moment (the running mean of gradients). Default 0.9. */
  beta1?: number;
  /** Decay of the second moment (the running mean of squared gradients). Default 0.999. */
  beta2?: number;
  /** Added to the denominator so it is never 0. Default 1e-8. */
  epsilon?: number;
  /** AdamW's decoupled weight decay, `θ ← θ(1 − lr·wd)` on the parameters marked for it. Default 0 (plain Adam). */
  weightDecay?: number;
  /**
   * Kahan-compensated updates: keep what float32 rounding drops from each
   * step and add it back on the next, so many tiny steps do not drift from a
   * float64 run. Default false.
   */
  compensated?: boolean;
}

/** The defaults: PyTorch's (and the original demo's learning rate). */
export const ADAM_DEFAULTS: Readonly<Required<AdamOptions>> = Object.freeze({
  learningRate: 0.001,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0,
  compensated: false,
});

/**
 * Checks Adam's settings and fills in the defaults.
 *
 * @param options Overrides of {@linkcode ADAM_DEFAULTS}.
 * @returns The full settings.
 * @throws {RangeError} Naming the first bad setting and what is valid.
 */
export function resolveAdam(options: AdamOptions = {}): Required<AdamOptions> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Adam's options must be an object, got ${describe(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!(key in ADAM_DEFAULTS)) {
      throw new RangeError(
        `unknown Adam option ${describe(key)}; known: ${
          Object.keys(ADAM_DEFAULTS).join(", ")
        }`,
      );
    }
  }
  const o = { ...ADAM_DEFAULTS, ...options };
  const inRange = (
    name: string,
    v: unknown,
    ok: (x: number) => boolean,
    what: string,
  ) => {
    if (typeof v !== "number" || !ok(v)) {
      throw new RangeError(`${name} must be ${what}, got ${describe(v)}`);
    }
  };
  inRange(
    "learningRate",
    o.learningRate,
    (x) => x > 0 && x <= 10,
    "in (0, 10]",
  );
  inRange("beta1", o.beta1, (x) => x >= 0 && x < 1, "in [0, 1)");
  inRange("beta2", o.beta2, (x) => x >= 0 && x < 1, "in [0, 1)");
  inRange("epsilon", o.epsilon, (x) => x > 0 && x <= 1, "in (0, 1]");
  inRange("weightDecay", o.weightDecay, (x) => x >= 0 && x <= 1, "in [0, 1]");
  if (typeof o.compensated !== "boolean") {
    throw new RangeError(
      `compensated must be true or false, got ${describe(o.compensated)}`,
    );
  }
  return o;
}

/**
 * Adam over a fixed list of variables. All of them are packed into one
 * vector, so a step costs a dozen ops whatever the number of parameters
 * (small models are bound by per-op overhead, not arithmetic):
 *
 * ```
 * θ ← θ · (1 − lr·wd)                      (AdamW, marked parameters only)
 * m ← β₁ m + (1 − β₁) g
 * v ← β₂ v + (1 − β₂) g²
 * θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
 * ```
 *
 * The packed vector is the master copy: change the variables only through
 * {@linkcode Adam.step} while it is in use.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Adam } from "./adam.ts";
 * const w = tf.variable(tf.tensor1d([1, -1]));
 * const adam = new Adam([w], { learningRate: 0.1 });
 * const g = tf.tensor1d([2, -2]);
 * adam.step([g]);
 * const [a, b] = w.dataSync(); // each moved by lr against its gradient
 * if (Math.abs(a - 0.9) > 1e-6 || Math.abs(b + 0.9) > 1e-6) throw new Error();
 * tf.dispose([w, g]);
 * adam.dispose();
 * ```
 */
export class Adam {
  /** The settings in use. */
  readonly options: Readonly<Required<AdamOptions>>;
  readonly #variables: tf.Variable[];
  readonly #sizes: number[];
  readonly #theta: tf.Variable; // [n] every parameter, packed
  readonly #m: tf.Variable; // [n] first moment
  readonly #v: tf.Variable; // [n] second moment
  readonly #carry?: tf.Variable; // [n] Kahan: rounding not yet applied
  readonly #decay?: tf.Tensor1D; // [n] 1 where weight decay applies, else 0
  #step = 0;

  /**
   * @param variables The variables to train, in a fixed order.
   * @param options Adam's settings.
   * @param decay Per variable, whether weight decay applies (default: rank ≥ 2).
   * @throws {TypeError} For a list that is not of live variables.
   * @throws {RangeError} For a bad setting.
   */
  constructor(
    variables: tf.Variable[],
    options: AdamOptions = {},
    decay?: boolean[],
  ) {
    if (
      !Array.isArray(variables) || variables.length === 0 ||
      !variables.every((v) => v instanceof tf.Variable && !v.isDisposed)
    ) {
      throw new TypeError(
        `Adam needs a non-empty list of live tfjs variables, got ${
          describe(variables)
        }`,
      );
    }
    if (decay !== undefined && decay.length !== variables.length) {
      throw new RangeError(
        `decay must have one entry per variable (${variables.length}), got ${decay.length}`,
      );
    }
    this.options = resolveAdam(options);
    this.#variables = variables;
    this.#sizes = variables.map((v) => v.size);
    const flags = decay ?? variables.map((v) => v.rank >= 2);
    [this.#theta, this.#m, this.#v, this.#carry, this.#decay] = tf.tidy(
      () => {
        const theta = tf.concat(variables.map((v) => v.reshape([-1]))); // [n]
        const zeros = () => tf.variable(tf.zerosLike(theta), false);
        const mask = this.options.weightDecay > 0 && flags.some((f) => f)
          ? tf.keep(
            tf.concat(
              variables.map((v, i) => tf.fill([v.size], flags[i] ? 1 : 0)),
            ) as tf.Tensor1D,
          )
          : undefined;
        return [
          tf.variable(theta, false),
          zeros(),
          zeros(),
          this.options.compensated ? zeros() : undefined,
          mask,
        ] as const;
      },
    );
  }

  /** Updates taken so far. */
  get stepCount(): number {
    return this.#step;
  }

  /**
   * One update from the gradients.
   *
   * @param gradients One per variable, same order and shapes (not disposed).
   * @param learningRate This step's rate, for a schedule. Default the options'.
   * @throws {RangeError} When the gradients do not match the variables.
   */
  step(gradients: tf.Tensor[], learningRate?: number): void {
    if (
      !Array.isArray(gradients) || gradients.length !== this.#variables.length
    ) {
      throw new RangeError(
        `step needs ${this.#variables.length} gradients, one per variable`,
      );
    }
    gradients.forEach((g, i) => {
      if (!(g instanceof tf.Tensor) || g.size !== this.#sizes[i]) {
        throw new RangeError(
          `gradient ${i} must be a tensor of ${this.#sizes[i]} numbers, got ${
            describe(g)
          }`,
        );
      }
    });
    const lr = learningRate ?? this.options.learningRate;
    const { beta1, beta2, epsilon, weightDecay } = this.options;
    this.#step++;
    const correction1 = 1 - beta1 ** this.#step;
    const correction2 = 1 - beta2 ** this.#step;
    tf.tidy(() => {
      const g = tf.concat(gradients.map((t) => t.reshape([-1]))); // [n]
      let theta: tf.Tensor = this.#theta;
      if (this.#decay) {
        theta = tf.sub(
          theta,
          tf.mul(theta, tf.mul(this.#decay, lr * weightDecay)),
        ); // AdamW
      }
      const m = tf.add(tf.mul(this.#m, beta1), tf.mul(g, 1 - beta1)); // [n]
      const v = tf.add(tf.mul(this.#v, beta2), tf.mul(tf.square(g), 1 - beta2)); // [n]
      this.#m.assign(m);
      this.#v.assign(v);
      const denominator = tf.add(
        tf.mul(tf.sqrt(v), 1 / Math.sqrt(correction2)),
        epsilon,
      ); // [n]
      const update = tf.mul(tf.div(m, denominator), -lr / correction1); // [n]
      let next: tf.Tensor;
      if (this.#carry) {
        // Kahan: add the update plus what earlier steps lost to rounding,
        // and keep what this step loses: carry = (θ' − θ) − (update + carry).
        const exact = tf.add(update, this.#carry);
        next = tf.add(theta, exact);
        this.#carry.assign(tf.sub(exact, tf.sub(next, theta)));
      } else {
        next = tf.add(theta, update);
      }
      this.#theta.assign(next);
      const pieces = unpack(next, this.#sizes); // n → one piece per variable
      this.#variables.forEach((variable, i) =>
        variable.assign(pieces[i].reshape(variable.shape))
      );
    });
  }

  /** Frees Adam's state (not the variables). */
  dispose(): void {
    tf.dispose(
      [this.#theta, this.#m, this.#v, this.#carry, this.#decay].filter((t) =>
        t !== undefined
      ) as tf.Tensor[],
    );
  }
}

// The packed vector cut back into one piece per variable. On wasm, every
// slice of a tensor first copies the whole tensor out of wasm memory (52
// slices of nanoGPT's 0.8M parameters: a quarter of a training step), so
// read it once and upload each piece; on cpu a slice is a cheap view.
function unpack(packed: tf.Tensor, sizes: number[]): tf.Tensor[] {
  if (tf.getBackend() !== "wasm") return tf.split(packed, sizes);
  const values = packed.dataSync() as Float32Array;
  let offset = 0;
  return sizes.map((size) => {
    const piece = tf.tensor1d(values.subarray(offset, offset + size));
    offset += size;
    return piece;
  });
}
