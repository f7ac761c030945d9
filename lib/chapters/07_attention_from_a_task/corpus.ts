/**
 * The task corpus of chapter 7: sentences in which "it" refers to a thing or
 * to a container, and only the adjective at the end says which. Generated from
 * templates, labelled by construction, split by noun pair so that the test
 * sentences pair nouns never seen together in training.
 * @module
 */

import {
  checkIndices,
  checkObject,
  checkOptions,
  describe,
} from "../../core/_describe.ts";
import { shuffle } from "../../core/random.ts";

/** One template: the words, with `{thing}`, `{container}` and `{adjective}` slots. */
export interface Template {
  /** The sentence, e.g. `"the {thing} did not fit into the {container} because it was too {adjective}"`. */
  text: string;
  /** Which noun "it" means when the adjective is "big" (for "small", the other one). */
  bigMeans: "thing" | "container";
}

/**
 * The templates. In each, "big" makes "it" the thing and "small" the
 * container. The thing comes first in two and second in the others, so "first
 * noun or second noun" depends on the template and the adjective.
 */
export const TEMPLATES: readonly Template[] = Object.freeze([
  {
    text:
      "the {thing} did not fit into the {container} because it was too {adjective}",
    bigMeans: "thing",
  },
  {
    text:
      "the {container} could not hold the {thing} because it was too {adjective}",
    bigMeans: "thing",
  },
  {
    text:
      "we could not put the {thing} in the {container} because it was too {adjective}",
    bigMeans: "thing",
  },
  {
    text:
      "the {container} was no use for the {thing} because it was too {adjective}",
    bigMeans: "thing",
  },
]);

/** Things that go into containers. */
export const THINGS: readonly string[] = Object.freeze([
  "trophy",
  "ball",
  "book",
  "lamp",
  "vase",
  "chair",
  "guitar",
  "cake",
  "statue",
  "laptop",
  "pillow",
  "drum",
]);

/** Containers. */
export const CONTAINERS: readonly string[] = Object.freeze([
  "suitcase",
  "bag",
  "box",
  "car",
  "drawer",
  "basket",
  "closet",
  "truck",
  "crate",
  "backpack",
  "cupboard",
  "van",
]);

/** The two adjectives; each flips the referent. */
export const ADJECTIVES: readonly string[] = Object.freeze(["big", "small"]);

/** Pads a batch of sentences to one length; attention never looks at it. */
export const PAD = "<pad>";
/** Stands for any word outside the vocabulary. */
export const UNKNOWN = "<unk>";
/** The word whose referent the model names. */
export const FOCUS_WORD = "it";

/** One labelled sentence. */
export interface TaskSentence {
  /** The words, `[seqLen]`. */
  words: string[];
  /** Position of "it". */
  focusPosition: number;
  /** The word "it" refers to (the label of the word read-out). */
  referent: string;
  /** Position of the referent. */
  referentPosition: number;
  /** 0 when the referent is the first noun, 1 when it is the second (the label of the role read-out). */
  order: 0 | 1;
  /** Index into {@linkcode TEMPLATES}. */
  template: number;
  /** "big" or "small". */
  adjective: string;
  /** The thing and the container. */
  pair: [thing: string, container: string];
}

/** The corpus: a vocabulary and two disjoint sets of noun pairs. */
export interface Corpus {
  /** Every word, index = token id, `[vocabSize]`; id 0 is {@linkcode PAD}, id 1 {@linkcode UNKNOWN}. */
  vocabulary: string[];
  /** Training sentences. */
  train: TaskSentence[];
  /** Held-out sentences: their (thing, container) pairs never occur in `train`. */
  test: TaskSentence[];
}

/** Options for {@linkcode buildCorpus}. */
export interface CorpusOptions {
  /** Seed of the split, a whole number ≥ 1. Default 1. */
  seed?: number;
  /** Share of the noun pairs held out, in (0, 1). Default 0.25 (36 of 144 pairs). */
  testFraction?: number;
  /**
   * Let every noun play both roles: the pairs are drawn from all ordered
   * pairs of two different nouns of {@linkcode THINGS} and
   * {@linkcode CONTAINERS} together (so "the car did not fit into the chair"
   * occurs), as many as the default corpus has (144), instead of thing ×
   * container. A noun's identity then no longer says its role. Default false.
   */
  bothRoles?: boolean;
}

