/**
 * Exercises of notebook 01 (tokens and embeddings): the vocabulary, the
 * embedding table's size, the one-hot view of a lookup.
 * @module
 */

import { type Exercise, near } from "./_kit.ts";

/** Notebook 01's exercises, in the order the notebook asks them. */
export const EXERCISES: Exercise[] = [
  {
    id: "01.vocab-size",
    prompt:
      'How many entries does the vocabulary of "the cat saw the dog and the bird" have? Answer with a number.',
    hint: "Count distinct words: a word that appears three times is one entry.",
    isCorrect: near(6, 0),
    solution: new Set("the cat saw the dog and the bird".split(" ")).size,
  },
  {
    id: "01.table-size",
    prompt:
      "How many learnable numbers does this notebook's embedding table E hold (vocabSize 12, dModel 4)? Answer with a number.",
    hint:
      "E has one row per vocabulary entry and one column per dimension; a repeated word adds no row.",
    isCorrect: near(48, 0),
    solution: 12 * 4,
  },
  {
    id: "01.one-hot-products",
    prompt:
      "onehot(ids) · E is a [seqLen, vocabSize] · [vocabSize, dModel] product. With seqLen 13, vocabSize 12 and dModel 4, how many multiplications does it do, and how many of them multiply by a 1 rather than a 0? Answer [total, byOne].",
    hint:
      "Each of the seqLen × dModel output entries is a sum of vocabSize products, and exactly one entry of each one-hot row is 1.",
    isCorrect: near([624, 52], 0),
    solution: [13 * 12 * 4, 13 * 4],
  },
];
