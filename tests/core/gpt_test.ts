// lib/core/gpt.ts: nanoGPT's schema; the fast and the plain ops give the same
// losses over 20 training steps on cpu and wasm, and PyTorch's twin
// (bench/torch_gpt.py) gives the same from the same weights; tensors stay
// constant from step to step; bad input gets one sentence.

import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  DEFAULT_GPT_CONFIG,
  gpt,
  gptSchema,
  nextTokenLoss,
} from "../../lib/core/gpt.ts";
import { initValues, Model } from "../../lib/core/model.ts";
import { useBackend } from "../../lib/core/backend.ts";
import { type GptRun, torchGpt, trainGpt } from "../../bench/_gpt.ts";
import { torchAvailable } from "../../bench/bench.ts";

// Small enough for the plain ops on cpu to take seconds.
const CONFIG = {
  vocabSize: 20,
  blockSize: 12,
  numLayers: 2,
  numHeads: 2,
  dModel: 16,
};
const BATCH = 4;
const STEPS = 20;

function maxGap(a: number[], b: number[]): number {
  assertEquals(a.length, b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}

Deno.test("the schema has nanoGPT's names and shapes", () => {
  const schema = gptSchema(DEFAULT_GPT_CONFIG);
  const byName = Object.fromEntries(schema.map((s) => [s.name, s.shape]));
  assertEquals(byName["transformer.wte.weight"], [90, 128]);
  assertEquals(byName["transformer.wpe.weight"], [64, 128]);
  assertEquals(byName["transformer.h.3.attn.c_attn.weight"], [384, 128]);
  assertEquals(byName["transformer.h.0.mlp.c_proj.weight"], [128, 512]);
  assertEquals(byName["transformer.ln_f.bias"], [128]);
  assertEquals(schema.length, 2 + 4 * 12 + 2);
  // nanoGPT's count without position embeddings: 0.80M for this config
  const n = schema.reduce((s, p) => s + p.shape.reduce((a, b) => a * b), 0);
  assertEquals(n - 64 * 128, 4 * (12 * 128 * 128 + 13 * 128) + 90 * 128 + 256);
});

const VALUES = initValues(gpt(CONFIG).schema, 1);
let cpuFast: GptRun | undefined; // the reference run, shared by both tests

async function reference(): Promise<GptRun> {
  cpuFast ??= await trainGpt({
    config: CONFIG,
    batch: BATCH,
    steps: STEPS,
    backend: "cpu",
    values: VALUES,
  });
  return cpuFast;
}

Deno.test("20 steps from the same weights: fast and plain ops on cpu and wasm agree within 1e-4", async () => {
  const base = await reference();
  assert(
    base.losses[STEPS - 1] < base.losses[0] - 0.05,
    `the loss should fall over 20 steps: ${base.losses[0]} → ${
      base.losses[STEPS - 1]
    }`,
  );
  for (const backend of ["cpu", "wasm"] as const) {
    for (const ops of ["fast", "plain"] as const) {
      const run = await trainGpt({
        config: CONFIG,
        batch: BATCH,
        steps: STEPS,
        backend,
        ops,
        values: VALUES,
      });
      const gap = maxGap(run.losses, base.losses);
      assert(gap < 1e-4, `${backend} ${ops} vs cpu fast: ${gap}`);
    }
  }
});

// ---- parity with PyTorch (ignored, never passed, without torch) ----

const TORCH = (await torchAvailable()).ok;

Deno.test({
  name:
    "20 steps from the same weights: PyTorch's nanoGPT twin agrees within 1e-4",
  ignore: !TORCH,
  fn: async () => {
    const torch = await torchGpt({
      config: CONFIG,
      batch: BATCH,
      steps: STEPS,
      values: VALUES,
    });
    const gap = maxGap((await reference()).losses, torch.losses);
    assert(gap < 1e-4, `tfjs vs PyTorch: ${gap}`);
  },
});

Deno.test("a training step leaves as many tensors as the one before", async () => {
  for (const backend of ["cpu", "wasm"] as const) {
    const before = tf.memory().numTensors;
    const run = await trainGpt({
      config: CONFIG,
      batch: BATCH,
      steps: 5,
      backend,
    });
    assertEquals(
      new Set(run.numTensors).size,
      1,
      `${backend}: tensors per step ${run.numTensors.join(", ")}`,
    );
    assertEquals(tf.memory().numTensors, before, `${backend}: after training`);
  }
});

Deno.test("the forward returns logits [B, T, vocabSize] and one attention per layer, rows summing to 1", async () => {
  await useBackend("cpu");
  const model = new Model(gpt(CONFIG));
  const ids = [[1, 2, 3], [4, 5, 6]];
  for (const ops of ["fast", "plain"] as const) {
    const { output, attention } = model.forward(ids, { ops });
    assertEquals(output.shape, [2, 3, 20]);
    assertEquals(attention.length, 2);
    assertEquals(attention[0].shape, [2, 2, 3, 3]);
    const rows = tf.tidy(() => tf.sum(attention[1], -1).dataSync());
    assert(rows.every((s) => Math.abs(s - 1) < 1e-6));
    assertEquals(attention[0].dataSync()[1], 0, "no query sees a later key");
    tf.dispose([output, ...attention]);
  }
  model.dispose();
});

Deno.test("bad input gets one sentence", async () => {
  await useBackend("cpu");
  assertThrows(() => gpt({ dModel: 10, numHeads: 4 }), RangeError, "divide");
  assertThrows(
    () => gpt({ layers: 2 } as never),
    RangeError,
    "unknown GPT setting",
  );
  assertThrows(() => gpt({ numLayers: 0 }), RangeError, "numLayers");
  const model = new Model(gpt(CONFIG));
  assertThrows(
    () => model.forward([[1, 99]]),
    RangeError,
    "outside the vocabulary",
  );
  assertThrows(() => model.forward([[1, 2], [3]]), RangeError, "same length");
  assertThrows(
    () => model.forward([Array(13).fill(0)]),
    RangeError,
    "blockSize 12",
  );
  assertThrows(() => model.forward("abc" as never), TypeError, "[B, T]");
  assertThrows(
    () => model.forward([[1]], { ops: "fused" as never }),
    RangeError,
    '"fast" or "plain"',
  );
  const result = model.forward([[1, 2]]);
  assertThrows(
    () => nextTokenLoss().compute(result, [[1, 20]]),
    RangeError,
    "outside the vocabulary",
  );
  tf.dispose([result.output, ...result.attention]);
  model.dispose();
});
