/**
 * The fast training path: the model's forward pass, the size loss, their
 * gradients written out by hand, and Adam, all as plain float64 loops.
 * It computes the same numbers as the tfjs teaching path (tests assert it) in
 * O(vocabSize·dModel + dModel²) per step, because only the focus word's row is
 * trained. Readers should study `model.ts`; this file is the engine room.
 * @module
 */

import type { Parameters } from "./parameters.ts";

/** Adam's constants, as in PyTorch's defaults and the original demo. */
export const ADAM = Object.freeze({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

/** What the fast kernel needs to know about the sentence. */
export interface FastProblem {
  /** Token ids, `[seqLen]`. */
  tokenIds: number[];
  /** Position of the focus word. */
  focusPosition: number;
  /** Positions of the size words. */
  sizePositions: number[];
}

/** One training step's report: the state before the update. */
export interface FastStep {
  /** Loss before the update. */
  loss: number;
  /** Focus word's attention weights before the update, `[seqLen]`. */
  weights: number[];
}

// A parameter as a flat row-major array with its Adam moments.
interface Slot {
  value: Float64Array;
  grad: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

/**
 * Forward, backward and Adam for the focus word's attention, on flat arrays.
 * Only `embedding`, `queryWeight/Bias` and `keyWeight/Bias` influence the
 * loss; the value projection has zero gradient and never changes.
 */
export class FastAttention {
  readonly #ids: Int32Array;
  readonly #focusId: number;
  readonly #isSize: Uint8Array;
  readonly #numSize: number;
  readonly #numOther: number;
  readonly #d: number;
  readonly #vocabSize: number;
  readonly #scale: number;
  readonly #embedding: Slot;
  readonly #queryWeight: Slot;
  readonly #queryBias: Slot;
  readonly #keyWeight: Slot;
  readonly #keyBias: Slot;
  readonly #valueWeight: number[][];
  readonly #valueBias: number[];
  #step = 0;
  // scratch buffers, reused every step
  readonly #q: Float64Array;
  readonly #u: Float64Array;
  readonly #p: Float64Array;
  readonly #dq: Float64Array;
  readonly #rowScore: Float64Array;
  readonly #rowGrad: Float64Array;
  readonly #weights: Float64Array;

  /**
   * @param problem The sentence as ids and the positions that matter.
   * @param parameters Starting values (copied).
   */
  constructor(problem: FastProblem, parameters: Parameters) {
    const seqLen = problem.tokenIds.length;
    this.#d = parameters.queryWeight.length;
    this.#vocabSize = parameters.embedding.length;
    this.#scale = Math.sqrt(this.#d);
    this.#ids = Int32Array.from(problem.tokenIds);
    this.#focusId = problem.tokenIds[problem.focusPosition];
    this.#isSize = new Uint8Array(seqLen);
    for (const p of problem.sizePositions) this.#isSize[p] = 1;
    this.#numSize = problem.sizePositions.length;
    this.#numOther = seqLen - this.#numSize;
    this.#embedding = slot(parameters.embedding.flat());
    this.#queryWeight = slot(parameters.queryWeight.flat());
    this.#queryBias = slot(parameters.queryBias);
    this.#keyWeight = slot(parameters.keyWeight.flat());
    this.#keyBias = slot(parameters.keyBias);
    this.#valueWeight = structuredClone(parameters.valueWeight);
    this.#valueBias = [...parameters.valueBias];
    this.#q = new Float64Array(this.#d);
    this.#u = new Float64Array(this.#d);
    this.#p = new Float64Array(this.#d);
    this.#dq = new Float64Array(this.#d);
    this.#rowScore = new Float64Array(this.#vocabSize);
    this.#rowGrad = new Float64Array(this.#vocabSize);
    this.#weights = new Float64Array(seqLen);
  }

  /**
   * One epoch: forward pass, loss, gradients, one Adam update.
   *
   * @param learningRate Adam's step size.
   * @returns The loss and the weights before the update.
   */
  step(learningRate: number): FastStep {
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
  evaluate(): FastStep {
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
    return {
      ...this.#snapshot("grad"),
      valueWeight: this.#valueWeight.map((row) => row.map(() => 0)),
      valueBias: this.#valueBias.map(() => 0),
    };
  }

  /**
   * The current parameters as nested arrays.
   *
   * @returns A snapshot, independent of the kernel.
   */
  parameters(): Parameters {
    return {
      ...this.#snapshot("value"),
      valueWeight: structuredClone(this.#valueWeight),
      valueBias: [...this.#valueBias],
    };
  }

  // The trained parameters' values or gradients, as nested arrays.
  #snapshot(
    field: "value" | "grad",
  ): Omit<Parameters, "valueWeight" | "valueBias"> {
    const d = this.#d;
    return {
      embedding: rows(this.#embedding[field], d),
      queryWeight: rows(this.#queryWeight[field], d),
      queryBias: [...this.#queryBias[field]],
      keyWeight: rows(this.#keyWeight[field], d),
      keyBias: [...this.#keyBias[field]],
    };
  }

  // Computes the weights into #weights (and q, u on the way); returns the loss.
  #forward(): number {
    const d = this.#d;
    const E = this.#embedding.value, Wq = this.#queryWeight.value;
    const bq = this.#queryBias.value, Wk = this.#keyWeight.value;
    const bk = this.#keyBias.value;
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
    let sizeSum = 0, otherSum = 0;
    for (let j = 0; j < ids.length; j++) {
      w[j] /= total;
      if (this.#isSize[j]) sizeSum += 1 - w[j];
      else otherSum += w[j];
    }
    return sizeSum / this.#numSize + otherSum / this.#numOther;
  }

  // Fills every slot's grad from the state #forward left behind.
  #backward(): void {
    const d = this.#d, w = this.#weights, ids = this.#ids;
    // ∂loss/∂w_j is −1/|size| or +1/|other|; softmax's Jacobian gives
    // ∂loss/∂z_j = w_j (g_j − Σ_k w_k g_k); dividing by √dModel gives ∂/∂raw.
    let mean = 0;
    for (let j = 0; j < ids.length; j++) mean += w[j] * this.#lossSlope(j);
    const rowGrad = this.#rowGrad.fill(0); // ∂loss/∂raw summed per vocab row
    for (let j = 0; j < ids.length; j++) {
      rowGrad[ids[j]] += w[j] * (this.#lossSlope(j) - mean) / this.#scale;
    }
    const E = this.#embedding.value, Wq = this.#queryWeight.value;
    const Wk = this.#keyWeight.value;
    const q = this.#q, u = this.#u, p = this.#p, dq = this.#dq;
    // p = Σ_j g_j x_j                               [dModel]
    p.fill(0);
    for (let v = 0; v < this.#vocabSize; v++) {
      for (let a = 0; a < d; a++) p[a] += rowGrad[v] * E[v * d + a];
    }
    // ∂Wk = p ⊗ q and ∂q = p · Wk. The key bias adds bk · q to every score
    // alike, which softmax ignores: its gradient, (Σ_j g_j) q, is exactly 0
    // (Σ_j g_j = 0), so it is left at 0 and bk never changes.
    const gWk = this.#keyWeight.grad;
    dq.fill(0);
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        gWk[a * d + b] = p[a] * q[b];
        dq[b] += p[a] * Wk[a * d + b];
      }
    }
    // ∂Wq = x_focus ⊗ ∂q, ∂bq = ∂q
    const f = this.#focusId * d;
    const gWq = this.#queryWeight.grad, gbq = this.#queryBias.grad;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) gWq[a * d + b] = E[f + a] * dq[b];
    }
    gbq.set(dq);
    // ∂E[v] = (Σ_{j: id_j = v} g_j) u, plus Wq · ∂q on the focus word's row
    const gE = this.#embedding.grad;
    for (let v = 0; v < this.#vocabSize; v++) {
      for (let a = 0; a < d; a++) gE[v * d + a] = rowGrad[v] * u[a];
    }
    for (let a = 0; a < d; a++) {
      let s = 0;
      for (let b = 0; b < d; b++) s += Wq[a * d + b] * dq[b];
      gE[f + a] += s;
    }
  }

  #lossSlope(j: number): number {
    return this.#isSize[j] ? -1 / this.#numSize : 1 / this.#numOther;
  }

  #adam(learningRate: number): void {
    this.#step++;
    const { beta1, beta2, epsilon } = ADAM;
    const correction1 = 1 - beta1 ** this.#step;
    const correction2 = 1 - beta2 ** this.#step;
    for (
      const s of [
        this.#embedding,
        this.#queryWeight,
        this.#queryBias,
        this.#keyWeight,
        this.#keyBias,
      ]
    ) {
      const { value, grad, m, v } = s;
      for (let i = 0; i < value.length; i++) {
        const g = grad[i];
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        value[i] -= learningRate * (m[i] / correction1) /
          (Math.sqrt(v[i] / correction2) + epsilon);
      }
    }
  }
}

function slot(values: number[]): Slot {
  const n = values.length;
  return {
    value: Float64Array.from(values),
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
