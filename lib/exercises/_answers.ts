/**
 * Answer checkers shared by the chapters' exercises (lib/exercises/NN.ts):
 * a number or a list of numbers, right up to a tolerance.
 * @module
 */

/**
 * A checker that accepts one finite number within `tolerance` of `target`.
 *
 * @param target The right answer.
 * @param tolerance The largest accepted |answer − target|.
 * @returns `isCorrect(answer)`: false for anything that is not such a number.
 * @example
 * ```ts
 * const isHalf = nearNumber(0.5, 1e-3);
 * if (!isHalf(0.5004) || isHalf("0.5")) throw new Error("unexpected");
 * ```
 */
export function nearNumber(
  target: number,
  tolerance: number,
): (answer: unknown) => boolean {
  return (answer) =>
    typeof answer === "number" && Number.isFinite(answer) &&
    Math.abs(answer - target) <= tolerance;
}

/**
 * A checker that accepts a list of finite numbers as long as `target`, each
 * within `tolerance` of its entry.
 *
 * @param target The right answer, entry by entry.
 * @param tolerance The largest accepted |answer[i] − target[i]|.
 * @returns `isCorrect(answer)`: false for anything that is not such a list.
 * @example
 * ```ts
 * const isRight = nearNumbers([3, 3], 1e-9);
 * if (!isRight([3, 3]) || isRight([3]) || isRight([3, 2])) throw new Error("unexpected");
 * ```
 */
export function nearNumbers(
  target: readonly number[],
  tolerance: number,
): (answer: unknown) => boolean {
  return (answer) =>
    Array.isArray(answer) && answer.length === target.length &&
    answer.every((value, i) =>
      typeof value === "number" && Number.isFinite(value) &&
      Math.abs(value - target[i]) <= tolerance
    );
}
