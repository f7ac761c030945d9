/**
 * General attention ops, batched: scaled dot-product attention, the causal
 * mask, multi-head attention in PyTorch's `nn.MultiheadAttention` layout, and
 * an embedding lookup with a cheap gradient. Every chapter's model is built
 * from these.
 *
 * Shape names: `B` batch size, `T` sequence length (`seqLen`), `dModel` model
 * width, `h` number of heads, `dK = dModel / h` one head's width.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { floatTensor, kindOf } from "./_tensors.ts";
import {
  checkIndices,
  checkObject,
  checkOptions,
  describe,
} from "./_describe.ts";
import { checkAttentionCells } from "./limits.ts";

// tfjs prints a "use the Node.js backend" banner on first use unless
// production mode is on; readers should never see it.
tf.enableProdMode();

/** A tensor, or the same numbers as nested arrays. */
export type TensorOrArray = tf.Tensor | number | tf.TensorLike;

/** What attention returns. The caller owns both tensors. */
export interface AttentionResult {
  /** The weighted sums of the values, `[..., Tq, dV]`. */
  output: tf.Tensor;
  /** The attention weights, `[..., Tq, Tk]`; every row sums to 1. */
  weights: tf.Tensor;
}

/** Options for {@linkcode scaledDotProductAttention}. */
export interface ScaledDotProductAttentionOptions {
  /**
   * Added to the scores before the softmax, `[Tq, Tk]` (or any shape that
   * broadcasts to `[..., Tq, Tk]`): 0 where a query may look, `-Infinity`
   * where it may not (see {@linkcode causalMask}). Default: no mask.
   */
  mask?: TensorOrArray;
}

/**
 * Scaled dot-product attention: `softmax(Q · Kᵀ / √dK + mask) · V`.
 *
 * @param q Queries, `[..., Tq, dK]`.
 * @param k Keys, `[..., Tk, dK]`.
 * @param v Values, `[..., Tk, dV]`.
 * @param options An optional additive mask.
 * @returns `output` `[..., Tq, dV]` and `weights` `[..., Tq, Tk]`.
 * @throws {RangeError} When the shapes do not fit together, or a mask row
 *   hides every key.
 *
 * @example
 * ```ts
 * import { scaledDotProductAttention } from "./attention.ts";
 * const x = [[1, 0], [0, 1], [1, 1]]; // [T, dK]
 * const { output, weights } = scaledDotProductAttention(x, x, x);
 * if (weights.shape.join() !== "3,3" || output.shape.join() !== "3,2") throw new Error();
 * output.dispose();
 * weights.dispose();
 * ```
 */
export function scaledDotProductAttention(
  q: TensorOrArray,
  k: TensorOrArray,
  v: TensorOrArray,
  options: ScaledDotProductAttentionOptions = {},
): AttentionResult {
  checkOptions(options);
  return tf.tidy(() => {
    const queries = floatTensor(q, "q");
    const keys = floatTensor(k, "k");
    const values = floatTensor(v, "v");
    checkAttentionShapes(queries.shape, keys.shape, values.shape);
    const dK = queries.shape[queries.rank - 1];
    let scores = tf.div(
      tf.matMul(queries, keys, false, true),
      Math.sqrt(dK),
    ); // [..., Tq, dK] · [..., dK, Tk] → [..., Tq, Tk]
    if (options.mask !== undefined) {
      const mask = floatTensor(options.mask, "mask", { allowInfinite: true });
      checkMask(mask, scores.shape);
      scores = tf.add(scores, mask); // [..., Tq, Tk]; -Infinity hides a key
    }
    const weights = tf.softmax(scores); // [..., Tq, Tk], rows sum to 1
    const output = tf.matMul(weights, values); // [..., Tq, Tk] · [..., Tk, dV] → [..., Tq, dV]
    return { output, weights };
  });
}

