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
import {
  ablateHeads,
  attentionOf,
  headScores,
  silenceHead,
  SINK_FROM,
} from "../lib/chapters/11_a_small_gpt/heads.ts";
import { sampleLoss } from "../lib/chapters/11_a_small_gpt/train.ts";

await useBackend("auto");

const CONFIG = resolveGptConfig({
  vocabSize: 9,
  blockSize: 24,
  numLayers: 2,
  numHeads: 2,
  dModel: 8,
});
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => from + i);

function values(seed: number) {
  const v = initValues(gptSchema(CONFIG), seed);
  for (const [name, w] of Object.entries(v)) {
    if (name.endsWith("weight") && !name.includes("ln_")) {
      for (let i = 0; i < w.length; i++) {
        w[i] *= 20;
      }
    }
  }
  return v;
}

Deno.test("with queries and keys at zero every head attends uniformly, and the scores are its means", () => {
  const v = values(1);
  for (let l = 0; l < 2; l++) {
    v[`transformer.h.${l}.attn.c_attn.weight`].fill(0, 0, 2 * 8 * 8); // q and k rows: [2·dModel, dModel]
    v[`transformer.h.${l}.attn.c_attn.bias`].fill(0, 0, 2 * 8);
  }
  const model = new Model(gpt(CONFIG), { values: v });
  const passage = range(0, 20).map((i) => (i * 5) % 9);
  const half = [1, 2, 3, 4, 5, 6, 7, 8, 0, 1];
  const a = attentionOf(model, passage);
  assertEquals([a.length, a[0].length, a[0][0].length], [2, 2, 20]);
  assertAlmostEquals(a[1][0][9][3], 1 / 10, 1e-6);
  for (const s of headScores(model, passage, half)) {
    assertAlmostEquals(
      s.previous,
      mean(range(1, 20).map((t) => 1 / (t + 1))),
      1e-6,
    );
    assertAlmostEquals(
      s.firstCharacter,
      mean(range(SINK_FROM, 20).map((t) => 1 / (t + 1))),
      1e-6,
    );
    assertAlmostEquals(
      s.induction,
      mean(range(10, 20).map((t) => 1 / (t + 1))),
      1e-6,
    );
  }
  assertThrows(
    () => headScores(model, passage.slice(0, SINK_FROM), half),
    RangeError,
    "more than 16",
  );
  model.dispose();
});

Deno.test("silencing every head of a 1-layer GPT makes its prediction blind to the earlier characters", () => {
  const config = { ...CONFIG, numLayers: 1 };
  const v = initValues(gptSchema(config), 3);
  for (const w of Object.values(v)) {
    for (let i = 0; i < w.length; i++) w[i] *= 20;
  }
  const last = (model: Model<number[][], unknown>, ids: number[]) =>
    tf.tidy(() => {
      const { output, attention } = model.forward([ids]);
      tf.dispose(attention);
      return Array.from(
        output.slice([0, ids.length - 1, 0], [1, 1, -1]).dataSync(),
      );
    });
  const intact = new Model(gpt(config), { values: v });
  const silent = new Model(gpt(config), {
    values: silenceHead(silenceHead(v, config, 0, 0), config, 0, 1),
  });
  const one = last(intact, [1, 2, 3, 4]), other = last(intact, [5, 6, 7, 4]);
  assert(Math.max(...one.map((x, i) => Math.abs(x - other[i]))) > 1e-3);
  const a = last(silent, [1, 2, 3, 4]), b = last(silent, [5, 6, 7, 4]);
  a.forEach((x, i) => assertAlmostEquals(x, b[i], 1e-5));
  // One head silenced is not all heads silenced.
  const half = new Model(gpt(config), { values: silenceHead(v, config, 0, 0) });
  const c = last(half, [1, 2, 3, 4]), d = last(half, [5, 6, 7, 4]);
  assert(Math.max(...c.map((x, i) => Math.abs(x - d[i]))) > 1e-3);
  assertThrows(
    () => silenceHead(v, config, 1, 0),
    RangeError,
    "layer must be 0…0",
  );
  assertThrows(
    () => silenceHead(v, config, 0, 2),
    RangeError,
    "head must be 0…1",
  );
  [intact, silent, half].forEach((m) => m.dispose());
});

Deno.test("ablateHeads measures every head and restores the weights", () => {
  const model = new Model(gpt(CONFIG), { values: values(5) });
  const sample = {
    input: [
      range(0, 24).map((i) => i % 9),
      range(0, 24).map((i) => (i * 2) % 9),
    ],
    target: [
      range(1, 25).map((i) => i % 9),
      range(1, 25).map((i) => (i * 2) % 9),
    ],
  };
  const before = model.values();
  const tensors = tf.memory().numTensors;
  const { intact, ablations } = ablateHeads(model, CONFIG, sample);
  assertEquals(tf.memory().numTensors, tensors);
  assertEquals(ablations.map((a) => [a.layer, a.head]), [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  assertAlmostEquals(intact, sampleLoss(model, sample), 1e-6);
  for (const a of ablations) {
    assertAlmostEquals(a.change, a.loss - intact, 1e-12);
    const m = new Model(gpt(CONFIG), {
      values: silenceHead(before, CONFIG, a.layer, a.head),
    });
    assertAlmostEquals(a.loss, sampleLoss(m, sample), 1e-6);
    m.dispose();
  }
  assert(ablations.some((a) => Math.abs(a.change) > 1e-3));
  assertEquals(model.values(), before);
  model.dispose();
});
