/**
 * Chapter 10, induction heads: the data, the attention-only model with its
 * interventions, the head scores, training with the library's trainer, and
 * the live view of the phase change. The notebook imports this file on its
 * own; `lib/mod.ts` does not re-export it.
 * @module
 */

export * from "./data.ts";
export * from "./loss.ts";
export * from "./model.ts";
export * from "./scores.ts";
export * from "./training.ts";
export * from "./live.ts";
