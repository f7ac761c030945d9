/**
 * Fast versions of the ops a GPT is made of, for training: each is one
 * `tf.customGrad` with a hand-written backward pass, so a training step
 * dispatches fewer, larger kernels than autodiff through the plain ops
 * (attention.ts, block.ts). (What the wasm backend runs slowly or lacks —
 * transposed products, products of two stacks, sums over rows,
 * `UnsortedSegmentSum` — backend.ts mends for every caller.)
 * Each equals its plain version (tests/fast_ops_test.ts).
 *
 * Shape names as in attention.ts: `B` batch, `T` sequence length, `dModel`
 * width, `h` heads, `dK = dModel / h`; `N = B·T` rows, `vocabSize` tokens.
 * @module
 */

import * as tf from "@tensorflow/tfjs";

tf.enableProdMode();

// tfjs's customGrad is typed for one tensor argument; ours take several,
// then tfjs's save function.
interface CustomResult {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
}
type CustomOp = (...inputs: tf.Tensor[]) => tf.Tensor;
function customOp(f: (...args: never[]) => CustomResult): CustomOp {
  return tf.customGrad(
    f as unknown as Parameters<typeof tf.customGrad>[0],
  ) as unknown as CustomOp;
}
type T = tf.Tensor;
type Save = tf.GradSaveFunc;

/**
 * Saves tensors for the backward pass, except variables: tfjs saves a copy
 * of each (one Identity kernel, a full copy on wasm), but a variable is
 * never tidied away, so the backward pass can read it directly.
 * @returns A function giving the saved tensors back, in the same order.
 */
function saveForBackward(
  save: Save,
  tensors: tf.Tensor[],
): (saved: tf.Tensor[]) => tf.Tensor[] {
  save(tensors.filter((t) => !(t instanceof tf.Variable)));
  return (saved) => {
    let k = 0;
    return tensors.map((t) => t instanceof tf.Variable ? t : saved[k++]);
  };
}

// ---------------------------------------------------------------- linear

const linearWithBias = customOp((x: T, weight: T, bias: T, save: Save) => {
  const restore = saveForBackward(save, [x, weight]);
  return {
    value: tf.add(tf.matMul(x, weight, false, true), bias), // [N, in] · [in, out] + [out] → [N, out]
    gradFunc: (dy, saved) => {
      const [xs, w] = restore(saved);
      return [
        tf.matMul(dy, w), // dx: [N, out] · [out, in] → [N, in]
        tf.matMul(dy, xs, true, false), // dW: [out, N] · [N, in] → [out, in]
        tf.sum(dy, 0), // db: [out]
      ];
    },
  };
});

const linearNoBias = customOp((x: T, weight: T, save: Save) => {
  const restore = saveForBackward(save, [x, weight]);
  return {
    value: tf.matMul(x, weight, false, true), // [N, in] · [in, out] → [N, out]
    gradFunc: (dy, saved) => {
      const [xs, w] = restore(saved);
      return [tf.matMul(dy, w), tf.matMul(dy, xs, true, false)];
    },
  };
});

/**
 * A linear layer as PyTorch's `nn.Linear`: `x · Wᵀ + b`, with the weight in
 * PyTorch's `[out, in]` layout. Backward: `dx = dy · W`, `dW = dyᵀ · x`,
 * `db = Σ dy`.
 *
 * @param x Rows, `[N, in]`.
 * @param weight `[out, in]`.
 * @param bias `[out]`, or `undefined` for none (a tied output head).
 * @returns `[N, out]`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { linear } from "./fast_ops.ts";
 * const y = linear(tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 0], [1, 1]]), tf.tensor1d([0, 10]));
 * if (y.arraySync()[0].join() !== "1,13") throw new Error();
 * ```
 */
