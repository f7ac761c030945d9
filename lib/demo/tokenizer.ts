/**
 * Sentence → tokens → vocabulary → ids: the first step of the attention
 * pipeline.
 * @module
 */

import { checkOptions, describe } from "../core/_describe.ts";

// A word starts with a letter or digit and goes on with letters, combining
// marks, digits and the zero-width (non-)joiners some scripts write inside
// words; an apostrophe or hyphen may join two such runs ("don't",
// "well-known"). Everything else separates words.
const WORD =
  /[\p{L}\p{N}][\p{L}\p{M}\p{N}\u200C\u200D]*(?:['-][\p{L}\p{N}][\p{L}\p{M}\p{N}\u200C\u200D]*)*/gu;

// Scripts written without spaces between words. A sentence in them is split
// into words with Intl.Segmenter's dictionary (built into Deno), unless the
// writer already put spaces between such words ("象 は 車"): then spaces and
// punctuation decide, as in every other script.
const SPACELESS_CHAR =
  "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Thai}\\p{Script=Lao}\\p{Script=Khmer}\\p{Script=Myanmar}";
const SPACELESS = new RegExp(`[${SPACELESS_CHAR}]`, "u");
const SPACED = new RegExp(`[${SPACELESS_CHAR}]\\s+[${SPACELESS_CHAR}]`, "u");
const SEGMENTER = new Intl.Segmenter("und", { granularity: "word" });

/**
 * Splits a sentence into lower-cased words, dropping punctuation.
 *
 * Words are separated by spaces and punctuation in any script ("Éléphant"
 * becomes "éléphant"); Chinese, Japanese, Thai, Lao, Khmer and Burmese
 * written without spaces are split with `Intl.Segmenter` ("大象想进入汽车" →
 * "大象", "想", "进入", "汽车"). Each word is lower-cased on its own, after
 * splitting, so a Greek Σ before punctuation still ends as ς.
 * The typographic apostrophe becomes a plain one ("don’t" → "don't").
 *
 * @param sentence Any text.
 * @param options Whether to segment space-less scripts.
 * @returns The tokens in order, `[seqLen]`; empty when the text has no words.
 * @throws {TypeError} When `sentence` is not a string.
 *
 * @example
 * ```ts
 * import { tokenize } from "./tokenizer.ts";
 * const tokens = tokenize("The car was too big.");
 * if (tokens.join(" ") !== "the car was too big") throw new Error(tokens.join());
 * ```
 */
export function tokenize(
  sentence: string,
  options: TokenizeOptions = {},
): string[] {
  if (typeof sentence !== "string") {
    throw new TypeError(
      `tokenize needs the sentence as a string, got ${describe(sentence)}`,
    );
  }
  const segment = checkOptions(options).segment ?? true;
  if (typeof segment !== "boolean") {
    throw new TypeError(
      `segment must be true or false, got ${describe(segment)}`,
    );
  }
  const text = sentence.normalize("NFC").replaceAll("’", "'");
  return splitWords(
    text,
    segment && SPACELESS.test(text) && !SPACED.test(text),
  );
}

/** Options for {@linkcode tokenize}. */
export interface TokenizeOptions {
  /**
   * Split Chinese, Japanese, Thai, Lao, Khmer and Burmese written without
   * spaces with `Intl.Segmenter` (default `true`). `false` keeps such a run
   * as one word: how a focus or size word the reader typed is read.
   */
  segment?: boolean;
}

// The words of a normalised text, each lower-cased; runs of space-less
// scripts are split further by the segmenter when `segment` is true.
function splitWords(text: string, segment: boolean): string[] {
  const words: string[] = [];
  for (const run of text.match(WORD) ?? []) {
    if (segment && SPACELESS.test(run)) {
      for (const part of SEGMENTER.segment(run)) {
        if (part.isWordLike) words.push(part.segment.toLowerCase());
      }
    } else {
      words.push(run.toLowerCase());
    }
  }
  return words;
}

/** Token ↔ id mapping. */
export interface Vocabulary {
  /** The distinct tokens in order of first appearance; index = token id, `[vocabSize]`. */
  words: string[];
  /** The id of each distinct token. */
  ids: Map<string, number>;
}

/**
 * Builds the vocabulary of a token list: one id per distinct token, in order
 * of first appearance.
 *
 * @param tokens The tokens, `[seqLen]`.
 * @returns The vocabulary, `vocabSize ≤ seqLen` entries.
 *
 * @example
 * ```ts
 * import { buildVocabulary } from "./tokenizer.ts";
 * const vocabulary = buildVocabulary(["the", "car", "the"]);
 * if (vocabulary.words.length !== 2 || vocabulary.ids.get("the") !== 0) throw new Error();
 * ```
 */
export function buildVocabulary(tokens: string[]): Vocabulary {
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === "string")) {
    throw new TypeError(
      `tokens must be a list of strings (see tokenize), got ${
        describe(tokens)
      }`,
    );
  }
  const ids = new Map<string, number>();
  for (const token of tokens) {
    if (!ids.has(token)) ids.set(token, ids.size);
  }
  return { words: [...ids.keys()], ids };
}
