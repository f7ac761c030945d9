/**
 * Exercises of notebook 05 (the size loss and training): the loss floor, the
 * key bias's zero gradient, the closed-form gradient, a −log W_S loss.
 * @module
 */

import { type Exercise, near } from "./_kit.ts";

/** Notebook 05's exercises, in the order the notebook asks them. */
export const EXERCISES: Exercise[] = [
  {
    id: "05.floor",
    prompt:
      "A sentence of 10 words with |S| = 2 size words: what is the floor of the size loss L? Answer with a number.",
    hint:
      "The floor is reached when all the weight sits on the size words (W_S = 1); the formula needs only |S|.",
    isCorrect: near(0.5, 1e-6),
    solution: 1 - 1 / 2,
  },
  {
    id: "05.gradient",
    prompt:
      "With |S| = 3, |O| = 10 and W_S = 0.25, what is ∂L/∂z_j for a size word whose weight is w_j = 0.08? Answer with a number (mind the sign).",
    hint:
      "Use the closed form with c = 1/|S| + 1/|O|; the loss pushes a size word's score up, so its gradient is negative.",
    isCorrect: near(-0.026, 1e-4),
    solution: -(1 / 3 + 1 / 10) * 0.08 * (1 - 0.25),
  },
  {
    id: "05.key-bias",
    prompt:
      "The key bias adds the same number, b_k · q / √d_k, to every scaled score. Add 0.7 to each of the scores [1, 2, 3]: by how much does the largest of the three softmax weights change? Answer with a number.",
    hint:
      "Write the softmax of z + c and look for a factor that appears in both the numerator and the denominator.",
    isCorrect: near(0, 1e-9),
    solution: Math.max(
      ...[1, 2, 3].map((z) =>
        Math.abs(
          Math.exp(z + 0.7) /
              [1, 2, 3].reduce((t, y) => t + Math.exp(y + 0.7), 0) -
            Math.exp(z) / [1, 2, 3].reduce((t, y) => t + Math.exp(y), 0),
        )
      ),
    ),
  },
  {
    id: "05.log-loss",
    prompt:
      "Replace L by L' = −log W_S, whose gradient for a size word is −w_j (1 − W_S) / W_S. With |S| = 3, |O| = 10 and W_S = 0.25, how many times larger is it than the gradient of L? Answer with a number.",
    hint:
      "Divide one gradient by the other: w_j and (1 − W_S) cancel, c = 1/|S| + 1/|O| remains.",
    isCorrect: near(1 / ((1 / 3 + 1 / 10) * 0.25), 1e-3),
    solution: 1 / ((1 / 3 + 1 / 10) * 0.25),
  },
];
