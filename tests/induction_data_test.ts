// Chapter 10's data (lib/chapters/10_induction_heads/data.ts): seeded
// repeated blocks, their periods, and which predictions can be made.

import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  BOS,
  DEFAULT_SEQUENCE_CONFIG,
  predictionMasks,
  repeatedSequences,
} from "../lib/chapters/10_induction_heads/data.ts";

Deno.test("every sequence is [BOS], p distinct tokens, then that block repeated", () => {
  const { tokens, periods } = repeatedSequences(500, { seed: 3 });
  const { seqLen, vocabSize, minPeriod, maxPeriod } = DEFAULT_SEQUENCE_CONFIG;
  assertEquals(tokens.length, 500);
  for (const [b, row] of tokens.entries()) {
    const p = periods[b];
    assertEquals(row.length, seqLen);
    assertEquals(row[0], BOS);
    assert(p >= minPeriod && p <= maxPeriod, `period ${p}`);
    const block = row.slice(1, 1 + p);
    assertEquals(new Set(block).size, p, "the block's tokens are distinct");
    assert(block.every((t) => t >= 1 && t < vocabSize), "no BOS in a block");
    for (let i = 1 + p; i < seqLen; i++) assertEquals(row[i], row[i - p]);
  }
});

Deno.test("periods cover 4…12 about uniformly", () => {
  const { periods } = repeatedSequences(9000, { seed: 11 });
  const counts = new Map<number, number>();
  for (const p of periods) counts.set(p, (counts.get(p) ?? 0) + 1);
  assertEquals([...counts.keys()].sort((a, b) => a - b), [
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
  ]);
  for (const n of counts.values()) assert(n > 850 && n < 1150, `count ${n}`);
});

Deno.test("the same seed gives the same batch, another seed another", () => {
  const a = repeatedSequences(4, { seed: 5 });
  assertEquals(repeatedSequences(4, { seed: 5 }), a);
  assert(
    JSON.stringify(repeatedSequences(4, { seed: 6 })) !== JSON.stringify(a),
  );
});

Deno.test("a fixed period: minPeriod = maxPeriod", () => {
  const { periods } = repeatedSequences(20, {
    seed: 1,
    config: { minPeriod: 8, maxPeriod: 8 },
  });
  assertEquals(new Set(periods), new Set([8]));
});

Deno.test("prediction masks: repeated from i = p + 1, first block up to i = p − 1", () => {
  const { repeated, firstBlock } = predictionMasks([4, 6], 10);
  assertEquals(repeated, [[0, 0, 0, 0, 0, 1, 1, 1, 1], [
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    1,
    1,
  ]]);
  assertEquals(firstBlock, [[1, 1, 1, 1, 0, 0, 0, 0, 0], [
    1,
    1,
    1,
    1,
    1,
    1,
    0,
    0,
    0,
  ]]);
});

Deno.test("bad sizes, seeds and configurations are one clear RangeError", () => {
  assertThrows(
    () => repeatedSequences(0, { seed: 1 }),
    RangeError,
    "batchSize",
  );
  assertThrows(() => repeatedSequences(2, { seed: 1.5 }), RangeError, "seed");
  assertThrows(
    () =>
      repeatedSequences(2, { seed: 1, config: { minPeriod: 9, maxPeriod: 4 } }),
    RangeError,
    "minPeriod ≤ maxPeriod",
  );
  assertThrows(
    () => repeatedSequences(2, { seed: 1, config: { seqLen: 10 } }),
    RangeError,
    "seqLen 10",
  );
  assertThrows(
    () => repeatedSequences(2, { seed: 1, config: { vocabSize: 8 } }),
    RangeError,
    "vocabSize 8",
  );
});
