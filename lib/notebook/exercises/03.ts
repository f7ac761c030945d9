/**
 * Exercises of notebook 03 (scaled scores): a scaled score by hand, aligned
 * versus long keys, the spread of random dot products.
 * @module
 */

import { type Exercise, near } from "./_kit.ts";

/** Notebook 03's exercises, in the order the notebook asks them. */
export const EXERCISES: Exercise[] = [
  {
    id: "03.aligned-or-long",
    prompt:
      "The query q = [1, 0] meets k1 = [2, 0], which points exactly its way, and k2 = [3, 3], which is 45° off. Which key gets the higher score? Answer 1 or 2.",
    hint:
      "Compute both dot products: the angle is only part of a score, the key's length is the other.",
    isCorrect: near(2, 0),
    solution: 2,
  },
  {
    id: "03.scaled-score",
    prompt:
      "q = [1, 2, 0, -1] and k = [3, -1, 5, 2]: what is the scaled score q · k / √d_k? Answer with a number.",
    hint:
      "Multiply matching entries and add them up, then divide by the square root of the number of entries.",
    isCorrect: near(-0.5, 1e-6),
    solution: (1 * 3 + 2 * -1 + 0 * 5 + -1 * 2) / Math.sqrt(4),
  },
  {
    id: "03.spread",
    prompt:
      "Predict before the experiment runs: q and k have d_k = 256 independent entries with mean 0 and variance 1. What is the standard deviation of q · k, and of q · k / √d_k? Answer [raw, scaled].",
    hint:
      "The variance of a sum of independent terms is the sum of their variances; each product q_d k_d has variance 1.",
    isCorrect: near([16, 1], 1e-6),
    solution: [Math.sqrt(256), Math.sqrt(256) / Math.sqrt(256)],
  },
];
