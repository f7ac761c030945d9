/**
 * Exercises of notebook 06 (your own sentence): the tokenizer's rules, the
 * loss of uniform weights, the floor and ceiling for other target words.
 * @module
 */

import { type Exercise, near } from "./_kit.ts";

/** Notebook 06's exercises, in the order the notebook asks them. */
export const EXERCISES: Exercise[] = [
  {
    id: "06.tokens",
    prompt:
      `How many tokens does the tokenizer make of "It's a well-known fact, isn't it?"? Answer with a number.`,
    hint:
      "Apostrophes and hyphens inside a word keep it in one piece; all other punctuation disappears.",
    isCorrect: near(6, 0),
    solution: ["it's", "a", "well-known", "fact", "isn't", "it"].length,
  },
  {
    id: "06.uniform-loss",
    prompt:
      "The default sentence has 14 tokens and 3 target words. What would the loss L be if the untrained weights were exactly uniform, 1/14 each? Compare with the report's loss at epoch 0. Answer with a number.",
    hint:
      "Size term: the average, over the target words, of one minus their weight; other term: the average weight of the other words.",
    isCorrect: near(1, 1e-6),
    solution: (1 - 1 / 14) + 1 / 14,
  },
  {
    id: "06.push-targets",
    prompt:
      'The suggestion at the end trains focusWord "push" with sizeWords ["mouse", "box"] on the default sentence (14 tokens). What are the floor and the ceiling of the loss? Answer [floor, ceiling].',
    hint:
      "Floor 1 − 1/|S|, ceiling 1 + 1/|O|; every position that is not a target word counts in O.",
    isCorrect: near([0.5, 1 + 1 / 12], 1e-4),
    solution: [1 - 1 / 2, 1 + 1 / 12],
  },
];
