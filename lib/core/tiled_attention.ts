/**
 * Attention without the `T × T` matrix, as plain loops: the online softmax
 * (Milakov & Gimelshein 2018: one pass keeps a running maximum and sum) and
 * FlashAttention-style tiled attention (Dao et al. 2022: queries and keys in
 * blocks, the output rescaled whenever the running maximum grows), beside
 * the plain loop that builds the whole matrix. Each reports the largest
 * buffer it allocated, so the memory claim is a count, not a promise.
 *
 * These are loops in JavaScript, for proof and for counting: FlashAttention
 * is fast on a GPU because its tiles live in on-chip memory; here it saves
 * memory, not time.
 *
 * Shape names: `Tq` queries, `Tk` keys, `dK` query/key width, `dV` value
 * width; `Bq`, `Bk` the block sizes.
 * @module
 */

import { describe } from "./_describe.ts";
import { checkAttentionCells } from "./limits.ts";

/** The number type of every buffer: `"float64"` (exact reference) or `"float32"` (tfjs's). */
export type Precision = "float64" | "float32";

/** A row-major matrix of plain numbers, `[rows, cols]`. */
export interface Matrix {
  /** The numbers, row after row: `rows · cols` of them. */
  data: Float64Array | Float32Array;
  /** Number of rows. */
  rows: number;
  /** Number of columns. */
  cols: number;
}

/** One buffer an attention loop allocated. */
export interface BufferRecord {
  /** What it holds, e.g. `"scores [Tq, Tk]"`. */
  name: string;
  /** How many numbers. */
  elements: number;
}

/** What {@linkcode plainAttention} and {@linkcode tiledAttention} return. */
export interface LoopAttentionResult {
  /** `softmax(Q·Kᵀ/√dK + mask) · V`, `[Tq, dV]`. */
  output: Matrix;
  /** Every buffer allocated, the output included (the inputs are not counted). */
  buffers: BufferRecord[];
  /** The most numbers any one buffer held. */
  largestBuffer: number;
}

/** Options for {@linkcode plainAttention} and {@linkcode tiledAttention}. */
export interface LoopAttentionOptions {
  /** Hide later keys: query `i` sees keys `0 … i + (Tk − Tq)` (aligned at the end, as with a cache). Default false. */
  causal?: boolean;
  /** Number type of every buffer. Default `"float64"`. */
  precision?: Precision;
}

/** Options for {@linkcode tiledAttention}. */
export interface TiledAttentionOptions extends LoopAttentionOptions {
  /** Queries per block `Bq`. Default 32 (a GPU's tile is 64–128 rows). */
  queryBlock?: number;
  /** Keys per block `Bk`. Default 32. */
  keyBlock?: number;
}

/**
 * A {@linkcode Matrix} from nested arrays.
 *
 * @param rows The rows, all of one length.
 * @param precision The number type. Default `"float64"`.
 * @returns The matrix.
 * @throws {RangeError} For ragged or empty rows, or numbers that are not finite.
 *
 * @example
 * ```ts
 * import { matrix } from "./tiled_attention.ts";
 * const m = matrix([[1, 2], [3, 4]]);
 * if (m.rows !== 2 || m.data[3] !== 4) throw new Error();
 * ```
 */
export function matrix(
  rows: readonly (readonly number[])[],
  precision: Precision = "float64",
): Matrix {
  if (!Array.isArray(rows) || rows.length === 0 || !Array.isArray(rows[0])) {
    throw new RangeError(
      `a matrix needs a non-empty array of rows, got ${describe(rows)}`,
    );
  }
  const cols = rows[0].length;
  const data = allocate(rows.length * cols, precision);
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== cols || cols === 0) {
      throw new RangeError(
        `every row must hold the same number (≥ 1) of numbers; row ${i} differs`,
      );
    }
    row.forEach((value, j) => {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new RangeError(
          `row ${i}, column ${j} is not a finite number: ${describe(value)}`,
        );
      }
      data[i * cols + j] = value;
    });
  });
  return { data, rows: rows.length, cols };
}

