import { assertEquals } from "@std/assert";
import { buildVocabulary, DEFAULT_CONFIG, tokenize } from "../lib/mod.ts";

Deno.test("the default sentence has 13 tokens and 12 distinct words", () => {
  const tokens = tokenize(DEFAULT_CONFIG.sentence);
  assertEquals(tokens.length, 13);
  assertEquals(buildVocabulary(tokens).words.length, 12);
  assertEquals(tokens[0], "the");
});

Deno.test("tokenize lower-cases and drops punctuation", () => {
  assertEquals(tokenize("The car, it was TOO... big!"), [
    "the",
    "car",
    "it",
    "was",
    "too",
    "big",
  ]);
  assertEquals(tokenize("don't stop  well-known"), [
    "don't",
    "stop",
    "well-known",
  ]);
});

Deno.test("tokenize keeps non-ASCII letters", () => {
  assertEquals(tokenize("L'Éléphant était trop gros"), [
    "l'éléphant",
    "était",
    "trop",
    "gros",
  ]);
  assertEquals(tokenize("象 は 大きい"), ["象", "は", "大きい"]);
  // a decomposed é (e + combining accent) equals the composed one
  assertEquals(tokenize("e\u0301le\u0301phant"), ["éléphant"]);
  // a mark or emoji variation selector alone is not a word
  assertEquals(tokenize("I \u2764\uFE0F cars \u0301 too"), [
    "i",
    "cars",
    "too",
  ]);
  // Persian writes a zero-width non-joiner inside words
  assertEquals(tokenize("می\u200Cخواهم"), ["می\u200Cخواهم"]);
  // Devanagari vowel signs are marks inside the word
  assertEquals(tokenize("हाथी बड़ा है"), ["हाथी", "बड़ा", "है"]);
});
