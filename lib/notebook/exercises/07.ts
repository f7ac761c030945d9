/**
 * Chapter 7's exercises (notebook 07, attention that emerges from a task):
 * two about what the trained model's attention and read-out do, asked
 * before the cells that answer them, and two about the corpus.
 * @module
 */

import { type Exercise, near, sameText } from "./_kit.ts";

/** The exercises of notebook 07. */
export const EXERCISES: Exercise[] = [
  {
    id: "07.hop1-small",
    prompt:
      'After training, what is hop 1\'s mean weight of "it" on the adjective, over the held-out sentences that end in "small"? (a number between 0 and 1, 2 decimals)',
    hint:
      "The first hop's query is the same whatever the adjective; the model needs to know the adjective before the second hop. How much of the first hop would you spend on it?",
    isCorrect: near(1, 0.05),
    solution: 1,
  },
  {
    id: "07.swap",
    prompt:
      'In "the suitcase did not fit into the trophy because it was too big", the nouns are swapped into each other\'s places (trophy was always a thing in training, suitcase always a container). Which word does the trained model name?',
    hint:
      "Every noun played one role in training. Does the model follow the slot the noun stands in, or what it knows about the noun?",
    isCorrect: sameText("trophy"),
    solution: "trophy",
  },
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
