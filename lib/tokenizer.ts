/**
 * Sentence → tokens → vocabulary → ids: the first step of the attention
 * pipeline, plus {@linkcode prepareExperiment}, which locates the focus word and
 * the size words among the tokens.
 * @module
 */

import { describe } from "./_describe.ts";
import { type AttentionConfig, resolveConfig } from "./config.ts";
import { checkEmbeddingSize } from "./parameters.ts";

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
export function tokenize(sentence: string): string[] {
  if (typeof sentence !== "string") {
    throw new TypeError(
      `tokenize needs the sentence as a string, got ${describe(sentence)}`,
    );
  }
  const text = sentence.normalize("NFC").replaceAll("’", "'");
  return splitWords(text, SPACELESS.test(text) && !SPACED.test(text));
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
  const ids = new Map<string, number>();
  for (const token of tokens) {
    if (!ids.has(token)) ids.set(token, ids.size);
  }
  return { words: [...ids.keys()], ids };
}

/** A configuration together with its tokens and the positions that matter. */
export interface Experiment {
  /** The complete, validated configuration (words as the reader wrote them). */
  config: AttentionConfig;
  /** The sentence's tokens, `[seqLen]`. */
  tokens: string[];
  /** The vocabulary built from the tokens. */
  vocabulary: Vocabulary;
  /** The id of every token, `[seqLen]`. */
  tokenIds: number[];
  /** The normalised focus word. */
  focusWord: string;
  /** Position of the focus word's first occurrence. */
  focusPosition: number;
  /** The normalised, de-duplicated size words. */
  sizeWords: string[];
  /** Every position holding a size word, ascending. */
  sizePositions: number[];
}

/**
 * Resolves a configuration and finds the focus word and the size words in
 * the sentence. Words are normalised like the sentence ("Too." matches "too").
 *
 * @param overrides Fields to change from the defaults.
 * @returns The experiment: tokens, vocabulary, ids and positions.
 * @throws {RangeError} When the sentence has no words, a word is missing from
 *   the sentence, there are no size words, every token is a size word, a
 *   number is out of range, or a limit of size is hit (tokens × epochs,
 *   vocabSize × dModel, the sentence's length).
 *
 * @example
 * ```ts
 * import { prepareExperiment } from "./tokenizer.ts";
 * const experiment = prepareExperiment();
 * if (experiment.focusPosition !== 10) throw new Error("'it' is token 10");
 * if (experiment.sizePositions.join() !== "2,8,12") throw new Error();
 * ```
 */
export function prepareExperiment(
  overrides: Partial<AttentionConfig> = {},
): Experiment {
  const config = resolveConfig(overrides);
  const tokens = tokenize(config.sentence);
  if (tokens.length === 0) {
    throw new RangeError(
      `the sentence ${
        JSON.stringify(config.sentence)
      } has no words: write a sentence such as "${DEFAULT_EXAMPLE}"`,
    );
  }
  if (tokens.length * config.epochs > MAX_WEIGHT_HISTORY) {
    throw new RangeError(
      `${tokens.length} tokens × ${config.epochs} epochs is too much to record: training keeps the focus word's weights for every epoch, at most ${MAX_WEIGHT_HISTORY} numbers; use fewer epochs or a shorter text`,
    );
  }
  const vocabulary = buildVocabulary(tokens);
  checkEmbeddingSize(vocabulary.words.length, config.dModel);
  const focusWord = singleWord("focus word", config.focusWord);
  const focusPosition = tokens.indexOf(focusWord);
  if (focusPosition < 0) {
    throw new RangeError(
      `the focus word ${
        describe(focusWord)
      } is not in the sentence; pick one of: ${listSome(vocabulary.words)}`,
    );
  }
  if (config.sizeWords.length === 0) {
    throw new RangeError(
      "no size words: give at least one word of the sentence for the focus word to attend to",
    );
  }
  const sizeWords = [
    ...new Set(config.sizeWords.map((w) => singleWord("size word", w))),
  ];
  const missing = sizeWords.filter((w) => !vocabulary.ids.has(w));
  if (missing.length > 0) {
    throw new RangeError(
      `the size word${missing.length > 1 ? "s" : ""} ${
        listSome(missing.map((w) => describe(w)))
      } ${missing.length > 1 ? "are" : "is"} not in the sentence; pick from: ${
        listSome(vocabulary.words)
      }`,
    );
  }
  const sizePositions = tokens.flatMap((t, i) =>
    sizeWords.includes(t) ? [i] : []
  );
  if (sizePositions.length === tokens.length) {
    throw new RangeError(
      "every token is a size word, so nothing is left for the loss to push attention away from; leave at least one word of the sentence out of the size words",
    );
  }
  return {
    config,
    tokens,
    vocabulary,
    tokenIds: tokens.map((t) => vocabulary.ids.get(t)!),
    focusWord,
    focusPosition,
    sizeWords,
    sizePositions,
  };
}

// Training records seqLen weights per epoch (TrainResult.weightHistory);
// this bound keeps that history within a few hundred MB.
const MAX_WEIGHT_HISTORY = 20_000_000;

const DEFAULT_EXAMPLE = "The pink elephant tried to get into the car";

// A list for an error message, kept to one readable line: the first few
// items (each at most 30 characters), then how many more there are.
function listSome(items: string[], max = 12): string {
  const shown = items.slice(0, max).map((item) =>
    item.length > 30 ? `${item.slice(0, 29)}…` : item
  );
  const more = items.length - shown.length;
  return shown.join(", ") + (more > 0 ? `, … and ${more} more` : "");
}

// A focus or size word as the reader typed it: normalised like the sentence,
// but never split by the segmenter (it is one word by definition).
function singleWord(role: string, text: string): string {
  const words = splitWords(text.normalize("NFC").replaceAll("’", "'"), false);
  if (words.length !== 1) {
    throw new RangeError(
      `the ${role} ${describe(text)} must be exactly one word, found ${
        words.length === 0 ? "none" : words.length + ` (${listSome(words)})`
      }`,
    );
  }
  return words[0];
}