/**
 * The causal mask of a decoder: position `i` may attend to positions
 * `0…i` only. Entry `[i][j]` is 0 when `j ≤ i` and `-Infinity` when `j > i`
 * (as PyTorch's `nn.Transformer.generate_square_subsequent_mask`).
 *
 * @param seqLen The sequence length `T`, a whole number ≥ 1.
 * @returns The mask, `[T, T]` float32; the caller disposes it.
 * @throws {RangeError} When `seqLen` is not a whole number ≥ 1, or `T × T`
 *   exceeds `MAX_ATTENTION_CELLS` (limits.ts).
 *
 * @example
 * ```ts
 * import { causalMask } from "./attention.ts";
 * const mask = causalMask(3);
 * const rows = mask.arraySync() as number[][];
 * if (rows[0][1] !== -Infinity || rows[2][0] !== 0) throw new Error();
 * mask.dispose();
 * ```
 */
export function causalMask(seqLen: number): tf.Tensor2D {
  if (!Number.isInteger(seqLen) || seqLen < 1) {
    throw new RangeError(
      `seqLen must be a whole number ≥ 1, got ${describe(seqLen)}`,
    );
  }
  checkAttentionCells(seqLen * seqLen, `a causal mask [${seqLen}, ${seqLen}]`);
  const values = new Float32Array(seqLen * seqLen);
  for (let i = 0; i < seqLen; i++) {
    for (let j = i + 1; j < seqLen; j++) values[i * seqLen + j] = -Infinity;
  }
  return tf.tensor2d(values, [seqLen, seqLen]); // [T, T]
}

/**
 * The weights of one multi-head attention layer, named and laid out as in
 * PyTorch's `nn.MultiheadAttention` (camelCase): the Q, K and V projections
 * stacked in one matrix, applied as `x · Wᵀ + b`.
 */
export interface MultiHeadWeights {
  /** `[Wq; Wk; Wv]` stacked by rows, `[3·dModel, dModel]` (`in_proj_weight`). */
  inProjWeight: TensorOrArray;
  /** `[bq; bk; bv]`, `[3·dModel]` (`in_proj_bias`). */
  inProjBias: TensorOrArray;
  /** The output projection `W_O`, `[dModel, dModel]` (`out_proj.weight`). */
  outProjWeight: TensorOrArray;
  /** Its bias, `[dModel]` (`out_proj.bias`). */
  outProjBias: TensorOrArray;
}

/** Options for {@linkcode multiHeadAttention}. */
export interface MultiHeadAttentionOptions {
  /** Number of heads `h`; must divide `dModel`. Default 1. */
  numHeads?: number;
  /** Apply {@linkcode causalMask}, so no position sees a later one. Default false. */
  causal?: boolean;
}

/**
 * Multi-head self-attention, batch first, equal to PyTorch's
 * `nn.MultiheadAttention(dModel, numHeads, batch_first=True)` called as
 * `mha(x, x, x, attn_mask=mask, average_attn_weights=False)`.
 *
 * Steps: project `x` to Q, K, V (`[B, T, dModel]` each); split each into
 * `h` heads of width `dK = dModel / h` (`[B, h, T, dK]`); scaled dot-product
 * attention per head with scale `1/√dK`; concatenate the heads back to
 * `[B, T, dModel]`; project with `W_O`.
 *
 * @param x The input sequence, `[B, T, dModel]`.
 * @param weights The projections (tensors or nested arrays); not disposed.
 * @param options Number of heads and the causal mask.
 * @returns `output` `[B, T, dModel]` and per-head `weights` `[B, h, T, T]`.
 * @throws {RangeError} For shapes that do not fit or a bad `numHeads`.
 *
 * @example
 * ```ts
 * import { multiHeadAttention } from "./attention.ts";
 * const eye = [[1, 0], [0, 1]];
 * const { output, weights } = multiHeadAttention([[[1, 2], [3, 4]]], {
 *   inProjWeight: [...eye, ...eye, ...eye],
 *   inProjBias: [0, 0, 0, 0, 0, 0],
 *   outProjWeight: eye,
 *   outProjBias: [0, 0],
 * }, { numHeads: 2, causal: true });
 * if (weights.shape.join() !== "1,2,2,2") throw new Error();
 * output.dispose();
 * weights.dispose();
 * ```
 */
