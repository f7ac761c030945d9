/**
 * TEMPORARY stand-in for the integrator's lib/exercises.ts (lands on main);
 * replaced at merge. Exercises with checked answers: `check(id, answer)`.
 * @module
 */

import { EXERCISES_01 } from "./exercises/01.ts";
import { EXERCISES_02 } from "./exercises/02.ts";
import { EXERCISES_03 } from "./exercises/03.ts";
import { EXERCISES_04 } from "./exercises/04.ts";
import { EXERCISES_05 } from "./exercises/05.ts";
import { EXERCISES_06 } from "./exercises/06.ts";

/** One exercise with a checked answer. */
export interface Exercise {
  /** "NN.name", NN the notebook's number. */
  id: string;
  /** The question, shown while no answer is given. */
  prompt: string;
  /** Shown with ✗; never the answer. */
  hint: string;
  /** Whether `answer` is right. */
  isCorrect(answer: unknown): boolean;
  /** Code (a JavaScript expression) that computes the answer. */
  solution: string;
}

/** Every registered exercise. */
export const EXERCISES: readonly Exercise[] = [
  ...EXERCISES_01,
  ...EXERCISES_02,
  ...EXERCISES_03,
  ...EXERCISES_04,
  ...EXERCISES_05,
  ...EXERCISES_06,
];

/** What {@linkcode check} returns: shown as text by the Deno kernel. */
export interface CheckResult {
  /** The line shown. */
  text: string;
  /** Deno's Jupyter display hook. */
  [key: symbol]: () => Record<string, string>;
}

/**
 * Checks an answer: ✓, ✗ with the hint, or the prompt when `answer` is
 * `undefined`.
 *
 * @param id The exercise's id, e.g. "05.floor".
 * @param answer The reader's answer.
 * @returns A displayable result.
 * @throws {RangeError} When no exercise has this id.
 */
export function check(id: string, answer: unknown): CheckResult {
  const exercise = EXERCISES.find((e) => e.id === id);
  if (exercise === undefined) {
    throw new RangeError(`no exercise "${id}"`);
  }
  const text = answer === undefined
    ? `Exercise ${id}: ${exercise.prompt}`
    : exercise.isCorrect(answer)
    ? `✓ ${id}: right.`
    : `✗ ${id}: not yet. Hint: ${exercise.hint}`;
  return {
    text,
    [Symbol.for("Jupyter.display")]: () => ({ "text/plain": text }),
  };
}
