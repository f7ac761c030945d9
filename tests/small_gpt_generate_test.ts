import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "@std/assert";
import { useBackend } from "../lib/core/backend.ts";
import { gpt, gptSchema, resolveGptConfig } from "../lib/core/gpt.ts";
import { initValues, Model } from "../lib/core/model.ts";
import { mulberry32 } from "../lib/core/random.ts";
import {
  generate,
  KvCache,
  pick,
} from "../lib/chapters/11_a_small_gpt/generate.ts";

await useBackend("auto");

const CONFIG = resolveGptConfig({
  vocabSize: 11,
  blockSize: 12,
  numLayers: 2,
  numHeads: 2,
  dModel: 16,
});

/** A random GPT with weights large enough for sharp, varied predictions. */
function randomGpt(seed: number) {
  const values = initValues(gptSchema(CONFIG), seed);
  for (const [name, v] of Object.entries(values)) {
    if (name.endsWith("weight") && !name.includes("ln_")) {
      for (let i = 0; i < v.length; i++) {
        v[i] *= 15;
      }
    }
  }
  return new Model(gpt(CONFIG), { values });
}

Deno.test("the KV cache gives the logits of a whole forward pass, position by position", () => {
  const model = randomGpt(2);
  const ids = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8];
  const cache = new KvCache(model, CONFIG);
  for (let t = 0; t < ids.length; t++) {
    const cached = cache.append(ids[t]);
    const full = tf.tidy(() => {
      const { output, attention } = model.forward([ids.slice(0, t + 1)]);
      tf.dispose(attention);
      return output.arraySync() as number[][][];
    })[0][t];
    assertEquals(cache.length, t + 1);
    full.forEach((x, i) =>
      assertAlmostEquals(cached[i], x, 1e-4, `position ${t}, logit ${i}`)
    );
  }
  assertThrows(
    () => cache.append(0),
    RangeError,
    "the cache is full (12 positions)",
  );
  cache.dispose();
  model.dispose();
});

Deno.test("a prefill of the whole context gives the cache of appending it character by character", () => {
  const model = randomGpt(3);
  const ids = [7, 0, 3, 3, 9, 1, 10];
  const one = new KvCache(model, CONFIG);
  let stepwise: Float32Array = new Float32Array();
  for (const id of ids) stepwise = one.append(id);
  const all = new KvCache(model, CONFIG);
  const prefilled = all.prefill(ids);
  assertEquals(all.length, ids.length);
  prefilled.forEach((x, i) => assertAlmostEquals(x, stepwise[i], 1e-4));
  // And the next character sees the same cache either way.
  const a = one.append(4), b = all.append(4);
  a.forEach((x, i) => assertAlmostEquals(x, b[i], 1e-4));
  assertThrows(() => all.prefill([]), RangeError, "1 to 12 characters");
  one.dispose();
  all.dispose();
  model.dispose();
});

Deno.test("greedy decoding with and without the cache gives the same tokens, across context refills", () => {
  for (const seed of [1, 2, 3]) {
    const model = randomGpt(seed);
    const before = tf.memory().numTensors;
    const withCache = generate(model, CONFIG, [1, 2], {
      maxNewTokens: 60,
      temperature: 0,
      cache: true,
    });
    const without = generate(model, CONFIG, [1, 2], {
      maxNewTokens: 60,
      temperature: 0,
      cache: false,
    });
    assertEquals(tf.memory().numTensors, before);
    assertEquals(withCache.length, 60);
    assertEquals(withCache, without);
    assert(new Set(withCache).size > 2, `a varied continuation: ${withCache}`);
    model.dispose();
  }
});

Deno.test("sampling is seeded; top-k 1 is greedy; temperature sharpens", () => {
  const model = randomGpt(4);
  const a = generate(model, CONFIG, [0], {
    maxNewTokens: 30,
    temperature: 1,
    seed: 7,
  });
  const b = generate(model, CONFIG, [0], {
    maxNewTokens: 30,
    temperature: 1,
    seed: 7,
    cache: false,
  });
  const c = generate(model, CONFIG, [0], {
    maxNewTokens: 30,
    temperature: 1,
    seed: 8,
  });
  assertEquals(a, b);
  assert(a.join() !== c.join());
  assertEquals(
    generate(model, CONFIG, [0], {
      maxNewTokens: 30,
      temperature: 1.5,
      topK: 1,
      seed: 9,
    }),
    generate(model, CONFIG, [0], { maxNewTokens: 30, temperature: 0 }),
  );
  model.dispose();
  // pick against the softmax it draws from: frequencies within 0.02 of p.
  const logits = new Float32Array([1, 2, 0.5, -1]);
  for (const [temperature, topK] of [[1, Infinity], [0.5, 2]]) {
    const top = [...logits].map((x, i) => [x, i]).sort((p, q) => q[0] - p[0])
      .slice(0, topK).map((p) => p[1]);
    const w = [...logits].map((x, i) =>
      top.includes(i) ? Math.exp(x / temperature) : 0
    );
    const z = w.reduce((s, x) => s + x, 0);
    const counts = [0, 0, 0, 0];
    const next = mulberry32(5);
    for (let n = 0; n < 20000; n++) {
      counts[pick(logits, temperature, topK, next)]++;
    }
    counts.forEach((k, i) =>
      assertAlmostEquals(
        k / 20000,
        w[i] / z,
        0.02,
        `T ${temperature} k ${topK} id ${i}`,
      )
    );
  }
});

Deno.test("generate refuses bad prompts and options in one sentence", () => {
  const model = randomGpt(1);
  assertThrows(
    () => generate(model, CONFIG, []),
    RangeError,
    "at least one character",
  );
  assertThrows(
    () => generate(model, CONFIG, [11]),
    RangeError,
    "outside the vocabulary (0…10)",
  );
  assertThrows(
    () => generate(model, CONFIG, [1], { temperature: -1 }),
    RangeError,
    "temperature",
  );
  assertThrows(
    () => generate(model, CONFIG, [1], { topK: 0 }),
    RangeError,
    "topK",
  );
  assertThrows(
    () => generate(model, CONFIG, [1], { maxNewTokens: 1.5 }),
    RangeError,
    "maxNewTokens",
  );
  // A prompt longer than the block starts from its end.
  assertEquals(
    generate(model, CONFIG, Array(30).fill(3), { maxNewTokens: 3 }).length,
    3,
  );
  model.dispose();
});
