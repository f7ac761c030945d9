/**
 * The one table of size limits: every size the library allocates from is
 * checked against these before anything is allocated, and a message names
 * the limit that was hit. Chapters add none of their own.
 * @module
 */

/**
 * The most cells an attention matrix may have (all batch dims × `Tq` × `Tk`),
 * checked before it is built: 2²⁴ float32 numbers are 64 MB, a seqLen of 4096
 * for one sentence; softmax and its gradient need a few such matrices.
 */
export const MAX_ATTENTION_CELLS = 2 ** 24;

/**
 * The most numbers one model may hold, all parameters together: 2²⁶ float32
 * numbers are 256 MB, and training keeps about four copies (values,
 * gradients, Adam's two moments).
 */
export const MAX_PARAMETERS = 2 ** 26;

/** The largest seed: seeds are 32-bit, so larger ones would repeat smaller ones. */
export const MAX_SEED = 2 ** 32 - 1;

/** The most training steps one call to `train` takes. */
export const MAX_STEPS = 1_000_000;

/**
 * Checks that an attention matrix of `cells` numbers may be built.
 *
 * @param cells How many numbers the matrix would hold.
 * @param what The matrix and its shape, for the message.
 * @throws {RangeError} Naming the limit when `cells` exceeds {@linkcode MAX_ATTENTION_CELLS}.
 *
 * @example
 * ```ts
 * import { checkAttentionCells } from "./limits.ts";
 * checkAttentionCells(13 * 13, "the attention matrix [13, 13]"); // fine
 * ```
 */
export function checkAttentionCells(cells: number, what: string): void {
  if (cells > MAX_ATTENTION_CELLS) {
    throw new RangeError(
      `${what} would hold ${cells} numbers, more than the limit of ${MAX_ATTENTION_CELLS} attention-matrix cells (seqLen × seqLen ≤ 4096²); use a shorter text`,
    );
  }
}

/**
 * The most numbers one tensor or array the library builds from a size may
 * hold (a position table, a block's weights, a mask): as many as a whole
 * model ({@linkcode MAX_PARAMETERS}).
 */
export const MAX_TENSOR_NUMBERS = MAX_PARAMETERS;

/**
 * Checks, before allocating, that sizes multiply to at most
 * {@linkcode MAX_TENSOR_NUMBERS} numbers.
 *
 * @param sizes The sizes by name, e.g. `{ seqLen, dModel }` (already whole numbers).
 * @throws {RangeError} Naming the sizes and the limit.
 *
 * @example
 * ```ts
 * import { checkTensorSize } from "./limits.ts";
 * checkTensorSize({ seqLen: 128, dModel: 64 }); // fine
 * ```
 */
export function checkTensorSize(sizes: Record<string, number>): void {
  const count = Object.values(sizes).reduce((a, b) => a * b, 1);
  if (!(count <= MAX_TENSOR_NUMBERS)) {
    const names = Object.entries(sizes).map(([k, v]) => `${k} ${v}`);
    throw new RangeError(
      `${
        names.join(" × ")
      } would need ${count} numbers, more than the limit of ${MAX_TENSOR_NUMBERS}; use smaller sizes`,
    );
  }
}
