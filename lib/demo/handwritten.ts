/**
 * The demo's fast path: its model's forward pass, the loss's slope, the
 * gradients of every parameter written out by hand, and Adam, all as plain
 * float64 loops. It supports one query row of the one-head demo model with
 * any row loss that has a float64 form ({@linkcode RowLoss.evaluate}), and
 * computes the same numbers as the one trainer (tests assert it) in
 * O(vocabSize·dModel + dModel²) per step. `trainExperiment` picks it when it
 * says it supports the problem. Readers should study `model.ts`; this file
 * is the engine room.
 * @module
 */

import { ADAM } from "./config.ts";
import type { RowLoss } from "./loss.ts";
import {
  PARAMETER_SCHEMA,
  type ParameterName,
  type Parameters,
} from "./parameters.ts";

/** What the hand-written kernel needs to know about the sentence. */
export interface HandwrittenProblem {
  /** Token ids, `[seqLen]`. */
  tokenIds: number[];
  /** Position of the focus word, whose attention row the loss scores. */
  focusPosition: number;
  /** The loss; it must have a float64 form (`evaluate`). */
  loss: RowLoss;
}

/** One training step's report: the state before the update. */
export interface HandwrittenStep {
  /** Loss before the update. */
  loss: number;
  /** Focus word's attention weights before the update, `[seqLen]`. */
  weights: number[];
}

// A loss known to have its float64 form.
type FloatLoss = RowLoss & Required<Pick<RowLoss, "evaluate">>;

// A parameter as a flat row-major array with its gradient and Adam moments.
interface Slot {
  value: Float64Array;
  grad: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

/**
 * Forward, backward and Adam for the focus word's attention, on flat arrays,
 * one slot per row of {@linkcode PARAMETER_SCHEMA}. Only `embedding`,
 * `queryWeight/Bias` and `keyWeight` influence the weights; the value
 * projection and the key bias have zero gradient and never change.
 *
 * @example
 * ```ts
 * import { HandwrittenAttention } from "./handwritten.ts";
 * import { createSizeLoss } from "./loss.ts";
 * import { initParameters } from "./parameters.ts";
 * const kernel = new HandwrittenAttention(
 *   { tokenIds: [0, 1, 2, 1], focusPosition: 2, loss: createSizeLoss(4, [1, 3]) },
 *   initParameters(3, 4),
 * );
 * const before = kernel.evaluate().loss;
 * for (let i = 0; i < 50; i++) kernel.step(0.01);
 * if (!(kernel.evaluate().loss < before)) throw new Error();
 * ```
 */
export class HandwrittenAttention {
  readonly #ids: Int32Array;
  readonly #focusId: number;
  readonly #loss: FloatLoss;
  readonly #d: number;
  readonly #vocabSize: number;
  readonly #scale: number;
  readonly #slots: Record<ParameterName, Slot>;
  #step = 0;
  // scratch buffers, reused every step
  readonly #q: Float64Array;
  readonly #u: Float64Array;
  readonly #p: Float64Array;
  readonly #dq: Float64Array;
  readonly #rowScore: Float64Array;
  readonly #rowGrad: Float64Array;
  readonly #weights: Float64Array;
  readonly #slope: Float64Array;

  /**
   * Copies the parameters into flat float64 buffers, one per schema row.
   *
   * @param problem The sentence as ids, the focus position and the loss.
   * @param parameters Starting values (copied).
   * @throws {TypeError} When the loss has no float64 form.
   */
  constructor(problem: HandwrittenProblem, parameters: Parameters) {
    const { loss } = problem;
    if (loss.evaluate === undefined) {
      throw new TypeError(
        `the hand-written engine needs a loss with a float64 form (evaluate); the ${loss.name} loss has none: train it with the tfjs engine`,
      );
    }
    this.#loss = loss as FloatLoss;
    const seqLen = problem.tokenIds.length;
    this.#d = parameters.queryWeight.length;
    this.#vocabSize = parameters.embedding.length;
    this.#scale = Math.sqrt(this.#d);
    this.#ids = Int32Array.from(problem.tokenIds);
    this.#focusId = problem.tokenIds[problem.focusPosition];
    this.#slots = Object.fromEntries(
      PARAMETER_SCHEMA.map((spec) => [spec.name, slot(parameters[spec.name])]),
    ) as Record<ParameterName, Slot>;
    this.#q = new Float64Array(this.#d);
    this.#u = new Float64Array(this.#d);
    this.#p = new Float64Array(this.#d);
    this.#dq = new Float64Array(this.#d);
    this.#rowScore = new Float64Array(this.#vocabSize);
    this.#rowGrad = new Float64Array(this.#vocabSize);
    this.#weights = new Float64Array(seqLen);
    this.#slope = new Float64Array(seqLen);
  }