export function linear(
  x: tf.Tensor2D,
  weight: tf.Tensor2D,
  bias?: tf.Tensor1D,
): tf.Tensor2D {
  checkRank(x, 2, "x", "[N, in]");
  checkRank(weight, 2, "weight", "[out, in]");
  if (x.shape[1] !== weight.shape[1]) {
    throw new RangeError(
      `x [${x.shape}] and weight [${weight.shape}] must share the width in`,
    );
  }
  if (bias === undefined) return linearNoBias(x, weight) as tf.Tensor2D;
  if (bias.rank !== 1 || bias.shape[0] !== weight.shape[0]) {
    throw new RangeError(
      `bias must be [${weight.shape[0]}], got [${bias.shape}]`,
    );
  }
  return linearWithBias(x, weight, bias) as tf.Tensor2D;
}

// ----------------------------------------------------------------- GELU

const GELU_C = Math.sqrt(2 / Math.PI); // √(2/π)
const GELU_A = 0.044715;

// 0.5·x·(1 + tanh u) = x·σ(2u): the same function with a sigmoid, which
// wasm runs through XNNPACK about ten times faster than its tanh.
const geluOp = customOp((x: T, save: Save) => {
  const x2 = tf.square(x);
  const twoU = tf.mul(x, tf.add(tf.mul(x2, 2 * GELU_C * GELU_A), 2 * GELU_C)); // 2u = 2·√(2/π)·(x + 0.044715·x³)
  const s = tf.sigmoid(twoU); // σ(2u) = (1 + tanh u) / 2
  save([x, x2, s]);
  return {
    value: tf.mul(x, s), // x·σ(2u)
    gradFunc: (dy, [xs, x2s, ss]) => {
      // d/dx x·σ(2u) = σ + x·σ·(1 − σ)·d(2u)/dx, d(2u)/dx = 2·√(2/π)·(1 + 3·0.044715·x²)
      const dTwoU = tf.add(tf.mul(x2s, 6 * GELU_C * GELU_A), 2 * GELU_C);
      const slope = tf.mul(tf.mul(ss, tf.sub(1, ss)), tf.mul(xs, dTwoU));
      return [tf.mul(dy, tf.add(ss, slope))];
    },
  };
});

/**
 * GELU in the tanh approximation of GPT-2 (PyTorch's
 * `nn.GELU(approximate="tanh")`):
 * `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, elementwise, computed as
 * the equal `x·σ(2·√(2/π)·(x + 0.044715·x³))`.
 *
 * @param x Any shape.
 * @returns The same shape.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { gelu } from "./fast_ops.ts";
 * const y = gelu(tf.tensor1d([0, 10])).arraySync();
 * if (y[0] !== 0 || Math.abs(y[1] - 10) > 1e-5) throw new Error();
 * ```
 */
export function gelu<X extends tf.Tensor>(x: X): X {
  if (!(x instanceof tf.Tensor)) {
    throw new TypeError(`x must be a tensor, got ${typeof x}`);
  }
  return geluOp(x) as X;
}

/**
 * The same GELU written with plain tfjs ops, differentiated by autodiff:
 * the readable reference {@linkcode gelu} is tested against.
 *
 * @param x Any shape.
 * @returns The same shape.
 */
export function plainGelu<X extends tf.Tensor>(x: X): X {
  return tf.tidy(() => {
    const cube = tf.pow(x, 3);
    const inner = tf.mul(tf.add(x, tf.mul(cube, GELU_A)), GELU_C);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as X;
  });
}

// ------------------------------------------------------------ LayerNorm

