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
  // A tensor (duck-typed: this file imports no tfjs) by its shape: its
  // string form would read every number, and a disposed one throws.
  const tensor = value as { isDisposed?: unknown; shape?: unknown };
  if (
    typeof value === "object" && value !== null &&
    typeof tensor.isDisposed === "boolean" && Array.isArray(tensor.shape)
  ) {
    return tensor.isDisposed
      ? "a disposed tensor"
      : `a tensor of shape [${tensor.shape}]`;
  }
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
  return shorten(text);
}

/**
 * A long text cut to its start, for a message that quotes it (a path, a
 * sentence): the text itself when it is at most `max` characters.
 *
 * @param text Any text.
 * @param max The longest result, in UTF-16 code units; default 60.
 * @returns `text`, or its first `max - 3` characters and `…`.
 *
 * @example
 * ```ts
 * import { shorten } from "./_describe.ts";
 * if (shorten("!".repeat(1000)).length !== 58) throw new Error();
 * ```
 */
export function shorten(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 3)}…` : text;
}

/**
 * A list for an error message, kept to one readable line: the first few
 * items (each cut to 30 characters), then how many more there are.
 *
 * @param items The items, already as text.
 * @param max How many to show; default 12.
 * @returns For example `a, b, c, … and 9 more`.
 *
 * @example
 * ```ts
 * import { listSome } from "./_describe.ts";
 * const words = Array.from({ length: 20 }, (_, i) => `w${i}`);
 * if (!listSome(words, 3).endsWith("w2, … and 17 more")) throw new Error();
 * ```
 */
export function listSome(items: readonly string[], max = 12): string {
  const shown = items.slice(0, max).map((item) =>
    item.length > 30 ? `${item.slice(0, 29)}…` : item
  );
  const more = items.length - shown.length;
  return shown.join(", ") + (more > 0 ? `, … and ${more} more` : "");
}

/**
 * Checks that an options argument is an object (or left out), so that
 * `f(x, null)` answers in one sentence instead of "Cannot read properties".
 *
 * @param options The argument.
 * @param name Its name in the message; default `"options"`.
 * @returns The options, `{}` when left out.
 * @throws {TypeError} For null, a number, a string, an array, a Symbol, ….
 *
 * @example
 * ```ts
 * import { checkOptions } from "./_describe.ts";
 * if (Object.keys(checkOptions(undefined)).length !== 0) throw new Error();
 * ```
 */
export function checkOptions<T extends object>(
  options: T | undefined,
  name = "options",
): T {
  if (options === undefined) return {} as T;
  if (
    typeof options !== "object" || options === null || Array.isArray(options)
  ) {
    throw new TypeError(
      `${name} must be an object (or left out), got ${describe(options)}`,
    );
  }
  return options;
}
