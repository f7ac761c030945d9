/**
 * Exercises of notebook 02 (query, key, value): the warm-up's scores, one
 * projection by hand, the projections' parameter count.
 * @module
 */

import { type Exercise, near } from "./_kit.ts";

/** Notebook 02's exercises, in the order the notebook asks them. */
export const EXERCISES: Exercise[] = [
  {
    id: "02.warm-up",
    prompt:
      "Warm-up attention without parameters on three 2-D embeddings x0 = [1, 0], x1 = [0, 1], x2 = [1, 1]: what are the scores x2 · xj of word 2 against words 0, 1 and 2? Answer [s0, s1, s2].",
    hint:
      "A dot product multiplies matching entries and adds them up; word 2 is compared with itself too.",
    isCorrect: near([1, 1, 2], 1e-9),
    solution: [[1, 0], [0, 1], [1, 1]].map((x) => x[0] * 1 + x[1] * 1),
  },
  {
    id: "02.projection",
    prompt:
      "Project x = [1, 2] with W = [[1, 0], [1, 1]] (rows listed) and b = [0, 1]: what is x · W + b? Answer [first, second].",
    hint:
      "Entry j is the dot product of x with column j of W, plus b[j]; column 0 of W is [1, 1].",
    isCorrect: near([3, 3], 1e-9),
    solution: [1 * 1 + 2 * 1 + 0, 1 * 0 + 2 * 1 + 1],
  },
  {
    id: "02.parameters",
    prompt:
      "How many learnable numbers do the three projections (Wq, bq, Wk, bk, Wv, bv) hold together when dModel is 4? Answer with a number.",
    hint: "Each projection has a [dModel, dModel] matrix and a [dModel] bias.",
    isCorrect: near(60, 0),
    solution: 3 * (4 * 4 + 4),
  },
];
