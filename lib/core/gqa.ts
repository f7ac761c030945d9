/**
 * Grouped-query attention (Ainslie et al. 2023) and its extreme, multi-query
 * attention (Shazeer 2019): `h` query heads share `g` key/value heads, each
 * key/value head serving `h / g` query heads. With `g = h` it is multi-head
 * attention; with `g = 1`, multi-query. The KV cache shrinks by `h / g`.
 *
 * Shape names: `B` batch, `h` query heads, `g` key/value heads (groups),
 * `T` sequence length, `dK` one head's width.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { describe } from "./_describe.ts";
import {
  type AttentionResult,
  scaledDotProductAttention,
  type TensorOrArray,
} from "./attention.ts";
import { floatTensor } from "./_tensors.ts";

/** Options for {@linkcode groupedQueryAttention}. */
export interface GroupedQueryAttentionOptions {
  /** An additive mask `[Tq, Tk]` (0 or −Infinity), as for scaledDotProductAttention. Default none. */
  mask?: TensorOrArray;
}

/**
 * Attention where `h` query heads share `g` key/value heads: query head `i`
 * reads key/value head `⌊i / (h/g)⌋` (PyTorch's `repeat_interleave` of the
 * keys and values, as in Llama).
 *
 * @param q Queries, `[B, h, Tq, dK]`.
 * @param k Keys, `[B, g, Tk, dK]`; `g` must divide `h`.
 * @param v Values, `[B, g, Tk, dV]`.
 * @param options An optional mask.
 * @returns `output` `[B, h, Tq, dV]` and `weights` `[B, h, Tq, Tk]`.
 * @throws {RangeError} When the ranks are not 4 or `g` does not divide `h`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { groupedQueryAttention } from "./gqa.ts";
 * const q = tf.ones([1, 4, 3, 2]), kv = tf.ones([1, 2, 3, 2]);
 * const { output, weights } = groupedQueryAttention(q, kv, kv);
 * if (output.shape.join() !== "1,4,3,2") throw new Error();
 * tf.dispose([q, kv, output, weights]);
 * ```
 */
export function groupedQueryAttention(
  q: TensorOrArray,
  k: TensorOrArray,
  v: TensorOrArray,
  options: GroupedQueryAttentionOptions = {},
): AttentionResult {
  return tf.tidy(() => {
    const [queries, keys, values] = [[q, "q"], [k, "k"], [v, "v"]].map((
      [t, name],
    ) => floatTensor(t, name as string));
    for (
      const [t, name] of [[queries, "q"], [keys, "k"], [values, "v"]] as const
    ) {
      if (t.rank !== 4) {
        throw new RangeError(
          `${name} must be [B, heads, T, d], got shape [${t.shape}]`,
        );
      }
    }
    const h = queries.shape[1] as number;
    const g = keys.shape[1] as number;
    if (values.shape[1] !== g || h % g !== 0) {
      throw new RangeError(
        `the key/value heads (k ${g}, v ${
          values.shape[1]
        }) must be equal and divide the ${h} query heads`,
      );
    }
    const repeat = (t: tf.Tensor) => {
      if (g === h) return t;
      const [b, , tk, d] = t.shape as number[] as [
        number,
        number,
        number,
        number,
      ];
      return t.reshape([b * g, 1, tk * d]) // rank 3: tfjs differentiates tile up to rank 4
        .tile([1, h / g, 1]) // [B·g, h/g, Tk·d]: each group's head copied for its queries
        .reshape([b, h, tk, d]); // [B, h, Tk, d]
    };
    const { output, weights } = scaledDotProductAttention(
      queries,
      repeat(keys),
      repeat(values),
      { mask: options.mask },
    ); // [B, h, Tq, dV], [B, h, Tq, Tk]
    return { output, weights };
  });
}

