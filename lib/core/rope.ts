/**
 * Rotary position embeddings (RoPE, Su et al. 2021): instead of adding a
 * position vector to the input, each query and key is rotated by an angle
 * proportional to its position, pair of coordinates by pair. Then
 * `rope(q, m) · rope(k, n)` depends on `m − n` only: attention sees relative
 * positions. Pairs are `(i, i + dK/2)` ("rotate half", as GPT-NeoX and
 * Llama's Hugging Face code; the paper's adjacent pairs are the same up to
 * an order of the coordinates).
 *
 * Shape names: `T` sequence length, `dK` one head's width (even).
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { describe } from "./_describe.ts";

// No "use the Node.js backend" banner for readers.
tf.enableProdMode();

/** RoPE's base θ: pair `i` turns by `position · base^(−2i/dK)`. 10000 as in the paper. */
export const ROPE_BASE = 10000;

/** Options for {@linkcode ropeRotate} and {@linkcode applyRope}. */
export interface RopeOptions {
  /** θ of the frequencies. Default {@linkcode ROPE_BASE}. */
  base?: number;
}

/**
 * Rotates one vector to a position, as a float64 loop: pair `i` of
 * coordinates `(x_i, x_{i+dK/2})` turns by the angle `position · θ_i` with
 * `θ_i = base^(−2i/dK)`.
 *
 * @param x The vector, `[dK]` with `dK` even.
 * @param position Its position, any number (whole numbers in a model).
 * @param options The base.
 * @returns The rotated vector, float64 `[dK]`.
 * @throws {RangeError} For an odd or empty width.
 *
 * @example
 * ```ts
 * import { ropeRotate } from "./rope.ts";
 * const r = ropeRotate([1, 0], Math.PI / 2, { base: 1 }); // dK 2: one pair turning by the position
 * if (Math.abs(r[0]) > 1e-15 || Math.abs(r[1] - 1) > 1e-15) throw new Error();
 * ```
 */
export function ropeRotate(
  x: ArrayLike<number>,
  position: number,
  options: RopeOptions = {},
): Float64Array {
  const dK = checkWidth(x?.length);
  const base = checkBase(options.base);
  const half = dK / 2;
  const out = new Float64Array(dK);
  for (let i = 0; i < half; i++) {
    const angle = position * Math.pow(base, (-2 * i) / dK);
    const [c, s] = [Math.cos(angle), Math.sin(angle)];
    out[i] = x[i] * c - x[i + half] * s;
    out[i + half] = x[i] * s + x[i + half] * c;
  }
  return out;
}

/**
 * Rotates every row of a sequence of queries or keys to its position, in
 * tfjs ops (differentiable): row `t` turns to position `offset + t`.
 *
 * @param x Queries or keys, `[..., T, dK]` with `dK` even.
 * @param offset The first row's position (a KV cache's length). Default 0.
 * @param options The base.
 * @returns The rotated tensor, same shape; the caller owns it.
 * @throws {RangeError} For an odd width or a bad offset.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { applyRope, ropeRotate } from "./rope.ts";
 * const x = tf.tensor2d([[1, 2, 3, 4], [1, 2, 3, 4]]); // [T, dK]
 * const rows = applyRope(x).arraySync() as number[][];
 * const want = ropeRotate([1, 2, 3, 4], 1);
 * if (rows[1].some((y, i) => Math.abs(y - want[i]) > 1e-5)) throw new Error();
 * x.dispose();
 * ```
 */
export function applyRope(
  x: tf.Tensor,
  offset = 0,
  options: RopeOptions = {},
): tf.Tensor {
  if (!(x instanceof tf.Tensor) || x.rank < 2) {
    throw new RangeError(
      `x must be a tensor [..., T, dK], got ${
        describe(x instanceof tf.Tensor ? x.shape : x)
      }`,
    );
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw new RangeError(
      `offset must be a whole number ≥ 0, got ${describe(offset)}`,
    );
  }
  const dK = checkWidth(x.shape[x.rank - 1]);
  const seqLen = x.shape[x.rank - 2];
  const base = checkBase(options.base);
  const half = dK / 2;
  const cos = new Float32Array(seqLen * half);
  const sin = new Float32Array(seqLen * half);
  for (let t = 0; t < seqLen; t++) {
    for (let i = 0; i < half; i++) {
      const angle = (offset + t) * Math.pow(base, (-2 * i) / dK);
      cos[t * half + i] = Math.cos(angle);
      sin[t * half + i] = Math.sin(angle);
    }
  }
  return tf.tidy(() => {
    const c = tf.tensor2d(cos, [seqLen, half]); // [T, dK/2]
    const s = tf.tensor2d(sin, [seqLen, half]); // [T, dK/2]
    const [x1, x2] = tf.split(x, 2, x.rank - 1); // [..., T, dK/2] each
    return tf.concat([
      tf.sub(tf.mul(x1, c), tf.mul(x2, s)),
      tf.add(tf.mul(x1, s), tf.mul(x2, c)),
    ], x.rank - 1); // [..., T, dK]
  });
}

function checkWidth(dK: unknown): number {
  if (!Number.isInteger(dK) || (dK as number) < 2 || (dK as number) % 2) {
    throw new RangeError(
      `RoPE turns pairs of coordinates: the width dK must be even and ≥ 2, got ${
        describe(dK)
      }`,
    );
  }
  return dK as number;
}

function checkBase(base: unknown): number {
  if (base === undefined) return ROPE_BASE;
  if (typeof base !== "number" || !Number.isFinite(base) || base <= 0) {
    throw new RangeError(`base must be a number > 0, got ${describe(base)}`);
  }
  return base;
}
