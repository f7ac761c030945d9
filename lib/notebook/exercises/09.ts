/**
 * Chapter 9's exercises (notebooks/09_a_pretrained_transformer.ipynb): the
 * pretrained model's attention, and one ablation. The solutions are what
 * `lib/chapters/09_a_pretrained_transformer/pretrained.ts` computes; tests/exercises_09_test.ts recomputes them.
 * @module
 */

import { type Exercise, near } from "./_kit.ts";

/** The sentences the exercises ask about. */
export const EXERCISE_SENTENCES = {
  /** The notebook's sentence. */
  pinkElephant: "The pink elephant tried to get into the car but it was too",
  /** A Winograd pair: "big" makes "it" the trophy, "small" the suitcase. */
  trophyBig: "The trophy did not fit in the suitcase because it was too big",
  trophySmall:
    "The trophy did not fit in the suitcase because it was too small",
} as const;

/** Chapter 9's exercises. */
export const EXERCISES: Exercise[] = [
  {
    id: "09.column-sum",
    prompt:
      "Every row of a head's matrix sums to 1. What does the column of ▁car sum to in layer 1, head 1, for the pink-elephant sentence (2 decimals)?",
    hint:
      "Add the weights every query gives to ▁car: one number per row, 16 rows. Nothing forces a column to sum to 1.",
    isCorrect: near(3.62, 0.01),
    solution: 3.62,
  },
  {
    id: "09.swap",
    prompt:
      'Change "big" to "small" at the end of the trophy sentence, which makes "it" the suitcase instead of the trophy. Over the 8 heads, what is the largest change in the weight "it" gives to suitcase (both pieces together), to 2 decimals?',
    hint:
      "Run model.attention on both sentences, add the weights of ▁suit and case in the row of ▁it for every head, and take the largest absolute difference.",
    isCorrect: near(0.01, 0.005),
    solution: 0.01,
  },
  {
    id: "09.ablation",
    prompt:
      "Ablate each of the 8 heads in turn (its output replaced by zeros) on the trophy sentence. Which head's ablation moves the sentence embedding most (largest 1 − cosine)? Answer as [layer, head].",
    hint:
      'Look at the table of the row of "it" in the trophy sentence: which head gives the nouns most weight? Then ask whether a head that only looks at neighbours could matter as much.',
    isCorrect: near([1, 1], 0),
    solution: [1, 1],
  },
];