/**
 * The softmax of one row in two passes over it, as every chapter so far:
 * pass 1 finds the maximum, pass 2 sums `exp(x − max)`; then each output is
 * `exp(x − max) / sum`. Subtracting the maximum keeps `exp` from overflowing.
 *
 * @param scores The row, at least one finite number (or −∞ for a hidden key).
 * @returns The weights, float64, summing to 1.
 * @throws {RangeError} For an empty row or one with no finite number.
 *
 * @example
 * ```ts
 * import { twoPassSoftmax } from "./tiled_attention.ts";
 * const p = twoPassSoftmax([0, Math.log(3)]);
 * if (Math.abs(p[1] - 0.75) > 1e-15) throw new Error();
 * ```
 */
export function twoPassSoftmax(scores: ArrayLike<number>): Float64Array {
  checkRow(scores);
  let max = -Infinity;
  for (let j = 0; j < scores.length; j++) max = Math.max(max, scores[j]); // pass 1
  let sum = 0;
  for (let j = 0; j < scores.length; j++) sum += Math.exp(scores[j] - max); // pass 2
  const out = new Float64Array(scores.length);
  for (let j = 0; j < scores.length; j++) {
    out[j] = Math.exp(scores[j] - max) / sum;
  }
  return out;
}

/** The running statistics of an online softmax. */
export interface SoftmaxStats {
  /** The largest score seen. */
  max: number;
  /** `Σ exp(score − max)` over the scores seen. */
  sum: number;
}

/**
 * The maximum and the normaliser of a row in one pass (Milakov &
 * Gimelshein 2018): when a score beats the running maximum `m`, the sum so
 * far is rescaled by `exp(m_old − m_new)` before the new term is added.
 *
 * @param scores The row.
 * @returns `{ max, sum }` with `sum = Σ exp(x − max)`.
 * @throws {RangeError} For an empty row or one with no finite number.
 *
 * @example
 * ```ts
 * import { onlineSoftmaxStats } from "./tiled_attention.ts";
 * const { max, sum } = onlineSoftmaxStats([1, 3, 2]);
 * if (max !== 3 || Math.abs(sum - (Math.exp(-2) + 1 + Math.exp(-1))) > 1e-15) throw new Error();
 * ```
 */
export function onlineSoftmaxStats(scores: ArrayLike<number>): SoftmaxStats {
  checkRow(scores);
  let max = -Infinity;
  let sum = 0;
  for (let j = 0; j < scores.length; j++) {
    const x = scores[j];
    if (x === -Infinity) continue; // a hidden key adds exp(−∞) = 0
    if (x > max) {
      sum = sum * Math.exp(max - x) + 1; // rescale the old sum, add exp(0)
      max = x;
    } else sum += Math.exp(x - max);
  }
  return { max, sum };
}

/**
 * The softmax of one row from {@linkcode onlineSoftmaxStats}: one pass for
 * the statistics, then one to write the weights (two reads of the row
 * instead of three).
 *
 * @param scores The row.
 * @returns The weights, float64, summing to 1.
 * @throws {RangeError} For an empty row or one with no finite number.
 *
 * @example
 * ```ts
 * import { onlineSoftmax, twoPassSoftmax } from "./tiled_attention.ts";
 * const row = [0.5, -1, 2, 2];
 * const a = onlineSoftmax(row), b = twoPassSoftmax(row);
 * if (a.some((p, j) => Math.abs(p - b[j]) > 1e-15)) throw new Error();
 * ```
 */
export function onlineSoftmax(scores: ArrayLike<number>): Float64Array {
  const { max, sum } = onlineSoftmaxStats(scores);
  const out = new Float64Array(scores.length);
  for (let j = 0; j < scores.length; j++) {
    out[j] = Math.exp(scores[j] - max) / sum;
  }
  return out;
}

