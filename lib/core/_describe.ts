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
  const tensor = value as { isDisposed?: boolean; shape?: number[] };
  if (isTensorLike(value)) {
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
 * @throws {TypeError} For null, a number, a string, an array, a tensor, a Symbol, ….
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
  return checkObject(options, name, "an object (or left out)");
}

/**
 * Checks that a required argument is a record (an object that is not an
 * array or a tensor): the weights of a layer, a result, a snapshot.
 *
 * @param value The argument.
 * @param name Its name in the message, e.g. `"weights"`.
 * @param what What is valid, for the message; default `"an object"`.
 * @returns The value, typed.
 * @throws {TypeError} For undefined, null, a number, an array, a tensor, ….
 *
 * @example
 * ```ts
 * import { checkObject } from "./_describe.ts";
 * checkObject({ a: 1 }, "weights"); // fine
 * ```
 */
export function checkObject<T extends object>(
  value: T,
  name: string,
  what = "an object",
): T {
  if (
    typeof value !== "object" || value === null || Array.isArray(value) ||
    isTensorLike(value)
  ) {
    throw new TypeError(`${name} must be ${what}, got ${describe(value)}`);
  }
  return value;
}

// A tensor, duck-typed (this file imports no tfjs).
function isTensorLike(value: unknown): boolean {
  const tensor = value as { isDisposed?: unknown; shape?: unknown };
  return typeof value === "object" && value !== null &&
    typeof tensor.isDisposed === "boolean" && Array.isArray(tensor.shape);
}

/**
 * Checks that every item of a list is a position in something of `size`
 * rows (a token id in a vocabulary, a position in a sentence).
 *
 * @param list The list, already known to be an array.
 * @param name The list's name, for an item that is not a number.
 * @param item What one item is, for one out of range: `"token id"`.
 * @param size How many rows there are; valid items are 0…size − 1.
 * @param within What the rows are: `"the vocabulary"`.
 * @throws {TypeError} For an item that is not a number (a nested list).
 * @throws {RangeError} For an item that is not a whole number in range.
 *
 * @example
 * ```ts
 * import { checkIndices } from "./_describe.ts";
 * checkIndices([0, 2], "tokenIds", "token id", 3, "the vocabulary"); // fine
 * ```
 */
export function checkIndices(
  list: readonly unknown[],
  name: string,
  item: string,
  size: number,
  within: string,
): void {
  for (const value of list) {
    if (typeof value !== "number") {
      throw new TypeError(
        `${name} must be a list of whole numbers, got ${describe(list)}`,
      );
    }
    if (!Number.isInteger(value) || value < 0 || value >= size) {
      throw new RangeError(
        `${item} ${describe(value)} is outside ${within} (0…${size - 1})`,
      );
    }
  }
}

/**
 * Checks nested lists of finite numbers, `rank` deep and rectangular (a
 * batch of token ids `[B][T]`, attention weights `[B][T][T]`).
 *
 * @param value The argument.
 * @param name Its name in messages.
 * @param rank How deep the lists go.
 * @returns The shape, e.g. `[B, T]`.
 * @throws {TypeError} When it is not nested lists of numbers.
 * @throws {RangeError} When it is empty, ragged or holds a number that is not finite.
 *
 * @example
 * ```ts
 * import { checkNumberLists } from "./_describe.ts";
 * if (checkNumberLists([[1, 2], [3, 4]], "tokens", 2).join() !== "2,2") throw new Error();
 * ```
 */
export function checkNumberLists(
  value: unknown,
  name: string,
  rank: number,
): number[] {
  const shape: number[] = [];
  let level = value;
  for (let d = 0; d < rank; d++) {
    if (!Array.isArray(level)) {
      throw new TypeError(
        `${name} must be nested lists of numbers, ${rank} deep, got ${
          describe(value)
        }`,
      );
    }
    if (level.length === 0) {
      throw new RangeError(`${name} must not hold an empty list`);
    }
    shape.push(level.length);
    level = level[0];
  }
  const walk = (v: unknown, d: number, path: string): void => {
    if (d === rank) {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new RangeError(
          `${name}${path} must be a finite number, got ${describe(v)}`,
        );
      }
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[d]) {
      throw new RangeError(
        `${name}${path} must be a list of ${shape[d]} (the lists are ${
          shape.join(" × ")
        }), got ${describe(v)}`,
      );
    }
    v.forEach((x, i) => walk(x, d + 1, `${path}[${i}]`));
  };
  walk(value, 0, "");
  return shape;
}
