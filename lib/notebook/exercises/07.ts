/**
 * Chapter 7's exercises (notebook 07, attention that emerges from a task).
 * @module
 */

import { type Exercise, near, sameText } from "./_kit.ts";

/** The exercises of notebook 07. */
export const EXERCISES: Exercise[] = [
  {
    id: "07.referent",
    prompt:
      'In "the box could not hold the lamp because it was too small", which word does "it" refer to?',
    hint:
      "What is too small to hold something: the thing being held, or what holds it?",
    isCorrect: sameText("box"),
    solution: "box",
  },
  {
    id: "07.always-thing",
    prompt:
      "A model that always names the thing (never the container), whatever the adjective: what share of the held-out sentences does it get right? (a number between 0 and 1)",
    hint:
      "Every noun pair appears with both adjectives; which adjective makes the thing the referent?",
    isCorrect: near(0.5, 0.01),
    solution: 0.5,
  },
];
