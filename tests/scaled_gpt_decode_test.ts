// lib/chapters/12_attention_at_scale/decode.ts: the cache's logits equal a
// whole forward pass's last row; greedy tokens are identical with and
// without the cache, across refills, for multi-head learned positions and
// for grouped-query RoPE; the cache holds kvCacheBytesPerToken per token;
// nothing leaks.

import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { Model } from "../lib/core/model.ts";
import { kvCacheBytesPerToken } from "../lib/core/gqa.ts";
import {
  scaledGpt,
  type ScaledGptConfig,
} from "../lib/chapters/12_attention_at_scale/scaled_gpt.ts";
import {
  greedyDecode,
  KvCache,
} from "../lib/chapters/12_attention_at_scale/decode.ts";

const BASE = {
  vocabSize: 13,
  blockSize: 8,
  numLayers: 2,
  numHeads: 4,
  dModel: 16,
};
const CONFIGS: Partial<ScaledGptConfig>[] = [
  BASE,
  { ...BASE, numKvHeads: 2, positions: "rope" },
  { ...BASE, numKvHeads: 1 },
];

Deno.test("the cache's logits equal the forward pass's last row (1e-5)", () => {
  for (const config of CONFIGS) {
    const model = new Model(scaledGpt(config), { seed: 7 });
    const cache = new KvCache(model, config);
    const ids = [3, 1, 4, 1, 5, 9, 2, 6];
    ids.forEach((id, t) => {
      const fromCache = cache.append(id);
      const { output, attention } = model.forward([ids.slice(0, t + 1)]);
      const rows = (output.arraySync() as number[][][])[0];
      const gap = Math.max(
        ...rows[t].map((x, i) => Math.abs(x - fromCache[i])),
      );
      assert(
        gap <= 1e-5,
        `${JSON.stringify(config)} position ${t}: gap ${gap}`,
      );
      tf.dispose([output, ...attention]);
    });
    const g = config.numKvHeads ?? 4;
    assertEquals(
      cache.bytes,
      ids.length * kvCacheBytesPerToken({ numLayers: 2, numKvHeads: g, dK: 4 }),
    );
    cache.dispose();
    model.dispose();
  }
});

Deno.test("greedy tokens are identical with and without the cache, across refills", () => {
  for (const config of CONFIGS) {
    const model = new Model(scaledGpt(config), { seed: 3 });
    const before = tf.memory().numTensors;
    const cached = greedyDecode(model, config, [1, 2], {
      steps: 40,
      cache: true,
    });
    assertEquals(tf.memory().numTensors, before, "the cached decoder leaks");
    const plain = greedyDecode(model, config, [1, 2], {
      steps: 40,
      cache: false,
    });
    assertEquals(tf.memory().numTensors, before, "the plain decoder leaks");
    assertEquals(cached.tokens, plain.tokens);
    assert(cached.refills >= 4, `${cached.refills} refills`);
    assertEquals(cached.refills, plain.refills);
    model.dispose();
  }
});

Deno.test("onToken sees every step with its context length", () => {
  const model = new Model(scaledGpt(BASE), { seed: 1 });
  const seen: number[] = [];
  greedyDecode(model, BASE, [1], {
    steps: 10,
    onToken: (_, length) => seen.push(length),
  });
  assertEquals(seen, [1, 2, 3, 4, 5, 6, 7, 8, 4, 5]); // full at 8: the last half (4) is kept
  model.dispose();
});

Deno.test("bad input gets one sentence", () => {
  const model = new Model(scaledGpt(BASE), { seed: 1 });
  assertThrows(
    () => greedyDecode(model, BASE, [], { steps: 3 }),
    RangeError,
    "prompt",
  );
  assertThrows(
    () => greedyDecode(model, BASE, [1], { steps: 0 }),
    RangeError,
    "steps",
  );
  const cache = new KvCache(model, BASE);
  assertThrows(() => cache.append(13), RangeError, "outside the vocabulary");
  for (let i = 0; i < 8; i++) cache.append(1);
  assertThrows(() => cache.append(1), RangeError, "full");
  cache.dispose();
  model.dispose();
});

Deno.test("a prefill in one pass equals appending the context token by token", () => {
  for (const config of CONFIGS) {
    const model = new Model(scaledGpt(config), { seed: 9 });
    const [a, b] = [new KvCache(model, config), new KvCache(model, config)];
    const ids = [5, 3, 5, 8, 9, 7];
    const byOne = ids.map((id) => a.append(id)).at(-1)!;
    const inOne = b.prefill(ids);
    assert(Math.max(...byOne.map((x, i) => Math.abs(x - inOne[i]))) <= 1e-5);
    assertEquals(b.length, 6);
    assertEquals(b.bytes, a.bytes);
    // and the next token continues alike
    const [na, nb] = [a.append(2), b.append(2)];
    assert(Math.max(...na.map((x, i) => Math.abs(x - nb[i]))) <= 1e-5);
    a.dispose();
    b.dispose();
    model.dispose();
  }
});