function layerNormOp(epsilon: number): CustomOp {
  return customOp((x: T, gain: T, shift: T, save: Save) => {
    const d = x.shape[x.rank - 1];
    const mean = tf.mean(x, -1, true); // [N, 1]
    const centred = tf.sub(x, mean); // [N, d]
    const variance = tf.mean(tf.square(centred), -1, true); // [N, 1], population
    const rstd = tf.rsqrt(tf.add(variance, epsilon)); // 1/√(var + ε), [N, 1]
    const xHat = tf.mul(centred, rstd); // [N, d], rows mean 0 variance 1
    const restore = saveForBackward(save, [xHat, rstd, gain]);
    return {
      value: tf.add(tf.mul(xHat, gain), shift), // γ·x̂ + β, [N, d]
      gradFunc: (dy, saved) => {
        const [xh, r, g] = restore(saved);
        // dx = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)), g = dy ⊙ γ
        const dxHat = tf.mul(dy, g); // [N, d]
        const meanD = tf.mean(dxHat, -1, true); // [N, 1]
        const meanDX = tf.mean(tf.mul(dxHat, xh), -1, true); // [N, 1]
        const dx = tf.mul(
          tf.sub(tf.sub(dxHat, meanD), tf.mul(xh, meanDX)),
          r,
        );
        const rows = [-1, d];
        return [
          dx,
          tf.sum(tf.mul(dy, xh).reshape(rows), 0), // dγ: [d]
          tf.sum(dy.reshape(rows), 0), // dβ: [d]
        ];
      },
    };
  });
}
const layerNormOps = new Map<number, CustomOp>();

/**
 * LayerNorm over the last axis as PyTorch's `nn.LayerNorm`, with a
 * hand-written backward pass: same values as block.ts's `layerNorm`.
 *
 * @param x Rows, `[..., dModel]`.
 * @param weight The gain `γ`, `[dModel]`.
 * @param bias The shift `β`, `[dModel]`.
 * @param epsilon Added to the variance, 1e-5 as PyTorch.
 * @returns `[..., dModel]`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { fastLayerNorm } from "./fast_ops.ts";
 * const y = fastLayerNorm(tf.tensor2d([[1, 2, 3]]), tf.ones([3]), tf.zeros([3]));
 * if (Math.abs(y.arraySync()[0][1]) > 1e-6) throw new Error();
 * ```
 */
export function fastLayerNorm<X extends tf.Tensor>(
  x: X,
  weight: tf.Tensor1D,
  bias: tf.Tensor1D,
  epsilon = 1e-5,
): X {
  if (!(x instanceof tf.Tensor) || x.rank < 1) {
    throw new TypeError("x must be a tensor [..., dModel]");
  }
  const d = x.shape[x.rank - 1];
  for (const [name, t] of [["weight", weight], ["bias", bias]] as const) {
    if (!(t instanceof tf.Tensor) || t.rank !== 1 || t.shape[0] !== d) {
      throw new RangeError(`${name} must be a tensor [${d}]`);
    }
  }
  if (!Number.isFinite(epsilon) || epsilon <= 0) {
    throw new RangeError(`epsilon must be a number > 0, got ${epsilon}`);
  }
  let op = layerNormOps.get(epsilon);
  if (!op) layerNormOps.set(epsilon, op = layerNormOp(epsilon));
  return op(x, weight, bias) as X;
}

// ------------------------------------------------ causal self-attention

/** What {@linkcode causalSelfAttention} returns; the caller owns both. */
export interface CausalAttentionResult {
  /** The heads' outputs side by side, `[B·T, dModel]` (before `c_proj`). */
  output: tf.Tensor2D;
  /** The attention weights, `[B, h, T, T]` (not differentiable). */
  weights: tf.Tensor4D;
}

// The [T, T] mask: 0 where a query may look (j ≤ i), -Infinity after.
function maskValues(seqLen: number): Float32Array {
  const m = new Float32Array(seqLen * seqLen);
  for (let i = 0; i < seqLen; i++) {
    for (let j = i + 1; j < seqLen; j++) m[i * seqLen + j] = -Infinity;
  }
  return m;
}