  /**
   * One epoch: forward pass, loss, gradients, one Adam update.
   *
   * @param learningRate Adam's step size.
   * @returns The loss and the weights before the update.
   */
  step(learningRate: number): HandwrittenStep {
    const loss = this.#forward();
    const weights = Array.from(this.#weights);
    this.#backward();
    this.#adam(learningRate);
    return { loss, weights };
  }

  /**
   * The loss and the focus word's weights for the current parameters.
   *
   * @returns The loss and `[seqLen]` weights summing to 1.
   */
  evaluate(): HandwrittenStep {
    const loss = this.#forward();
    return { loss, weights: Array.from(this.#weights) };
  }

  /**
   * The gradient of the loss with respect to every parameter, at the current
   * parameters, without updating them (for checking the hand-written maths).
   *
   * @returns The gradients, shaped like the parameters; the value projection's are 0.
   */
  gradients(): Parameters {
    this.#forward();
    this.#backward();
    return this.#snapshot("grad");
  }

  /**
   * The current parameters as nested arrays.
   *
   * @returns A snapshot, independent of the kernel.
   */
  parameters(): Parameters {
    return this.#snapshot("value");
  }

  // Every parameter's values or gradients, as nested arrays.
  #snapshot(field: "value" | "grad"): Parameters {
    const out = {} as Record<ParameterName, number[] | number[][]>;
    for (const spec of PARAMETER_SCHEMA) {
      const flat = this.#slots[spec.name][field];
      out[spec.name] = spec.shape.length === 2
        ? rows(flat, this.#d)
        : [...flat];
    }
    return out as Parameters;
  }

  // Computes the weights into #weights (and q, u on the way); returns the loss.
  #forward(): number {
    const d = this.#d;
    const E = this.#slots.embedding.value, Wq = this.#slots.queryWeight.value;
    const bq = this.#slots.queryBias.value, Wk = this.#slots.keyWeight.value;
    const bk = this.#slots.keyBias.value;
    const q = this.#q, u = this.#u;
    const f = this.#focusId * d;
    // q = x_focus · Wq + bq                       [dModel] · [dModel, dModel] → [dModel]
    for (let b = 0; b < d; b++) q[b] = bq[b];
    for (let a = 0; a < d; a++) {
      const x = E[f + a];
      for (let b = 0; b < d; b++) q[b] += x * Wq[a * d + b];
    }
    // score_j = (x_j · Wk + bk) · q = x_j · u + c, with u = Wk · q, c = bk · q
    let c = 0;
    for (let b = 0; b < d; b++) c += bk[b] * q[b];
    for (let a = 0; a < d; a++) {
      let s = 0;
      for (let b = 0; b < d; b++) s += Wk[a * d + b] * q[b];
      u[a] = s;
    }
    // one score per vocabulary row, shared by repeated tokens  [vocabSize]
    for (let v = 0; v < this.#vocabSize; v++) {
      let s = c;
      for (let a = 0; a < d; a++) s += E[v * d + a] * u[a];
      this.#rowScore[v] = s / this.#scale;
    }
    // softmax over positions                       [seqLen]
    const w = this.#weights, ids = this.#ids;
    let max = -Infinity;
    for (let j = 0; j < ids.length; j++) {
      max = Math.max(max, this.#rowScore[ids[j]]);
    }
    let total = 0;
    for (let j = 0; j < ids.length; j++) {
      w[j] = Math.exp(this.#rowScore[ids[j]] - max);
      total += w[j];
    }
    for (let j = 0; j < ids.length; j++) w[j] /= total;
    // the loss and its slope g_j = ∂loss/∂w_j      [seqLen]
    return this.#loss.evaluate(w, this.#slope);
  }

  // Fills every slot's grad from the state #forward left behind.
  #backward(): void {
    const d = this.#d, w = this.#weights, ids = this.#ids, g = this.#slope;
    // softmax's Jacobian gives ∂loss/∂z_j = w_j (g_j − Σ_k w_k g_k);
    // dividing by √dModel gives ∂/∂raw.
    let mean = 0;
    for (let j = 0; j < ids.length; j++) mean += w[j] * g[j];
    const rowGrad = this.#rowGrad.fill(0); // ∂loss/∂raw summed per vocab row
    for (let j = 0; j < ids.length; j++) {
      rowGrad[ids[j]] += w[j] * (g[j] - mean) / this.#scale;
    }
    const E = this.#slots.embedding.value, Wq = this.#slots.queryWeight.value;
    const Wk = this.#slots.keyWeight.value;
    const q = this.#q, u = this.#u, p = this.#p, dq = this.#dq;
    // p = Σ_j ∂raw_j x_j                            [dModel]
    p.fill(0);
    for (let v = 0; v < this.#vocabSize; v++) {
      for (let a = 0; a < d; a++) p[a] += rowGrad[v] * E[v * d + a];
    }
    // ∂Wk = p ⊗ q and ∂q = p · Wk. The key bias adds bk · q to every score
    // alike, which softmax ignores: its gradient, (Σ_j ∂raw_j) q, is exactly
    // 0 (Σ_j ∂raw_j = 0), so it is left at 0 and bk never changes.
    const gWk = this.#slots.keyWeight.grad;
    dq.fill(0);
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        gWk[a * d + b] = p[a] * q[b];
        dq[b] += p[a] * Wk[a * d + b];
      }
    }
    // ∂Wq = x_focus ⊗ ∂q, ∂bq = ∂q
    const f = this.#focusId * d;
    const gWq = this.#slots.queryWeight.grad;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) gWq[a * d + b] = E[f + a] * dq[b];
    }
    this.#slots.queryBias.grad.set(dq);
    // ∂E[v] = (Σ_{j: id_j = v} ∂raw_j) u, plus Wq · ∂q on the focus word's row
    const gE = this.#slots.embedding.grad;
    for (let v = 0; v < this.#vocabSize; v++) {
      for (let a = 0; a < d; a++) gE[v * d + a] = rowGrad[v] * u[a];
    }
    for (let a = 0; a < d; a++) {
      let s = 0;
      for (let b = 0; b < d; b++) s += Wq[a * d + b] * dq[b];
      gE[f + a] += s;
    }
    // the value projection and the key bias keep their zero gradients
  }

