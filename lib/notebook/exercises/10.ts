/**
 * Chapter 10's exercises (notebooks/10_induction_heads.ipynb): where an
 * induction head looks, what an ablation does, and why one layer is not
 * enough. The solutions follow from the data's definition (data.ts) and
 * from the trained model of the committed seed;
 * tests/integration/exercises_10_test.ts recomputes them.
 * @module
 */

import { type Exercise, near, sameText } from "./_kit.ts";

/** The sequence the first exercise asks about. */
export const EXERCISE_SEQUENCE = {
  /** Its period. */
  period: 5,
  /** The query position (a repeated token). */
  query: 9,
} as const;

/** Chapter 10's exercises. */
export const EXERCISES: Exercise[] = [
  {
    id: "10.key",
    prompt:
      `A sequence has period ${EXERCISE_SEQUENCE.period}. At position ${EXERCISE_SEQUENCE.query} (a token of the second block), on which key position does an induction head put its weight?`,
    hint:
      "Find the previous occurrence of the token at the query (one period back), then take the position of the token that came right after it.",
    isCorrect: near(
      EXERCISE_SEQUENCE.query - EXERCISE_SEQUENCE.period + 1,
      0,
    ),
    solution: EXERCISE_SEQUENCE.query - EXERCISE_SEQUENCE.period + 1,
  },
  {
    id: "10.ablate-both",
    prompt:
      "Ablate both heads of layer 1 at once. Is the repeated-token loss then closer to the trained model's (below 0.1), to the first-block loss (about 4.3), or above 5? Answer low, chance or above.",
    hint:
      "Without layer 1, only layer 0 and the direct path from the embeddings write to the read-out. Can either of them know which earlier token to copy?",
    isCorrect: sameText("chance"),
    solution: "chance",
  },
  {
    id: "10.one-layer",
    prompt:
      "Why can a one-layer model not form an induction head? heads: it has too few heads; keys: its keys can only hold a token and its position, never the token before it, so no query can find the token after an earlier copy of itself; mask: causal masking hides the earlier block. Answer heads, keys or mask.",
    hint:
      "An induction head's key at j must say which token stood at j − 1. In one layer, what is written at position j before attention runs?",
    isCorrect: sameText("keys"),
    solution: "keys",
  },
  {
    id: "10.fixed-period",
    prompt:
      "Trained on sequences whose period is always 8, layer 1 scores high on induction without any previous-token head. At query position 20, which key position does a head that looks by position alone pick?",
    hint:
      "With a fixed period the answer is at a fixed offset from the query, whatever the tokens are: count back one period and forward one.",
    isCorrect: near(13, 0),
    solution: 13,
  },
];