/**
 * Builds the corpus: every template × thing × container × adjective, with
 * the (thing, container) pairs shuffled by the seed and split into training
 * and held-out pairs.
 *
 * @param options Seed and held-out share.
 * @returns The vocabulary and the two sets (4 × 12 × 12 × 2 = 1,152 sentences;
 *   864 training and 288 held-out with the defaults).
 * @throws {RangeError} For a bad seed or share.
 *
 * @example
 * ```ts
 * import { buildCorpus } from "./corpus.ts";
 * const { train, test } = buildCorpus();
 * if (train.length !== 864 || test.length !== 288) throw new Error();
 * ```
 */
export function buildCorpus(options: CorpusOptions = {}): Corpus {
  checkOptions(options);
  const seed = options.seed ?? 1;
  const testFraction = options.testFraction ?? 0.25;
  if (!Number.isInteger(seed) || seed < 1 || seed > 2 ** 32 - 1) {
    throw new RangeError(
      `seed must be a whole number from 1 to ${2 ** 32 - 1}, got ${
        describe(seed)
      }`,
    );
  }
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new RangeError(
      `testFraction must be between 0 and 1 (exclusive), got ${
        describe(testFraction)
      }`,
    );
  }
  let pairs = THINGS.flatMap((thing) =>
    CONTAINERS.map((container) => [thing, container] as [string, string])
  );
  if (options.bothRoles) {
    const count = pairs.length;
    const nouns = [...THINGS, ...CONTAINERS];
    pairs = nouns.flatMap((a) =>
      nouns.flatMap((b) => a === b ? [] : [[a, b] as [string, string]])
    );
    shuffle(pairs, seed);
    pairs = pairs.slice(0, count);
  }
  shuffle(pairs, seed);
  const testCount = Math.max(1, Math.round(pairs.length * testFraction));
  const sentences = (chosen: [string, string][]) =>
    chosen.flatMap((pair) =>
      TEMPLATES.flatMap((_, template) =>
        ADJECTIVES.map((adjective) => makeSentence(template, pair, adjective))
      )
    );
  const vocabulary = [PAD, UNKNOWN];
  for (const template of TEMPLATES) {
    for (const word of template.text.split(" ")) {
      if (!word.startsWith("{") && !vocabulary.includes(word)) {
        vocabulary.push(word);
      }
    }
  }
  vocabulary.push(...THINGS, ...CONTAINERS, ...ADJECTIVES);
  return {
    vocabulary,
    train: sentences(pairs.slice(testCount)),
    test: sentences(pairs.slice(0, testCount)),
  };
}

/**
 * One sentence of a template, labelled by construction: with "big", the
 * referent is the template's `bigMeans` noun; with "small", the other one.
 *
 * @param template Index into {@linkcode TEMPLATES}.
 * @param pair The thing and the container.
 * @param adjective "big" or "small".
 * @returns The labelled sentence.
 * @throws {RangeError} For an unknown template or adjective.
 *
 * @example
 * ```ts
 * import { makeSentence } from "./corpus.ts";
 * const s = makeSentence(0, ["trophy", "suitcase"], "small");
 * if (s.referent !== "suitcase" || s.order !== 1) throw new Error();
 * ```
 */
export function makeSentence(
  template: number,
  pair: [string, string],
  adjective: string,
): TaskSentence {
  const spec = Number.isInteger(template) ? TEMPLATES[template] : undefined;
  if (spec === undefined) {
    throw new RangeError(
      `template must be 0…${TEMPLATES.length - 1}, got ${describe(template)}`,
    );
  }
  if (!ADJECTIVES.includes(adjective)) {
    throw new RangeError(
      `adjective must be one of ${ADJECTIVES.join(", ")}, got ${
        describe(adjective)
      }`,
    );
  }
  if (
    !Array.isArray(pair) || pair.length !== 2 ||
    !pair.every((noun) => typeof noun === "string")
  ) {
    throw new TypeError(
      `pair must be [thing, container], two words, got ${describe(pair)}`,
    );
  }
  const [thing, container] = pair;
  const words = spec.text.split(" ").map((word) =>
    word === "{thing}"
      ? thing
      : word === "{container}"
      ? container
      : word === "{adjective}"
      ? adjective
      : word
  );
  const role = (adjective === "big") === (spec.bigMeans === "thing")
    ? "thing"
    : "container";
  const thingPosition = spec.text.split(" ").indexOf("{thing}");
  const containerPosition = spec.text.split(" ").indexOf("{container}");
  const referentPosition = role === "thing" ? thingPosition : containerPosition;
  return {
    words,
    focusPosition: words.indexOf(FOCUS_WORD),
    referent: words[referentPosition],
    referentPosition,
    order: referentPosition === Math.min(thingPosition, containerPosition)
      ? 0
      : 1,
    template,
    adjective,
    pair: [thing, container],
  };
}

