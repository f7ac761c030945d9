import { assert, assertEquals, assertThrows } from "@std/assert";
import { prepareExperiment } from "../lib/mod.ts";
import { MAX_SENTENCE_LENGTH } from "../lib/demo/config.ts";
import { MAX_EMBEDDING_SIZE } from "../lib/demo/parameters.ts";

Deno.test("vocabulary ids follow first appearance and repeated words share an id", () => {
  const experiment = prepareExperiment();
  assertEquals(experiment.tokenIds, [0, 1, 2, 3, 4, 5, 6, 0, 7, 8, 9, 10, 11]);
  assertEquals(experiment.vocabulary.words[2], "elephant");
});

Deno.test("the default experiment finds 'it' and the size words", () => {
  const experiment = prepareExperiment();
  assertEquals(experiment.focusPosition, 10);
  assertEquals(experiment.sizePositions, [2, 8, 12]);
  assertEquals(experiment.sizeWords, ["elephant", "car", "too"]);
});

Deno.test("words are normalised like the sentence", () => {
  const experiment = prepareExperiment({
    focusWord: "IT",
    sizeWords: ["Too.", "car!", "Elephant"],
  });
  assertEquals(experiment.focusWord, "it");
  assertEquals(experiment.sizePositions, [2, 8, 12]);
});

Deno.test("non-ASCII sentences work end to end", () => {
  const experiment = prepareExperiment({
    sentence: "象 は 車 に 入ら ない 大き すぎる",
    focusWord: "象",
    sizeWords: ["大き", "車"],
  });
  assertEquals(experiment.focusPosition, 0);
  assertEquals(experiment.sizePositions, [2, 6]);
  const french = prepareExperiment({
    sentence: "L'éléphant ne rentre pas dans la voiture, il est trop gros.",
    focusWord: "il",
    sizeWords: ["l'éléphant", "voiture", "trop"],
  });
  assertEquals(french.sizePositions, [0, 6, 9]);
});

Deno.test("a size word that occurs twice marks both positions", () => {
  const experiment = prepareExperiment({ sizeWords: ["the"] });
  assertEquals(experiment.sizePositions, [0, 7]);
});

Deno.test("bad input gives a RangeError that names the problem", async (t) => {
  const cases: [string, Parameters<typeof prepareExperiment>[0], string][] = [
    ["empty sentence", { sentence: "" }, "has no words"],
    ["blank sentence", { sentence: "   \t " }, "has no words"],
    ["punctuation only", { sentence: "?!" }, "has no words"],
    [
      "focus word not in the sentence",
      { focusWord: "she" },
      `focus word "she" is not in the sentence`,
    ],
    ["empty focus word", { focusWord: "" }, "must be exactly one word"],
    [
      "two-word focus word",
      { focusWord: "it was" },
      "must be exactly one word",
    ],
    [
      "size word not in the sentence",
      { sizeWords: ["elephant", "truck"] },
      `size word "truck" is not in the sentence`,
    ],
    [
      "two size words not in the sentence",
      { sizeWords: ["bus", "truck"] },
      `"bus", "truck" are not`,
    ],
    ["no size words", { sizeWords: [] }, "no size words"],
    ["every token a size word", {
      sentence: "big big car",
      focusWord: "car",
      sizeWords: ["big", "car"],
    }, "every token is a size word"],
    [
      "dModel zero",
      { dModel: 0 },
      "dModel must be a positive whole number, got 0",
    ],
    [
      "dModel negative",
      { dModel: -4 },
      "dModel must be a positive whole number",
    ],
    [
      "dModel fractional",
      { dModel: 2.5 },
      "dModel must be a positive whole number, got 2.5",
    ],
    ["dModel NaN", { dModel: NaN }, "got NaN"],
    [
      "epochs infinite",
      { epochs: Infinity },
      "epochs must be a positive whole number, got Infinity",
    ],
    [
      "epochs fractional",
      { epochs: 1.5 },
      "epochs must be a positive whole number",
    ],
    ["epochs zero", { epochs: 0 }, "epochs must be a positive whole number"],
    [
      "learning rate zero",
      { learningRate: 0 },
      "learningRate must be a positive finite number",
    ],
    [
      "learning rate negative",
      { learningRate: -0.1 },
      "learningRate must be a positive finite number",
    ],
    [
      "learning rate NaN",
      { learningRate: NaN },
      "learningRate must be a positive finite number",
    ],
    [
      "learning rate infinite",
      { learningRate: Infinity },
      "learningRate must be a positive finite number",
    ],
    ["seed fractional", { seed: 0.5 }, "seed must be a whole number"],
    [
      "too long a history",
      {
        sentence: "it is too big ".repeat(5000),
        epochs: 100_000,
        sizeWords: ["big"],
      },
      "20000 tokens × 100000 epochs is too much to record",
    ],
    [
      "dModel too large",
      { dModel: 2048 },
      "dModel must be at most 1024, got 2048",
    ],
    ["epochs too many", { epochs: 1e9 }, "epochs must be at most 100000"],
    [
      "learning rate too large",
      { learningRate: 1e308 },
      "learningRate must be at most 10",
    ],
  ];
  for (const [name, overrides, message] of cases) {
    await t.step(name, () => {
      assertThrows(() => prepareExperiment(overrides), RangeError, message);
    });
  }
  await t.step("wrong types give a TypeError", () => {
    assertThrows(
      () => prepareExperiment({ sentence: 42 as unknown as string }),
      TypeError,
      "sentence must be a string",
    );
    assertThrows(
      () => prepareExperiment({ sizeWords: "car" as unknown as string[] }),
      TypeError,
      "sizeWords must be a list of words",
    );
    assertThrows(
      () => prepareExperiment({ epoch: 400 } as Record<string, unknown>),
      TypeError,
      `unknown setting "epoch"; the settings are: sentence, focusWord`,
    );
    assertThrows(
      () => prepareExperiment({ dModel: "4" as unknown as number }),
      RangeError,
      "dModel must be a positive whole number",
    );
  });
});