/**
 * Attention as the chapters compute it, in loops: the whole score matrix
 * `S = Q·Kᵀ/√dK` (`[Tq, Tk]`), the softmax of each row, then `S · V`. The
 * reference the tiled version is checked against.
 *
 * @param q Queries `[Tq, dK]`.
 * @param k Keys `[Tk, dK]`.
 * @param v Values `[Tk, dV]`.
 * @param options Causal mask and precision.
 * @returns The output `[Tq, dV]` and the buffers: the largest is `S`, `Tq·Tk` numbers.
 * @throws {RangeError} For shapes that do not fit, or a row with every key hidden.
 *
 * @example
 * ```ts
 * import { matrix, plainAttention } from "./tiled_attention.ts";
 * const x = matrix([[1, 0], [0, 1], [1, 1]]);
 * const { output, largestBuffer } = plainAttention(x, x, x);
 * if (output.rows !== 3 || largestBuffer !== 9) throw new Error();
 * ```
 */
export function plainAttention(
  q: Matrix,
  k: Matrix,
  v: Matrix,
  options: LoopAttentionOptions = {},
): LoopAttentionResult {
  const { causal, precision } = checkInputs(q, k, v, options);
  const [tq, tk, dK, dV] = [q.rows, k.rows, q.cols, v.cols];
  checkAttentionCells(tq * tk, `the score matrix [${tq}, ${tk}]`);
  const buffers: BufferRecord[] = [];
  const scores = track(buffers, "scores [Tq, Tk]", tq * tk, precision);
  const output = track(buffers, "output [Tq, dV]", tq * dV, precision);
  const scale = 1 / Math.sqrt(dK);
  for (let i = 0; i < tq; i++) {
    const last = causal ? i + tk - tq : tk - 1; // the last key query i sees
    for (let j = 0; j < tk; j++) {
      scores[i * tk + j] = j <= last
        ? dot(q.data, i * dK, k.data, j * dK, dK) * scale
        : -Infinity;
    }
    const row = scores.subarray(i * tk, (i + 1) * tk);
    const weights = twoPassSoftmax(row);
    row.set(weights); // S now holds the weights, row by row
    for (let j = 0; j <= Math.min(last, tk - 1); j++) {
      const p = row[j];
      for (let c = 0; c < dV; c++) output[i * dV + c] += p * v.data[j * dV + c];
    }
  }
  return result(output, tq, dV, buffers);
}

/**
 * Tiled attention, FlashAttention's forward pass in loops. For each block of
 * `Bq` queries it walks the keys `Bk` at a time, keeping per query a running
 * maximum `m`, a running sum `l` and an unnormalised output row `acc`:
 *
 *     S = Q_blk · K_blkᵀ / √dK                      [Bq, Bk]
 *     m' = max(m, rowmax S);  c = exp(m − m')
 *     l = c·l + rowsum exp(S − m');  acc = c·acc + exp(S − m') · V_blk
 *
 * and finally writes `acc / l`. Equal to {@linkcode plainAttention} up to
 * rounding; no buffer holds `Tq × Tk` numbers. Under the causal mask, key
 * blocks wholly in a query block's future are skipped.
 *
 * @param q Queries `[Tq, dK]`.
 * @param k Keys `[Tk, dK]`.
 * @param v Values `[Tk, dV]`.
 * @param options Block sizes, causal mask, precision.
 * @returns The output `[Tq, dV]` and the buffers: the output `Tq·dV`, the
 *   tile `Bq·Bk`, `acc` `Bq·dV`, `m` and `l` `Bq` each.
 * @throws {RangeError} For shapes that do not fit, bad block sizes, or a row with every key hidden.
 *
 * @example
 * ```ts
 * import { matrix, plainAttention, tiledAttention } from "./tiled_attention.ts";
 * const x = matrix([[1, 0], [0, 1], [1, 1], [2, 0], [0, 2]]);
 * const a = plainAttention(x, x, x, { causal: true });
 * const b = tiledAttention(x, x, x, { causal: true, queryBlock: 2, keyBlock: 2 });
 * if (a.output.data.some((y, i) => Math.abs(y - b.output.data[i]) > 1e-12)) throw new Error();
 * ```
 */
