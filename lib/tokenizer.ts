/**
 * Sentence → tokens → vocabulary → ids: the first step of the attention
 * pipeline.
 * @module
 */

// A word starts with a letter or digit and goes on with letters, combining
// marks, digits and the zero-width (non-)joiners some scripts write inside
// words; an apostrophe or hyphen may join two such runs ("don't",
// "well-known"). Everything else separates words.
const WORD =
  /[\p{L}\p{N}][\p{L}\p{M}\p{N}\u200C\u200D]*(?:['-][\p{L}\p{N}][\p{L}\p{M}\p{N}\u200C\u200D]*)*/gu;

/**
 * Splits a sentence into lower-cased words, dropping punctuation.
 *
 * Works for any script: "Éléphant" becomes "éléphant", "象" stays "象".
 * The typographic apostrophe becomes a plain one ("don’t" → "don't").
 *
 * @param sentence Any text.
 * @returns The tokens in order, `[seqLen]`; empty when the text has no words.
 *
 * @example
 * ```ts
 * import { tokenize } from "./tokenizer.ts";
 * const tokens = tokenize("The car was too big.");
 * if (tokens.join(" ") !== "the car was too big") throw new Error(tokens.join());
 * ```
 */
export function tokenize(sentence: string): string[] {
  const text = sentence.normalize("NFC").toLowerCase().replaceAll("’", "'");
  return text.match(WORD) ?? [];
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
