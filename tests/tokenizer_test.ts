import { assertEquals, assertThrows } from "@std/assert";
import {
  buildVocabulary,
  DEFAULT_CONFIG,
  prepareExperiment,
  tokenize,
} from "../lib/mod.ts";

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

// Issue 13, item 7: a wrong type names the argument, the value and what is valid.
Deno.test("tokenize rejects a non-string with a TypeError", () => {
  assertThrows(
    () => tokenize(null as unknown as string),
    TypeError,
    "tokenize needs the sentence as a string, got null",
  );
});

// Issue 13, item 5: split first, then lower-case each word; segment scripts
// written without spaces.
Deno.test("a Greek Σ before punctuation lower-cases like the same word typed alone", () => {
  assertEquals(tokenize("ΟΔΟΣ.ΑΛΛΑ είναι μεγάλη"), [
    "οδος",
    "αλλα",
    "είναι",
    "μεγάλη",
  ]);
  const experiment = prepareExperiment({
    sentence: "ΟΔΟΣ.ΑΛΛΑ είναι μεγάλη",
    focusWord: "είναι",
    sizeWords: ["ΟΔΟΣ"],
  });
  assertEquals(experiment.sizePositions, [0]);
  // Σ inside a word stays σ
  assertEquals(tokenize("ΣΟΦΟΣ"), ["σοφος"]);
});

Deno.test("Chinese, Japanese and Thai without spaces are split into words", () => {
  const chinese = tokenize("大象想进入汽车，但是它太大了。");
  assertEquals(chinese.length > 5, true, chinese.join("|"));
  assertEquals(chinese.join(""), "大象想进入汽车但是它太大了");
  assertEquals(chinese.includes("汽车"), true, chinese.join("|"));
  const thai = tokenize("ช้างอยากเข้าไปในรถแต่มันใหญ่เกินไป");
  assertEquals(thai.length > 5, true, thai.join("|"));
  assertEquals(thai.join(""), "ช้างอยากเข้าไปในรถแต่มันใหญ่เกินไป");
  const japanese = tokenize("象は車に入らない");
  assertEquals(japanese.length > 2, true, japanese.join("|"));
  assertEquals(japanese.join(""), "象は車に入らない");
  // mixed with a space-separated script, only the Chinese run is segmented
  const mixed = tokenize("The 大象想进入汽车 story");
  assertEquals(mixed[0], "the");
  assertEquals(mixed.at(-1), "story");
  assertEquals(mixed.slice(1, -1).join(""), "大象想进入汽车");
  // a segmented word can be the focus word or a size word
  const experiment = prepareExperiment({
    sentence: "大象想进入汽车但是它太大了",
    focusWord: chinese[chinese.indexOf("汽车") + 1] ?? chinese[0],
    sizeWords: ["汽车"],
  });
  assertEquals(experiment.tokens[experiment.sizePositions[0]], "汽车");
});

Deno.test("words the writer separated with spaces are kept as written", () => {
  // the spaces decide, even where a dictionary would split "大き" in two
  assertEquals(tokenize("象 は 車 に 入ら ない 大き すぎる").length, 8);
});

Deno.test("tokenize with segment: false keeps a space-less run as one word", () => {
  assertEquals(tokenize("大象想进入汽车", { segment: false }), [
    "大象想进入汽车",
  ]);
  assertEquals(tokenize("大象想进入汽车").length > 1, true);
  // everything else is as with segmentation
  assertEquals(tokenize("ΟΔΟΣ.ΑΛΛΑ", { segment: false }), ["οδος", "αλλα"]);
});