export function multiHeadAttention(
  x: TensorOrArray,
  weights: MultiHeadWeights,
  options: MultiHeadAttentionOptions = {},
): AttentionResult {
  checkOptions(options);
  checkObject(
    weights,
    "weights",
    "{inProjWeight, inProjBias, outProjWeight, outProjBias}",
  );
  const numHeads = options.numHeads ?? 1;
  return tf.tidy(() => {
    const input = floatTensor(x, "x");
    if (input.rank !== 3) {
      throw new RangeError(
        `x must be [B, T, dModel], got shape [${input.shape}]`,
      );
    }
    const [batch, seqLen, dModel] = input.shape;
    if (!Number.isInteger(numHeads) || numHeads < 1 || dModel % numHeads) {
      throw new RangeError(
        `numHeads must be a whole number ≥ 1 that divides dModel ${dModel}, got ${
          describe(numHeads)
        }`,
      );
    }
    const dK = dModel / numHeads;
    const inW = floatTensor(weights.inProjWeight, "weights.inProjWeight", {
      shape: [3 * dModel, dModel],
    });
    const inB = floatTensor(weights.inProjBias, "weights.inProjBias", {
      shape: [3 * dModel],
    });
    const outW = floatTensor(weights.outProjWeight, "weights.outProjWeight", {
      shape: [dModel, dModel],
    });
    const outB = floatTensor(weights.outProjBias, "weights.outProjBias", {
      shape: [dModel],
    });

    const rows = input.reshape([batch * seqLen, dModel]); // [B·T, dModel]
    const qkv = tf.add(tf.matMul(rows, inW, false, true), inB); // [B·T, dModel] · [dModel, 3·dModel] → [B·T, 3·dModel]
    const [q, k, v] = tf.split(qkv, 3, 1).map((part) =>
      part
        .reshape([batch, seqLen, numHeads, dK]) // [B·T, dModel] → [B, T, h, dK]
        .transpose([0, 2, 1, 3]) // → [B, h, T, dK]
    );
    const mask = options.causal ? causalMask(seqLen) : undefined; // [T, T]
    const heads = scaledDotProductAttention(q, k, v, { mask }); // [B, h, T, dK], [B, h, T, T]
    const concat = heads.output
      .transpose([0, 2, 1, 3]) // [B, h, T, dK] → [B, T, h, dK]
      .reshape([batch * seqLen, dModel]); // → [B·T, dModel]
    const output = tf.add(tf.matMul(concat, outW, false, true), outB) // [B·T, dModel] · [dModel, dModel] → [B·T, dModel]
      .reshape([batch, seqLen, dModel]); // → [B, T, dModel]
    return { output, weights: heads.weights };
  });
}

/**
 * Looks up rows of an embedding table: `table[ids]`.
 *
 * Same values as `tf.gather(table, ids)`, copied without a kernel, with a
 * cheaper gradient: tfjs differentiates `gather` with `UnsortedSegmentSum`,
 * which on the cpu backend makes one masked pass over the ids per table row.
 * Here the gradient is a scatter-add of the incoming rows,
 * `O(vocabSize·dModel + n·dModel)`.
 *
 * @param table The embedding table, `[vocabSize, dModel]`.
 * @param ids Row numbers, `[n]` whole numbers in `0…vocabSize − 1`.
 * @returns The rows, `[n, dModel]`; the caller owns it.
 * @throws {RangeError} For an id outside the table.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { embeddingLookup } from "./attention.ts";
 * const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
 * const rows = embeddingLookup(table, [2, 0, 2]);
 * if (rows.arraySync()[0][1] !== 6) throw new Error();
 * tf.dispose([table, rows]);
 * ```
 */