/**
 * Turns multi-head key (or value) projection rows into grouped ones by
 * averaging the heads of each group, as Ainslie et al. convert a checkpoint
 * ("mean pooling"): rows `[h·dK, dModel]` (head after head) become
 * `[g·dK, dModel]`. Works for biases `[h·dK]` too.
 *
 * @param rows The projection, `[h·dK, ...]` as a tensor.
 * @param numHeads `h`.
 * @param numKvHeads `g`, which must divide `h`.
 * @returns The pooled projection, `[g·dK, ...]`; the caller owns it.
 * @throws {RangeError} When `g` does not divide `h` or the rows do not split into `h` heads.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { meanPoolHeads } from "./gqa.ts";
 * const w = tf.tensor2d([[1], [3], [5], [7]]); // 4 heads of width 1
 * const pooled = meanPoolHeads(w, 4, 2);
 * if (pooled.dataSync().join() !== "2,6") throw new Error();
 * tf.dispose([w, pooled]);
 * ```
 */
export function meanPoolHeads(
  rows: tf.Tensor,
  numHeads: number,
  numKvHeads: number,
): tf.Tensor {
  checkHeads(numHeads, numKvHeads);
  if (!(rows instanceof tf.Tensor) || rows.shape[0] % numHeads !== 0) {
    throw new RangeError(
      `rows must be a tensor [h·dK, ...] with h = ${numHeads}, got ${
        describe(rows instanceof tf.Tensor ? rows.shape : rows)
      }`,
    );
  }
  return tf.tidy(() => {
    const dK = rows.shape[0] / numHeads;
    const rest = rows.shape.slice(1);
    const perGroup = numHeads / numKvHeads;
    return rows.reshape([numKvHeads, perGroup, dK, ...rest]) // heads of a group next to each other
      .mean(1) // [g, dK, ...]
      .reshape([numKvHeads * dK, ...rest]); // [g·dK, ...]
  });
}

/** The sizes that set a KV cache's size. */
export interface KvCacheShape {
  /** Transformer blocks, each with its own cache. */
  numLayers: number;
  /** Key/value heads per block (`h` for MHA, `g` for GQA, 1 for MQA). */
  numKvHeads: number;
  /** One head's width. */
  dK: number;
  /** Bytes per number. Default 4 (float32). */
  bytesPerNumber?: number;
}

/**
 * Bytes a KV cache holds per token: a key and a value (2) per layer, per
 * key/value head, of `dK` numbers each: `2 × layers × kvHeads × dK × bytes`.
 *
 * @param shape The sizes.
 * @returns Bytes per token of context.
 * @throws {RangeError} For sizes that are not whole numbers ≥ 1.
 *
 * @example
 * ```ts
 * import { kvCacheBytesPerToken } from "./gqa.ts";
 * // GPT-2 small: 12 layers, 12 heads of 64, float32
 * if (kvCacheBytesPerToken({ numLayers: 12, numKvHeads: 12, dK: 64 }) !== 73728) throw new Error();
 * ```
 */
export function kvCacheBytesPerToken(shape: KvCacheShape): number {
  const { numLayers, numKvHeads, dK, bytesPerNumber = 4 } = shape ?? {};
  for (
    const [name, value] of Object.entries({
      numLayers,
      numKvHeads,
      dK,
      bytesPerNumber,
    })
  ) {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new RangeError(
        `${name} must be a whole number ≥ 1, got ${describe(value)}`,
      );
    }
  }
  return 2 * numLayers * numKvHeads * dK * bytesPerNumber;
}

function checkHeads(numHeads: number, numKvHeads: number): void {
  if (
    !Number.isInteger(numHeads) || !Number.isInteger(numKvHeads) ||
    numHeads < 1 || numKvHeads < 1 || numHeads % numKvHeads !== 0
  ) {
    throw new RangeError(
      `numKvHeads must be a whole number ≥ 1 dividing numHeads; got numHeads ${
        describe(numHeads)
      }, numKvHeads ${describe(numKvHeads)}`,
    );
  }
}