export function tiledAttention(
  q: Matrix,
  k: Matrix,
  v: Matrix,
  options: TiledAttentionOptions = {},
): LoopAttentionResult {
  const { causal, precision } = checkInputs(q, k, v, options);
  const bq = checkBlock(options.queryBlock ?? 32, "queryBlock");
  const bk = checkBlock(options.keyBlock ?? 32, "keyBlock");
  const [tq, tk, dK, dV] = [q.rows, k.rows, q.cols, v.cols];
  const buffers: BufferRecord[] = [];
  const output = track(buffers, "output [Tq, dV]", tq * dV, precision);
  const tile = track(buffers, "scores tile [Bq, Bk]", bq * bk, precision);
  const acc = track(buffers, "acc [Bq, dV]", bq * dV, precision);
  const m = track(buffers, "running max m [Bq]", bq, precision);
  const l = track(buffers, "running sum l [Bq]", bq, precision);
  const scale = 1 / Math.sqrt(dK);
  for (let i0 = 0; i0 < tq; i0 += bq) {
    const rows = Math.min(bq, tq - i0);
    m.fill(-Infinity);
    l.fill(0);
    acc.fill(0);
    // the last key any query of this block sees
    const blockLast = causal ? i0 + rows - 1 + tk - tq : tk - 1;
    for (let j0 = 0; j0 <= Math.min(blockLast, tk - 1); j0 += bk) {
      const cols = Math.min(bk, tk - j0);
      for (let r = 0; r < rows; r++) {
        const i = i0 + r;
        const last = causal ? i + tk - tq : tk - 1;
        let tileMax = -Infinity;
        for (let c = 0; c < cols; c++) {
          const j = j0 + c;
          const s = j <= last
            ? dot(q.data, i * dK, k.data, j * dK, dK) * scale
            : -Infinity;
          tile[r * bk + c] = s;
          if (s > tileMax) tileMax = s;
        }
        if (tileMax === -Infinity) continue; // every key of this tile is hidden from row r
        const mNew = Math.max(m[r], tileMax);
        const correction = Math.exp(m[r] - mNew); // exp(−∞) = 0 on the first tile
        let rowSum = 0;
        for (let c = 0; c < dV; c++) acc[r * dV + c] *= correction;
        for (let c = 0; c < cols; c++) {
          const p = Math.exp(tile[r * bk + c] - mNew);
          rowSum += p;
          if (p === 0) continue;
          const vRow = (j0 + c) * dV;
          for (let d = 0; d < dV; d++) acc[r * dV + d] += p * v.data[vRow + d];
        }
        l[r] = l[r] * correction + rowSum;
        m[r] = mNew;
      }
    }
    for (let r = 0; r < rows; r++) {
      if (!(l[r] > 0)) {
        throw new RangeError(
          `query ${
            i0 + r
          } sees no key: the causal mask hides all ${tk} (Tq ${tq} > Tk ${tk})`,
        );
      }
      for (let d = 0; d < dV; d++) {
        output[(i0 + r) * dV + d] = acc[r * dV + d] / l[r];
      }
    }
  }
  return result(output, tq, dV, buffers);
}

/**
 * The largest absolute difference between two matrices of one shape.
 *
 * @param a A matrix.
 * @param b A matrix of the same shape.
 * @returns `max |a − b|`.
 * @throws {RangeError} When the shapes differ.
 *
 * @example
 * ```ts
 * import { matrix, maxAbsDifference } from "./tiled_attention.ts";
 * if (maxAbsDifference(matrix([[1, 2]]), matrix([[1, 2.5]])) !== 0.5) throw new Error();
 * ```
 */
