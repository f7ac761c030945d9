// lib/chapters/12_attention_at_scale/scaled_gpt.ts: with multi-head
// attention, learned positions and no window it gives gpt.ts's logits from
// the same weights; pooling keeps a model whose key/value heads already
// agree within each group; RoPE runs past blockSize; a window as long as
// the text changes nothing; the model trains; bad settings get one sentence.

import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { gpt, gptSchema, nextTokenLoss } from "../lib/core/gpt.ts";
import { initValues, Model } from "../lib/core/model.ts";
import { train } from "../lib/train/trainer.ts";
import {
  poolKeyValueHeads,
  scaledGpt,
  scaledGptSchema,
} from "../lib/chapters/12_attention_at_scale/scaled_gpt.ts";

const CONFIG = {
  vocabSize: 11,
  blockSize: 8,
  numLayers: 2,
  numHeads: 4,
  dModel: 16,
};
const IDS = [[1, 2, 3, 4, 5, 6, 7, 8], [3, 1, 4, 1, 5, 9, 2, 6]];

function logits(
  model: Model<number[][], unknown>,
  ids = IDS,
  options?: unknown,
): number[] {
  const { output, attention } = model.forward(ids, options as undefined);
  const values = Array.from(output.dataSync());
  tf.dispose([output, ...attention]);
  return values;
}
const gap = (a: number[], b: number[]) =>
  Math.max(...a.map((x, i) => Math.abs(x - b[i])));

Deno.test("multi-head, learned positions: gpt.ts's logits from the same weights", () => {
  assertEquals(
    scaledGptSchema(CONFIG).map((s) => [s.name, s.shape]),
    gptSchema(CONFIG).map((s) => [s.name, s.shape]),
  );
  const values = initValues(gptSchema(CONFIG), 5);
  const reference = new Model(gpt(CONFIG), { values });
  const ours = new Model(scaledGpt(CONFIG), { values });
  const g = gap(
    logits(ours),
    logits(reference as Model<number[][], unknown>, IDS, { ops: "plain" }),
  );
  assert(g <= 1e-6, `gap ${g}`);
  reference.dispose();
  ours.dispose();
});

Deno.test("pooling key/value heads: shapes, and exact when a group's heads agree", () => {
  const values = initValues(gptSchema(CONFIG), 6);
  const d = CONFIG.dModel, dK = d / CONFIG.numHeads;
  // make heads 0=1 and 2=3 of K and V equal in every layer
  for (const layer of [0, 1]) {
    const w = values[`transformer.h.${layer}.attn.c_attn.weight`];
    const b = values[`transformer.h.${layer}.attn.c_attn.bias`];
    for (const part of [1, 2]) {
      for (const pair of [0, 2]) {
        const from = part * d + pair * dK, to = from + dK;
        w.copyWithin(to * d, from * d, (from + dK) * d);
        b.set(Array.from({ length: dK }, (_, i) => 0.1 * (i + pair)), from);
        b.copyWithin(to, from, from + dK);
      }
    }
  }
  const pooled = poolKeyValueHeads(values, CONFIG, 2);
  assertEquals(
    pooled["transformer.h.0.attn.c_attn.weight"].length,
    (d + 2 * 2 * dK) * d,
  );
  const mha = new Model(scaledGpt(CONFIG), { values });
  const gqa = new Model(scaledGpt({ ...CONFIG, numKvHeads: 2 }), {
    values: pooled,
  });
  const g = gap(logits(gqa), logits(mha));
  assert(g <= 1e-5, `gap ${g}`);
  // and pooling to as many groups as heads copies the weights
  const same = poolKeyValueHeads(values, CONFIG, 4);
  assertEquals(
    same["transformer.h.1.attn.c_attn.weight"],
    values["transformer.h.1.attn.c_attn.weight"],
  );
  tf.dispose([mha, gqa].map((m) => m.dispose()) as never);
});

Deno.test("RoPE has no position table and reads texts longer than blockSize", () => {
  const config = { ...CONFIG, positions: "rope" as const };
  assert(
    !scaledGptSchema(config).some((s) => s.name === "transformer.wpe.weight"),
  );
  const model = new Model(scaledGpt(config), { seed: 2 });
  const long = [Array.from({ length: 20 }, (_, i) => i % 11)];
  assertEquals(logits(model, long).length, 20 * 11);
  // causal: the first 8 positions do not depend on what follows
  const first = logits(model, [long[0].slice(0, 8)]);
  assert(gap(first, logits(model, long).slice(0, 8 * 11)) <= 1e-5);
  model.dispose();
});

Deno.test("a window as long as the text is full causal attention; a short one is not", () => {
  const model = new Model(scaledGpt(CONFIG), { seed: 3 });
  assertEquals(logits(model, IDS, { window: 8 }), logits(model));
  assert(gap(logits(model, IDS, { window: 2 }), logits(model)) > 1e-4);
  // the first window + 1 positions are unchanged by a window
  const w3 = logits(model, IDS, { window: 3 }).slice(0, 3 * 11);
  assert(gap(w3, logits(model).slice(0, 3 * 11)) <= 1e-6);
  model.dispose();
});

Deno.test("a grouped-query RoPE model trains: the loss falls", async () => {
  const model = new Model(
    scaledGpt({ ...CONFIG, numKvHeads: 1, positions: "rope" }),
    { seed: 4 },
  );
  const history = await train(model, nextTokenLoss("plain"), () => ({
    input: [[1, 2, 3, 4, 5, 6, 7]],
    target: [[2, 3, 4, 5, 6, 7, 8]],
  }), { steps: 30, adam: { learningRate: 0.01 } });
  const losses = history.steps.map((s) => s.loss);
  assert(
    losses.at(-1)! < losses[0] / 2,
    `losses ${losses[0]} → ${losses.at(-1)}`,
  );
  model.dispose();
});

Deno.test("bad settings get one sentence", () => {
  assertThrows(
    () => scaledGpt({ ...CONFIG, numKvHeads: 3 }),
    RangeError,
    "numKvHeads",
  );
  assertThrows(
    () => scaledGpt({ ...CONFIG, positions: "alibi" as "rope" }),
    RangeError,
    "positions",
  );
  const model = new Model(scaledGpt(CONFIG), { seed: 1 });
  assertThrows(
    () => model.forward([Array(9).fill(1)]),
    RangeError,
    "blockSize",
  );
  assertThrows(
    () => model.forward([[12]]),
    RangeError,
    "outside the vocabulary",
  );
  model.dispose();
  assertThrows(
    () => poolKeyValueHeads({}, { ...CONFIG, numKvHeads: 2 }, 1),
    RangeError,
    "multi-head",
  );
});
