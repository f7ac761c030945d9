import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  DOCUMENT_SEPARATOR,
  FALLBACK_CHARACTER,
  fixedSample,
  loadAddresses,
  randomBatch,
  splitByYear,
  VALIDATION_WINDOWS,
  Vocabulary,
} from "../lib/chapters/11_a_small_gpt/corpus.ts";

Deno.test("the corpus is 233 addresses, split before and from 2000", () => {
  const addresses = loadAddresses();
  assertEquals(addresses.length, 233);
  assertEquals(addresses[0].year, 1790);
  assertEquals(addresses.at(-1)!.year, 2021);
  assert(addresses.every((a) => !a.text.includes(DOCUMENT_SEPARATOR)));
  const split = splitByYear(addresses);
  assertEquals(split.years, { train: [1790, 1999], validation: [2000, 2021] });
  const trainTexts = addresses.filter((a) => a.year < 2000);
  assertEquals(
    split.train.length,
    trainTexts.reduce((n, a) => n + a.text.length, 0) + trainTexts.length - 1,
  );
  assert(
    split.validation.startsWith(addresses.find((a) => a.year === 2000)!.text),
  );
  assertThrows(() => splitByYear(addresses, 1700), RangeError, "leaves a half");
});

Deno.test("the vocabulary is the training text's sorted characters plus one fallback", () => {
  const v = Vocabulary.fromText("hello, world");
  assertEquals(v.characters.join(""), " ,dehlorw");
  assertEquals(v.size, 10);
  assertEquals(v.fallbackId, 9);
  assertEquals([...v.encode("low!")], [5, 6, 8, 9]);
  assertEquals(v.decode(v.encode("world")), "world");
  assertEquals(v.decode(v.encode("wörld")), `w${FALLBACK_CHARACTER}rld`);
  assertThrows(
    () => v.decode([10]),
    RangeError,
    "outside the vocabulary (0…9)",
  );
  assertThrows(() => new Vocabulary(["a", "a"]), RangeError, "each once");
  assertThrows(() => new Vocabulary(["ab"]), RangeError, "one character");
  // The real corpus: 90 characters (the addresses' 89 and the separator).
  const split = splitByYear();
  const real = Vocabulary.fromText(split.train);
  assertEquals(real.size, 91);
  const unseen = [...split.validation].filter((c) =>
    !real.characters.includes(c)
  );
  assert(
    unseen.length > 0,
    "the 21st century has characters the past did not use",
  );
  const ids = real.encode(split.validation);
  assertEquals(
    ids.filter((id) => id === real.fallbackId).length,
    unseen.length,
  );
});

Deno.test("randomBatch draws nanoGPT's windows, the same for the same step", () => {
  const ids = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
  const a = randomBatch(ids, 7, { blockSize: 8, batchSize: 3, seed: 5 });
  const b = randomBatch(ids, 7, { blockSize: 8, batchSize: 3, seed: 5 });
  const c = randomBatch(ids, 8, { blockSize: 8, batchSize: 3, seed: 5 });
  assertEquals(a, b);
  assert(JSON.stringify(a) !== JSON.stringify(c));
  assertEquals(a.input.length, 3);
  for (let r = 0; r < 3; r++) {
    assertEquals(a.input[r].length, 8);
    // Consecutive ids: the window is a slice, the target the next slice.
    for (let t = 0; t < 8; t++) {
      assertEquals(a.target[r][t], (a.input[r][t] + 1) % 251);
    }
  }
  // Every start is possible, and none beyond the last full window.
  const tiny = Uint8Array.from([0, 1, 2, 3]);
  const starts = new Set<number>();
  for (let s = 0; s < 200; s++) {
    starts.add(
      randomBatch(tiny, s, { blockSize: 2, batchSize: 1 }).input[0][0],
    );
  }
  assertEquals([...starts].sort(), [0, 1]);
  assertThrows(
    () => randomBatch(tiny, 0, { blockSize: 4 }),
    RangeError,
    "a window of options.blockSize 4 needs 5",
  );
  assertThrows(
    () => randomBatch(tiny, -1, { blockSize: 2 }),
    RangeError,
    "step",
  );
  assertThrows(
    () => randomBatch(tiny, 0, { batchSize: 0 }),
    RangeError,
    "batchSize",
  );
});

Deno.test("the fixed validation sample covers the text evenly with over 100,000 predictions", () => {
  const split = splitByYear();
  const v = Vocabulary.fromText(split.train);
  const ids = v.encode(split.validation);
  const sample = fixedSample(ids);
  assertEquals(sample.input.length, VALIDATION_WINDOWS);
  assert(VALIDATION_WINDOWS * 64 >= 100_000);
  assertEquals(v.decode(sample.input[0]), split.validation.slice(0, 64));
  const lastStart = ids.length - 65;
  assertEquals(
    v.decode(sample.target.at(-1)!),
    v.decode(ids.slice(lastStart + 1)),
  );
  assertThrows(
    () => fixedSample(ids.slice(0, 10)),
    RangeError,
    "a window of options.blockSize 64 needs 65",
  );
  assertThrows(() => fixedSample(ids, { windows: 1 }), RangeError, "windows");
});
