/**
 * Chapter 11, "A small GPT of our own", in one import for its notebook: the
 * corpus, the checkpoint, training, generation and head reading, plus where
 * the committed checkpoint lives. Not re-exported by lib/mod.ts (it loads a
 * 10-million-character corpus package).
 * @module
 */

export * from "./corpus.ts";
export * from "./checkpoint.ts";
export * from "./train.ts";
export * from "./generate.ts";
export * from "./heads.ts";

/** The committed checkpoint (trained by `deno task train-gpt`). */
export const CHECKPOINT_URL: URL = new URL(
  "./weights/sotu_gpt.safetensors",
  import.meta.url,
);

/** Its training log (loss at every evaluation, steps, wall time, load). */
export const TRAINING_LOG_URL: URL = new URL(
  "./weights/training_log.json",
  import.meta.url,
);
