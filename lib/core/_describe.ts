/**
 * How error messages show a bad value: short, never throwing, whatever the
 * value is (a Symbol, a BigInt, a huge array, null).
 * @module
 */

/**
 * A short, readable rendering of any value for an error message.
 *
 * @param value Anything.
 * @returns At most about 60 characters: `"text"`, `42`, `[1,2]`, `null (object)`.
 *
 * @example
 * ```ts
 * import { describe } from "./_describe.ts";
 * if (describe("4") !== '"4"' || describe(Symbol("x")) !== "Symbol(x) (symbol)") throw new Error();
 * ```
 */
export function describe(value: unknown): string {
  let text: string;
  if (typeof value === "string") text = JSON.stringify(value);
  else if (typeof value === "number") text = String(value);
  else if (Array.isArray(value)) {
    try {
      text = JSON.stringify(value.length > 20 ? value.slice(0, 20) : value);
    } catch {
      text = `an array of ${value.length}`;
    }
  } else {
    try {
      text = `${String(value)} (${typeof value})`;
    } catch {
      text = `a value of type ${typeof value}`;
    }
  }
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