/** Token ids of a batch, padded to one length. */
export interface EncodedBatch {
  /** Token ids, `[B, seqLen]` row by row; {@linkcode PAD} (id 0) fills short rows. */
  ids: Int32Array;
  /** Sentences `B`. */
  batchSize: number;
  /** The longest sentence's length `seqLen`. */
  seqLen: number;
  /** Position of "it" in each sentence, `[B]`. */
  focusPositions: number[];
}

/**
 * Turns sentences into ids: words outside the vocabulary become
 * {@linkcode UNKNOWN}, short sentences are padded with {@linkcode PAD}.
 *
 * @param vocabulary The corpus vocabulary, `[vocabSize]`.
 * @param sentences Word lists, each with exactly one "it".
 * @returns The ids `[B, seqLen]` and the positions of "it" `[B]`.
 * @throws {RangeError} For an empty batch, or a sentence without exactly one "it".
 *
 * @example
 * ```ts
 * import { buildCorpus, encode } from "./corpus.ts";
 * const { vocabulary } = buildCorpus();
 * const batch = encode(vocabulary, [["the", "zebra", "it"]]);
 * if (batch.ids[1] !== 1 || batch.focusPositions[0] !== 2) throw new Error();
 * ```
 */
export function encode(
  vocabulary: string[],
  sentences: string[][],
): EncodedBatch {
  if (
    !Array.isArray(vocabulary) ||
    !vocabulary.every((w) => typeof w === "string")
  ) {
    throw new TypeError(
      `encode: vocabulary must be a list of words, got ${describe(vocabulary)}`,
    );
  }
  if (
    !Array.isArray(sentences) ||
    !sentences.every((s) =>
      Array.isArray(s) && s.every((w) => typeof w === "string")
    )
  ) {
    throw new TypeError(
      `encode: sentences must be a list of word lists, got ${
        describe(sentences)
      }`,
    );
  }
  if (sentences.length === 0) {
    throw new RangeError("encode: no sentences; give at least one");
  }
  const index = new Map(vocabulary.map((word, id) => [word, id]));
  const seqLen = Math.max(...sentences.map((words) => words.length));
  const ids = new Int32Array(sentences.length * seqLen); // [B, seqLen], 0 = PAD
  const focusPositions = sentences.map((words, b) => {
    const found = words.flatMap((w, i) => w === FOCUS_WORD ? [i] : []);
    if (found.length !== 1) {
      throw new RangeError(
        `sentences[${b}] (${
          describe(words.join(" "))
        }) must contain "${FOCUS_WORD}" exactly once, found ${found.length}`,
      );
    }
    words.forEach((word, i) => {
      ids[b * seqLen + i] = index.get(word) ?? index.get(UNKNOWN)!;
    });
    return found[0];
  });
  return { ids, batchSize: sentences.length, seqLen, focusPositions };
}

/**
 * Checks an encoded batch as {@linkcode encode} makes it: whole sizes ≥ 1,
 * `batchSize · seqLen` ids, one focus position per sentence inside it.
 *
 * @param batch The batch.
 * @param name Its name in messages, e.g. `"batch"`.
 * @throws {TypeError} When it is not a batch.
 * @throws {RangeError} For a size, an id or a focus position out of range.
 */
export function checkEncodedBatch(batch: EncodedBatch, name: string): void {
  checkObject(batch, name, "an encoded batch (see encode)");
  const { ids, batchSize, seqLen, focusPositions } = batch;
  for (const [field, value] of [["batchSize", batchSize], ["seqLen", seqLen]]) {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new RangeError(
        `${name}.${field} must be a whole number ≥ 1, got ${describe(value)}`,
      );
    }
  }
  if (
    !(ids instanceof Int32Array || Array.isArray(ids)) ||
    ids.length !== batchSize * seqLen
  ) {
    throw new RangeError(
      `${name}.ids must hold batchSize × seqLen = ${
        batchSize * seqLen
      } ids, got ${describe(ids)}`,
    );
  }
  if (
    !Array.isArray(focusPositions) || focusPositions.length !== batchSize
  ) {
    throw new RangeError(
      `${name}.focusPositions must be a list of ${batchSize} positions, got ${
        describe(focusPositions)
      }`,
    );
  }
  checkIndices(
    focusPositions,
    `${name}.focusPositions`,
    `${name}.focusPositions: position`,
    seqLen,
    "the sentence",
  );
}

export { shuffle };