function attentionOp(
  batch: number,
  seqLen: number,
  numHeads: number,
  stash: { weights?: tf.Tensor },
): CustomOp {
  return customOp((qkv: T, save: Save) => {
    const dModel = qkv.shape[1]! / 3;
    const dK = dModel / numHeads;
    const heads = (t: tf.Tensor) =>
      t.reshape([batch, seqLen, numHeads, dK]).transpose([0, 2, 1, 3]); // [B·T, dModel] → [B, h, T, dK]
    // One transpose puts Q, K and V one after the other in memory, so the
    // split copies three contiguous blocks (wasm copies the columns of qkv
    // slowly, and transposes of rank 5 too).
    const [qHeads, k, v] = tf.split(
      qkv.reshape([batch * seqLen, 3, dModel]).transpose([1, 0, 2]), // [B·T, 3·dModel] → [3, B·T, dModel]
      3,
      0,
    ).map(heads); // [B, h, T, dK] each
    const q = tf.mul(qHeads, 1 / Math.sqrt(dK)); // the 1/√dK scale, on the smaller tensor
    const mask = tf.tensor2d(maskValues(seqLen), [seqLen, seqLen]); // [T, T]
    const scores = tf.add(tf.matMul(q, k, false, true), mask); // [B, h, T, dK] · [B, h, dK, T] → [B, h, T, T]
    const p = tf.softmax(scores); // [B, h, T, T], rows sum to 1, 0 above the diagonal
    const y = tf.matMul(p, v); // [B, h, T, T] · [B, h, T, dK] → [B, h, T, dK]
    save([q, k, v, p]);
    stash.weights = tf.keep(p);
    return {
      value: y.transpose([0, 2, 1, 3]).reshape([batch * seqLen, dModel]), // → [B, T, h, dK] → [B·T, dModel]
      gradFunc: (dy, [qs, ks, vs, ps]) => {
        const dY = heads(dy); // [B, h, T, dK]
        const dV = tf.matMul(ps, dY, true, false); // Pᵀ · dY: [B, h, T, dK]
        const dP = tf.matMul(dY, vs, false, true); // dY · Vᵀ: [B, h, T, T]
        // softmax backward: dS = P ⊙ (dP − Σ_j dP ⊙ P); hidden keys have P = 0
        const dS = tf.mul(
          ps,
          tf.sub(dP, tf.sum(tf.mul(dP, ps), -1, true)),
        ); // [B, h, T, T]
        const dQ = tf.mul(tf.matMul(dS, ks), 1 / Math.sqrt(dK)); // [B, h, T, dK]
        const dK_ = tf.matMul(dS, qs, true, false); // dSᵀ · q: [B, h, T, dK]
        const rows = (t: tf.Tensor) =>
          t.transpose([0, 2, 1, 3]).reshape([batch * seqLen, dModel]); // [B, h, T, dK] → [B, T, h, dK] → [B·T, dModel]
        return [
          tf.stack([dQ, dK_, dV].map(rows)) // [3, B·T, dModel]
            .transpose([1, 0, 2]) // → [B·T, 3, dModel]
            .reshape([batch * seqLen, 3 * dModel]), // → [B·T, 3·dModel]
        ];
      },
    };
  });
}

/**
 * The core of GPT's causal self-attention, from the packed projections to
 * the heads' outputs side by side: split `qkv` into Q, K, V and into `h`
 * heads, `softmax(Q·Kᵀ/√dK + causal mask) · V` per head, heads back side by
 * side. One op with a hand-written backward pass (the softmax's Jacobian
 * applied as `P ⊙ (dP − Σ dP ⊙ P)`), equal to the same steps written with
 * {@linkcode scaledDotProductAttention}.
 *
 * @param qkv `x · c_attnᵀ + b`, `[B·T, 3·dModel]`: Q, K, V side by side.
 * @param shape Batch size `B`, sequence length `T` and heads `h`.
 * @returns `output` `[B·T, dModel]` and `weights` `[B, h, T, T]`.
 * @throws {RangeError} When the shapes do not fit.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { causalSelfAttention } from "./fast_ops.ts";
 * const qkv = tf.ones([3, 6]) as tf.Tensor2D; // B 1, T 3, dModel 2
 * const { output, weights } = causalSelfAttention(qkv, { batch: 1, seqLen: 3, numHeads: 2 });
 * if (weights.arraySync()[0][0][1][0] !== 0.5) throw new Error();
 * tf.dispose([qkv, output, weights]);
 * ```
 */
