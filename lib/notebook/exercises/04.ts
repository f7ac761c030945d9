/**
 * Exercises of notebook 04 (softmax and context): a softmax by hand, a
 * temperature, a context vector.
 * @module
 */

import { type Exercise, near } from "./_kit.ts";

/** Notebook 04's exercises, in the order the notebook asks them. */
export const EXERCISES: Exercise[] = [
  {
    id: "04.softmax",
    prompt:
      "Compute softmax([1, 2, 3]) by hand, to three decimals. Answer [w1, w2, w3].",
    hint:
      "Exponentiate each score (e ≈ 2.718) and divide by the sum of the three exponentials; the weights must add up to 1.",
    isCorrect: near([0.0900, 0.2447, 0.6652], 2e-3),
    solution: [1, 2, 3].map((z) =>
      Math.exp(z) / (Math.exp(1) + Math.exp(2) + Math.exp(3))
    ),
  },
  {
    id: "04.temperature",
    prompt:
      "Divide the scores [1, 2, 3] by a temperature T = 0.5 before the softmax. Predict first: more peaked or flatter? Then give the weights to three decimals. Answer [w1, w2, w3].",
    hint:
      "Dividing by 0.5 doubles every score, and with it every gap between scores; then take the softmax as before.",
    isCorrect: near([0.0159, 0.1173, 0.8668], 2e-3),
    solution: [1, 2, 3].map((z) =>
      Math.exp(z / 0.5) /
      (Math.exp(1 / 0.5) + Math.exp(2 / 0.5) + Math.exp(3 / 0.5))
    ),
  },
  {
    id: "04.context",
    prompt:
      "Weights w = [0.5, 0.25, 0.25] and values v0 = [2, 0], v1 = [0, 4], v2 = [4, 4]: what is the context vector c = w · V? Answer [c0, c1].",
    hint:
      "c is the weighted average of the value rows: entry d is the sum over i of w_i times entry d of v_i.",
    isCorrect: near([2, 2], 1e-9),
    solution: [0.5 * 2 + 0.25 * 0 + 0.25 * 4, 0.5 * 0 + 0.25 * 4 + 0.25 * 4],
  },
];
