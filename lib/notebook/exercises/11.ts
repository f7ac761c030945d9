/**
 * Chapter 11's exercises (notebooks/11_a_small_gpt.ipynb): the GPT's size,
 * the loss of knowing nothing, the corpus's unseen characters and the work a
 * KV cache saves. None depends on how long the checkpoint was trained;
 * tests/small_gpt_exercises_test.ts recomputes every solution.
 * @module
 */

import { type Exercise, near } from "./_kit.ts";

/** Chapter 11's exercises. */
export const EXERCISES: Exercise[] = [
  {
    id: "11.parameters",
    prompt:
      "How many parameters does a GPT with nanoGPT's CPU sizes (4 layers, 4 heads, dModel 128, block 64) and our 91 characters have, with the output head tied to the token embeddings?",
    hint:
      "Add the two embedding tables ([91, 128] and [64, 128]), four blocks (two LayerNorms of 2·128, c_attn [384, 128] + 384, c_proj [128, 128] + 128, c_fc [512, 128] + 512, the MLP's c_proj [128, 512] + 128) and ln_f.",
    isCorrect: near(813_184, 0),
    solution: 813_184,
  },
  {
    id: "11.uniform-loss",
    prompt:
      "A model that knows nothing gives each of the 91 ids the same probability. What is its cross-entropy loss in nats per character (3 decimals)? Compare it with the loss at step 0 in the training log.",
    hint:
      "The loss is −log of the probability given to the right character, whichever it is.",
    isCorrect: near(Math.log(91), 0.001),
    solution: Math.log(91),
  },
  {
    id: "11.unseen",
    prompt:
      "How many characters of the 2000–2021 addresses are not in the vocabulary built from 1790–1999, and so become the fallback id?",
    hint:
      "Encode the validation text with the vocabulary and count the ids equal to vocabulary.fallbackId. Curly quotes are one clue.",
    isCorrect: near(388, 0),
    solution: 388,
  },
  {
    id: "11.cache-rows",
    prompt:
      "Without a cache, predicting the character after a context of t characters computes t keys in every layer; with a cache, one. Growing a context from 1 to 64 characters, how many keys does one layer compute without a cache?",
    hint: "Sum t over t = 1 … 64; with the cache it would be 64.",
    isCorrect: near(2080, 0),
    solution: 2080,
  },
];
