/**
 * An experiment: a validated configuration with its sentence tokenised and
 * the focus word and size words located. Everything downstream (model,
 * loss, training, analysis, charts) starts from one.
 * @module
 */

import { checkIndices, describe, listSome } from "../core/_describe.ts";
import { type AttentionConfig, resolveConfig } from "./config.ts";
import { checkEmbeddingSize } from "./parameters.ts";
import { buildVocabulary, tokenize, type Vocabulary } from "./tokenizer.ts";

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
 * import { prepareExperiment } from "./experiment.ts";
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
        describe(config.sentence)
      } has no words: write a sentence such as "${DEFAULT_EXAMPLE}"`,
    );
  }
  checkWeightHistory(tokens.length, config.epochs);
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

/**
 * Checks that training can record the focus word's weights of every epoch
 * (`seqLen × epochs` numbers, at most 20,000,000)
 * (the attention matrix is checked where it is built); `prepareExperiment` and `trainExperiment`
 * (for a hand-built experiment) both call it.
 *
 * @param seqLen Tokens in the sentence.
 * @param epochs Epochs to train.
 * @throws {RangeError} Naming both numbers and the limit.
 */
export function checkWeightHistory(seqLen: number, epochs: number): void {
  if (seqLen * epochs > MAX_WEIGHT_HISTORY) {
    throw new RangeError(
      `${seqLen} tokens × ${epochs} epochs is too much to record: training keeps the focus word's weights for every epoch, at most ${MAX_WEIGHT_HISTORY} numbers; use fewer epochs or a shorter text`,
    );
  }
}

const DEFAULT_EXAMPLE = "The pink elephant tried to get into the car";

// A focus or size word as the reader typed it: normalised like the sentence,
// but never split by the segmenter (it is one word by definition).
function singleWord(role: string, text: string): string {
  const words = tokenize(text, { segment: false });
  if (words.length !== 1) {
    throw new RangeError(
      `the ${role} ${describe(text)} must be exactly one word, found ${
        words.length === 0 ? "none" : words.length + ` (${listSome(words)})`
      }`,
    );
  }
  return words[0];
}

/**
 * Checks a sentence for the demo's model: token ids inside the vocabulary and
 * a focus position inside the sentence (the model and `trainExperiment` both
 * check this way).
 *
 * @param tokenIds The sentence as token ids, `[seqLen]`.
 * @param focusPosition The focus word's position.
 * @param vocabSize The number of embedding rows.
 * @throws {TypeError} When `tokenIds` is not a list.
 * @throws {RangeError} For an empty sentence, an id outside the vocabulary or
 *   a focus position outside the sentence.
 */
export function checkSentenceIds(
  tokenIds: number[],
  focusPosition: number,
  vocabSize: number,
): void {
  if (!Array.isArray(tokenIds) || tokenIds.length === 0) {
    throw new (Array.isArray(tokenIds) ? RangeError : TypeError)(
      `tokenIds must be a non-empty list of token ids (the sentence has no tokens), got ${
        describe(tokenIds)
      }`,
    );
  }
  checkIndices(tokenIds, "tokenIds", "token id", vocabSize, "the vocabulary");
  if (
    !Number.isInteger(focusPosition) || focusPosition < 0 ||
    focusPosition >= tokenIds.length
  ) {
    throw new RangeError(
      `focus position ${describe(focusPosition)} is outside the sentence (0…${
        tokenIds.length - 1
      })`,
    );
  }
}