  // Adam with PyTorch's constants; a zero gradient leaves a parameter as it is.
  #adam(learningRate: number): void {
    this.#step++;
    const { beta1, beta2, epsilon } = ADAM;
    const correction1 = 1 - beta1 ** this.#step;
    const correction2 = 1 - beta2 ** this.#step;
    for (const { value, grad, m, v } of Object.values(this.#slots)) {
      for (let i = 0; i < value.length; i++) {
        const g = grad[i];
        if (g === 0 && m[i] === 0) continue; // moments stay 0, no update
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        value[i] -= learningRate * (m[i] / correction1) /
          (Math.sqrt(v[i] / correction2) + epsilon);
      }
    }
  }
}

/**
 * What the fast path declares it supports: the demo model's focus row,
 * trained on one sentence, with a row loss that has a float64 form.
 *
 * @param problem The sentence, the focus position and the loss.
 * @returns `undefined` when it supports the problem, else why not, in a few words.
 */
export function handwrittenUnsupported(
  problem: HandwrittenProblem,
): string | undefined {
  return problem.loss.evaluate === undefined
    ? `the ${problem.loss.name} loss has no float64 form (evaluate)`
    : undefined;
}

function slot(values: number[] | number[][]): Slot {
  const flat = values.flat();
  const n = flat.length;
  return {
    value: Float64Array.from(flat),
    grad: new Float64Array(n),
    m: new Float64Array(n),
    v: new Float64Array(n),
  };
}

function rows(flat: Float64Array, width: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < flat.length; i += width) {
    out.push([...flat.subarray(i, i + width)]);
  }
  return out;
}