// Issue 13, item 7: wrong types name the argument, the value and what is valid.
Deno.test("prepareExperiment rejects non-objects and Symbols with a TypeError or RangeError", () => {
  assertThrows(
    () => prepareExperiment(null as unknown as Record<string, never>),
    TypeError,
    "the settings must be an object such as { epochs: 10 }, got null",
  );
  assertThrows(
    () => prepareExperiment({ sentence: Symbol("s") as unknown as string }),
    TypeError,
    "sentence must be a string, got Symbol(s) (symbol)",
  );
  assertThrows(
    () => prepareExperiment({ epochs: Symbol("e") as unknown as number }),
    RangeError,
    "epochs must be a positive whole number, got Symbol(e) (symbol)",
  );
  assertThrows(
    () => prepareExperiment({ seed: 10n as unknown as number }),
    RangeError,
    "seed must be a whole number from 0 to 4294967295, got 10 (bigint)",
  );
});

// Issue 13, item 6: an error that lists words stays one short line.
Deno.test("a missing word's error lists the first 12 words, then how many more", () => {
  const words = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(" ");
  assertThrows(
    () => prepareExperiment({ sentence: words, focusWord: "missing" }),
    RangeError,
    "pick one of: word0, word1, word2, word3, word4, word5, word6, word7, word8, word9, word10, word11, … and 2988 more",
  );
});

// Issue 13, item 3: limits by cost, checked before anything is allocated.
Deno.test("prepareExperiment names the size limit a sentence hits", async (t) => {
  const words = (n: number) =>
    Array.from({ length: n }, (_, i) => `w${i}`).join(" ") + " it";
  await t.step("vocabSize × dModel", () => {
    const vocabSize = MAX_EMBEDDING_SIZE / 1024 + 1;
    assertThrows(
      () =>
        prepareExperiment({
          sentence: words(vocabSize - 1),
          sizeWords: ["w1"],
          dModel: 1024,
        }),
      RangeError,
      `${vocabSize} distinct words × dModel 1024`,
    );
    const fits = prepareExperiment({
      sentence: words(vocabSize - 2),
      sizeWords: ["w1"],
      dModel: 1024,
    });
    assertEquals(fits.vocabulary.words.length * 1024, MAX_EMBEDDING_SIZE);
  });
  await t.step("the sentence's length", () => {
    assertThrows(
      () =>
        prepareExperiment({ sentence: "a".repeat(MAX_SENTENCE_LENGTH + 1) }),
      RangeError,
      `the sentence is ${
        MAX_SENTENCE_LENGTH + 1
      } characters long, more than the limit of ${MAX_SENTENCE_LENGTH}`,
    );
  });
});

// Issue 25: "!".repeat(200000) used to give a 200,100-character message.
Deno.test("a sentence with no words is quoted shortened, however long", () => {
  for (const length of [200_000, MAX_SENTENCE_LENGTH]) {
    const error = assertThrows(
      () => prepareExperiment({ sentence: "!".repeat(length) }),
      RangeError,
      "has no words",
    );
    assert(error.message.length < 200, `${error.message.length} characters`);
  }
});