export function embeddingLookup(
  table: tf.Tensor2D,
  ids: tf.Tensor1D | number[],
): tf.Tensor2D {
  if (!(table instanceof tf.Tensor) || table.rank !== 2) {
    throw new RangeError(
      `table must be a [vocabSize, dModel] tensor, got ${kindOf(table)}`,
    );
  }
  if (table.isDisposed) throw new TypeError("table is a disposed tensor");
  if (ids instanceof tf.Tensor && ids.isDisposed) {
    throw new TypeError("ids is a disposed tensor");
  }
  if (!Array.isArray(ids) && !(ids instanceof tf.Tensor && ids.rank === 1)) {
    throw new TypeError(
      `ids must be a list of token ids or a [n] tensor, got ${kindOf(ids)}`,
    );
  }
  const vocabSize = table.shape[0];
  const idList = Array.isArray(ids) ? ids : Array.from(ids.dataSync());
  checkIndices(idList, "ids", "id", vocabSize, "the table");
  return tf.tidy(() => {
    const idTensor = tf.tensor1d(idList, "int32"); // [n]
    return lookup(table, idTensor) as tf.Tensor2D; // [n, dModel]
  });
}

// Forward: the rows copied in JavaScript, one new tensor (wasm's GatherV2
// kernel takes about 1 ms for 512 rows of 64, a copy takes microseconds);
// backward: scatter-add the incoming rows into a zero table.
const lookup = tf.customGrad(
  ((table: tf.Tensor, ids: tf.Tensor, save: tf.GradSaveFunc) => {
    save([ids]);
    const [vocabSize, width] = table.shape;
    const rows = table.dataSync() as Float32Array; // [vocabSize·dModel]
    const idValues = ids.dataSync();
    const out = new Float32Array(idValues.length * width);
    for (let i = 0; i < idValues.length; i++) {
      const id = idValues[i];
      out.set(rows.subarray(id * width, (id + 1) * width), i * width); // row id → row i
    }
    return {
      value: tf.tensor2d(out, [idValues.length, width]), // [n, dModel]
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        tf.scatterND(
          saved[0].expandDims(1), // [n, 1]
          dy, // [n, dModel]
          [vocabSize, width], // rows of repeated ids add up → [vocabSize, dModel]
        ),
        tf.zerosLike(saved[0]),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
);

function checkAttentionShapes(q: number[], k: number[], v: number[]): void {
  const shapes = `q [${q}], k [${k}], v [${v}]`;
  if (q.length < 2 || k.length !== q.length || v.length !== q.length) {
    throw new RangeError(
      `q, k and v must have the same rank ≥ 2 ([..., T, d]); got ${shapes}`,
    );
  }
  const r = q.length;
  if (q[r - 1] !== k[r - 1]) {
    throw new RangeError(`q and k must have the same width dK; got ${shapes}`);
  }
  if (k[r - 2] !== v[r - 2]) {
    throw new RangeError(
      `k and v must have the same length Tk; got ${shapes}`,
    );
  }
  if (q.slice(0, r - 2).join() !== k.slice(0, r - 2).join()) {
    throw new RangeError(`q, k and v must share batch dims; got ${shapes}`);
  }
  if (q[r - 1] === 0 || k[r - 2] === 0) {
    throw new RangeError(`dK and Tk must be ≥ 1; got ${shapes}`);
  }
  const scoreShape = [...q.slice(0, r - 1), k[r - 2]]; // [..., Tq, Tk]
  checkAttentionCells(
    scoreShape.reduce((a, b) => a * b, 1),
    `the attention weights [${scoreShape}]`,
  );
}

function checkMask(mask: tf.Tensor, scoreShape: number[]): void {
  const [tq, tk] = scoreShape.slice(-2);
  const ms = mask.shape;
  const fits = ms.length <= scoreShape.length &&
    ms.every((size, i) => {
      const target = scoreShape[scoreShape.length - ms.length + i];
      return size === target || size === 1;
    });
  if (!fits) {
    throw new RangeError(
      `mask must broadcast to the scores [..., ${tq}, ${tk}], got shape [${ms}]`,
    );
  }
  const values = mask.dataSync();
  const rowLength = ms.length ? ms[ms.length - 1] : 1;
  for (let row = 0; row < values.length; row += rowLength) {
    let open = false;
    for (let j = 0; j < rowLength; j++) {
      const m = values[row + j];
      if (Number.isNaN(m) || m === Infinity) {
        throw new RangeError("mask entries must be numbers or -Infinity");
      }
      if (m !== -Infinity) open = true;
    }
    if (!open) {
      throw new RangeError(
        `mask row ${row / rowLength} hides every key: softmax would be 0/0`,
      );
    }
  }
}
