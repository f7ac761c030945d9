/**
 * What an exercise is, and the answer matchers the chapters' exercise lists
 * use. Chapters define their exercises in `lib/exercises/NN.ts`;
 * `lib/notebook/exercises.ts` collects them and checks the reader's answers.
 * @module
 */

/** One exercise: a question, a hint for wrong answers, and a checker. */
export interface Exercise {
  /** `"NN.name"`: the chapter's number, a dot, a short name (`"05.floor"`). */
  id: string;
  /** The question, one or two sentences. */
  prompt: string;
  /** Shown after a wrong answer: a nudge, never the answer. */
  hint: string;
  /** Whether an answer is right. */
  isCorrect(answer: unknown): boolean;
  /** A right answer (what the notebook's collapsed solution computes). */
  solution: unknown;
}

/**
 * A matcher for numbers, or nested arrays of numbers, equal to `expected`
 * within `tolerance` (absolute) element by element, with the same shape.
 *
 * @param expected The right value.
 * @param tolerance Largest accepted difference. Default 1e-3.
 * @returns A function for {@linkcode Exercise.isCorrect}.
 *
 * @example
 * ```ts
 * import { near } from "./_kit.ts";
 * if (!near([0.5, 0.25], 0.01)([0.501, 0.25])) throw new Error();
 * if (near(2)("2")) throw new Error();
 * ```
 */
export function near(
  expected: number | unknown[],
  tolerance = 1e-3,
): (answer: unknown) => boolean {
  const matches = (a: unknown, e: unknown): boolean => {
    if (Array.isArray(e)) {
      return Array.isArray(a) && a.length === e.length &&
        e.every((item, i) => matches(a[i], item));
    }
    if (typeof a !== "number" || !Number.isFinite(a)) return false;
    return Math.abs(a - (e as number)) <= tolerance;
  };
  return (answer) => matches(answer, expected);
}

/**
 * A matcher for a word or short text, compared trimmed and case-insensitively.
 *
 * @param expected The right answers (any one of them is accepted).
 * @returns A function for {@linkcode Exercise.isCorrect}.
 *
 * @example
 * ```ts
 * import { sameText } from "./_kit.ts";
 * if (!sameText("Car")(" car ")) throw new Error();
 * ```
 */
export function sameText(
  ...expected: string[]
): (answer: unknown) => boolean {
  const norm = (s: string) => s.trim().toLowerCase();
  return (answer) =>
    typeof answer === "string" &&
    expected.some((e) => norm(e) === norm(answer));
}