export function maxAbsDifference(
  a: Matrix | ArrayLike<number>,
  b: Matrix | ArrayLike<number>,
): number {
  const [x, y] = [a, b].map((m) => "data" in m ? m.data : m) as ArrayLike<
    number
  >[];
  if (x.length !== y.length) {
    throw new RangeError(
      `the two hold ${x.length} and ${y.length} numbers; compare equal shapes`,
    );
  }
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    worst = Math.max(worst, Math.abs(x[i] - y[i]));
  }
  return worst;
}

function dot(
  a: ArrayLike<number>,
  aStart: number,
  b: ArrayLike<number>,
  bStart: number,
  n: number,
): number {
  let s = 0;
  for (let t = 0; t < n; t++) s += a[aStart + t] * b[bStart + t];
  return s;
}

function allocate(
  n: number,
  precision: Precision,
): Float64Array | Float32Array {
  return precision === "float32" ? new Float32Array(n) : new Float64Array(n);
}

function track(
  buffers: BufferRecord[],
  name: string,
  elements: number,
  precision: Precision,
): Float64Array | Float32Array {
  buffers.push({ name, elements });
  return allocate(elements, precision);
}

function result(
  data: Float64Array | Float32Array,
  rows: number,
  cols: number,
  buffers: BufferRecord[],
): LoopAttentionResult {
  return {
    output: { data, rows, cols },
    buffers,
    largestBuffer: Math.max(...buffers.map((b) => b.elements)),
  };
}

function checkRow(scores: ArrayLike<number>): void {
  if (scores === null || typeof scores !== "object" || !(scores.length >= 1)) {
    throw new RangeError(
      `scores must be a non-empty row of numbers, got ${describe(scores)}`,
    );
  }
  let finite = false;
  for (let j = 0; j < scores.length; j++) {
    const x = scores[j];
    if (typeof x !== "number" || Number.isNaN(x) || x === Infinity) {
      throw new RangeError(
        `score ${j} must be a number or −Infinity, got ${describe(x)}`,
      );
    }
    if (x !== -Infinity) finite = true;
  }
  if (!finite) {
    throw new RangeError("every score is −Infinity: softmax would be 0/0");
  }
}

function checkBlock(size: unknown, name: string): number {
  if (
    !Number.isInteger(size) || (size as number) < 1 || (size as number) > 4096
  ) {
    throw new RangeError(
      `${name} must be a whole number from 1 to 4096, got ${describe(size)}`,
    );
  }
  return size as number;
}

function checkInputs(
  q: Matrix,
  k: Matrix,
  v: Matrix,
  options: LoopAttentionOptions,
): { causal: boolean; precision: Precision } {
  for (const [name, m] of [["q", q], ["k", k], ["v", v]] as const) {
    if (
      m === null || typeof m !== "object" || !Number.isInteger(m.rows) ||
      !Number.isInteger(m.cols) || m.rows < 1 || m.cols < 1 ||
      !(m.data instanceof Float64Array || m.data instanceof Float32Array) ||
      m.data.length !== m.rows * m.cols
    ) {
      throw new RangeError(
        `${name} must be a matrix {data, rows, cols} (see matrix()), got ${
          describe(m)
        }`,
      );
    }
  }
  const shapes =
    `q [${q.rows}, ${q.cols}], k [${k.rows}, ${k.cols}], v [${v.rows}, ${v.cols}]`;
  if (q.cols !== k.cols) {
    throw new RangeError(`q and k must have the same width dK; got ${shapes}`);
  }
  if (k.rows !== v.rows) {
    throw new RangeError(`k and v must have the same length Tk; got ${shapes}`);
  }
  const precision = options.precision ?? "float64";
  if (precision !== "float64" && precision !== "float32") {
    throw new RangeError(
      `precision must be "float64" or "float32", got ${describe(precision)}`,
    );
  }
  const causal = options.causal ?? false;
  if (causal && q.rows > k.rows) {
    throw new RangeError(
      `with the causal mask Tq must be ≤ Tk (query 0 would see no key); got ${shapes}`,
    );
  }
  return { causal, precision };
}
