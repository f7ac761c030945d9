/**
 * Exercises with checked answers. Each chapter lists its exercises in
 * `lib/exercises/NN.ts` (an array of {@linkcode Exercise}); this module
 * collects them and answers `check(id, answer)` in a notebook cell with ✓, or
 * ✗ and a hint (never the answer).
 *
 * To add a chapter's exercises: create `lib/exercises/NN.ts` exporting
 * `EXERCISES: Exercise[]` (ids `"NN.name"`), and add one import line below.
 * @module
 */

import { describe, listSome } from "../core/_describe.ts";
import type { Exercise } from "./exercises/_kit.ts";
import { EXERCISES as CHAPTER_01 } from "./exercises/01.ts";
import { EXERCISES as CHAPTER_02 } from "./exercises/02.ts";
import { EXERCISES as CHAPTER_03 } from "./exercises/03.ts";
import { EXERCISES as CHAPTER_04 } from "./exercises/04.ts";
import { EXERCISES as CHAPTER_05 } from "./exercises/05.ts";
import { EXERCISES as CHAPTER_06 } from "./exercises/06.ts";
import { EXERCISES as CHAPTER_07 } from "./exercises/07.ts";
import { EXERCISES as CHAPTER_08 } from "./exercises/08.ts";
import { EXERCISES as CHAPTER_09 } from "./exercises/09.ts";
import { EXERCISES as CHAPTER_10 } from "./exercises/10.ts";
import { EXERCISES as CHAPTER_11 } from "./exercises/11.ts";
import { EXERCISES as CHAPTER_12 } from "./exercises/12.ts";

export { type Exercise, near, sameText } from "./exercises/_kit.ts";

/** Every chapter's exercises, by id. */
export const EXERCISES: ReadonlyMap<string, Exercise> = collect([
  // one line per chapter, e.g. `CHAPTER_05,` after `import { EXERCISES as CHAPTER_05 } from "./exercises/05.ts";`
  CHAPTER_01,
  CHAPTER_02,
  CHAPTER_03,
  CHAPTER_04,
  CHAPTER_05,
  CHAPTER_06,
  CHAPTER_07,
  CHAPTER_08,
  CHAPTER_09,
  CHAPTER_10,
  CHAPTER_11,
  CHAPTER_12,
]);

/** What {@linkcode check} returns: the verdict, shown as the cell's output. */
export interface CheckResult {
  /** The exercise's id. */
  id: string;
  /** `"correct"`, `"wrong"`, or `"unanswered"` (the answer was `undefined`). */
  verdict: "correct" | "wrong" | "unanswered";
  /** The line shown to the reader. */
  message: string;
}

/**
 * Checks a reader's answer to an exercise. Leave the answer `undefined` to
 * see the question: the cell then runs without error, so a notebook with
 * unanswered exercises still runs top to bottom.
 *
 * @param id The exercise's id, e.g. `"05.floor"`.
 * @param answer The reader's answer.
 * @returns The verdict; a notebook cell displays its message.
 * @throws {RangeError} For an unknown id (the message lists the known ones).
 */
export function check(id: string, answer: unknown): CheckResult {
  if (typeof id !== "string") {
    throw new TypeError(
      `id must be an exercise id such as "05.floor", got ${describe(id)}`,
    );
  }
  const exercise = EXERCISES.get(id);
  if (!exercise) {
    const known = [...EXERCISES.keys()];
    throw new RangeError(
      `no exercise ${describe(id)}; known: ${
        known.length ? listSome(known, 8) : "none"
      }`,
    );
  }
  return checkAnswer(exercise, answer);
}

/**
 * Checks an answer against one exercise (what {@linkcode check} does after
 * looking the exercise up).
 *
 * @param exercise The exercise.
 * @param answer The reader's answer; `undefined` means not answered yet.
 * @returns The verdict, displayable in a notebook.
 *
 * @example
 * ```ts
 * import { checkAnswer, near } from "./exercises.ts";
 * const exercise = {
 *   id: "00.two", prompt: "What is 1 + 1?", hint: "Count.",
 *   isCorrect: near(2), solution: 2,
 * };
 * if (checkAnswer(exercise, 2).verdict !== "correct") throw new Error();
 * if (checkAnswer(exercise, 3).message.includes("2")) throw new Error();
 * ```
 */
export function checkAnswer(exercise: Exercise, answer: unknown): CheckResult {
  let verdict: CheckResult["verdict"];
  if (answer === undefined) verdict = "unanswered";
  else {
    let correct = false;
    try {
      correct = exercise.isCorrect(answer);
    } catch {
      correct = false; // an answer of the wrong kind is simply wrong
    }
    verdict = correct ? "correct" : "wrong";
  }
  const message = {
    unanswered:
      `Exercise ${exercise.id}: ${exercise.prompt} (put your answer in place of undefined and run the cell)`,
    correct: `✓ ${exercise.id}: correct.`,
    wrong: `✗ ${exercise.id}: not yet. Hint: ${exercise.hint}`,
  }[verdict];
  return {
    id: exercise.id,
    verdict,
    message,
    // shown by the Deno kernel as the cell's output
    [Symbol.for("Jupyter.display")]: () => ({
      "text/plain": message,
      "text/html": `<p style="padding:4px 8px;border-left:4px solid ${
        { unanswered: "#888", correct: "#1a7f37", wrong: "#cf222e" }[verdict]
      }">${escapeHtml(message)}</p>`,
    }),
  } as CheckResult;
}

function collect(lists: Exercise[][]): Map<string, Exercise> {
  const byId = new Map<string, Exercise>();
  for (const exercise of lists.flat()) {
    if (byId.has(exercise.id)) {
      throw new Error(`two exercises share the id ${exercise.id}`);
    }
    byId.set(exercise.id, exercise);
  }
  return byId;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  );
}
