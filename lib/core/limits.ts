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