export function causalSelfAttention(
  qkv: tf.Tensor2D,
  shape: { batch: number; seqLen: number; numHeads: number },
): CausalAttentionResult {
  const { batch, seqLen, numHeads } = shape ?? {};
  checkRank(qkv, 2, "qkv", "[B·T, 3·dModel]");
  const [rows, width] = qkv.shape;
  for (
    const [name, n] of [["batch", batch], ["seqLen", seqLen], [
      "numHeads",
      numHeads,
    ]] as const
  ) {
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`${name} must be a whole number ≥ 1, got ${n}`);
    }
  }
  if (rows !== batch * seqLen || width % (3 * numHeads) !== 0) {
    throw new RangeError(
      `qkv must be [B·T, 3·dModel] = [${
        batch * seqLen
      }, 3·h·dK] with h ${numHeads}, got [${qkv.shape}]`,
    );
  }
  const stash: { weights?: tf.Tensor } = {};
  const output = attentionOp(batch, seqLen, numHeads, stash)(
    qkv,
  ) as tf.Tensor2D;
  // The weights were kept out of the op's own scope; hand them to the
  // caller's scope like any other result.
  const weights = tf.clone(stash.weights!) as tf.Tensor4D;
  stash.weights!.dispose();
  return { output, weights };
}

// -------------------------------------------------------- cross-entropy

const crossEntropyOp = customOp((logits: T, targets: T, save: Save) => {
  const [n, vocabSize] = logits.shape;
  const shifted = tf.sub(logits, tf.max(logits, -1, true)); // [N, V], max 0 per row
  const logProbs = tf.sub(
    shifted,
    tf.log(tf.sum(tf.exp(shifted), -1, true)),
  ); // log softmax, [N, V]
  const oneHot = tf.oneHot(targets as tf.Tensor1D, vocabSize); // [N, V]
  save([logProbs, oneHot]);
  return {
    value: tf.mul(tf.sum(tf.mul(logProbs, oneHot)), -1 / n), // mean −log p(target)
    gradFunc: (dy, [lp, oh]) => [
      tf.mul(tf.sub(tf.exp(lp), oh), tf.div(dy, n)), // (softmax − onehot)·dy/N
      tf.zerosLike(targets),
    ],
  };
});

/**
 * The mean cross-entropy of next-token logits against target ids, as
 * PyTorch's `F.cross_entropy(logits, targets)`, with the backward pass
 * `(softmax − onehot) / N` in one step.
 *
 * @param logits `[N, vocabSize]`.
 * @param targets `[N]` int32 ids in `0…vocabSize − 1`.
 * @returns The loss, a scalar.
 * @throws {RangeError} When the shapes do not fit.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { crossEntropy } from "./fast_ops.ts";
 * const loss = crossEntropy(tf.zeros([2, 4]), tf.tensor1d([1, 3], "int32"));
 * if (Math.abs(loss.arraySync() - Math.log(4)) > 1e-6) throw new Error();
 * ```
 */
export function crossEntropy(
  logits: tf.Tensor2D,
  targets: tf.Tensor1D,
): tf.Scalar {
  checkRank(logits, 2, "logits", "[N, vocabSize]");
  checkRank(targets, 1, "targets", "[N]");
  if (targets.shape[0] !== logits.shape[0] || targets.dtype !== "int32") {
    throw new RangeError(
      `targets must be int32 [${
        logits.shape[0]
      }], got ${targets.dtype} [${targets.shape}]`,
    );
  }
  return crossEntropyOp(logits, targets) as tf.Scalar;
}

function checkRank(
  t: unknown,
  rank: number,
  name: string,
  shape: string,
): void {
  if (!(t instanceof tf.Tensor) || t.rank !== rank) {
    throw new RangeError(
      `${name} must be a tensor ${shape}, got ${
        t instanceof tf.Tensor ? `shape [${t.shape}]` : typeof t
      }`,
    );
  }
}
