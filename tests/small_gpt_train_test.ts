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
  decodeCheckpoint,
  encodeCheckpoint,
  TIED_HEAD,
} from "../lib/chapters/11_a_small_gpt/checkpoint.ts";
import {
  fixedSample,
  randomBatch,
  splitByYear,
  Vocabulary,
} from "../lib/chapters/11_a_small_gpt/corpus.ts";
import {
  DEFAULT_TRAINING,
  nanoGptSchedule,
  resolveTraining,
  runTraining,
  sampleLoss,
} from "../lib/chapters/11_a_small_gpt/train.ts";
import { decodeSafetensors } from "../lib/core/safetensors.ts";
import { runTorchScript } from "./_reference.ts";

await useBackend("auto");

const TWIN = "bench/torch_gpt_char.py";
const python = (await Deno.permissions.query({
  name: "run",
  command: "/usr/bin/python3",
})).state === "granted";

Deno.test("nanoGptSchedule warms up linearly, then decays by a cosine to the minimum", () => {
  const lr = nanoGptSchedule({
    learningRate: 1e-3,
    minLearningRate: 1e-4,
    warmupSteps: 10,
    steps: 110,
  });
  assertAlmostEquals(lr(0), 1e-3 / 11, 1e-15);
  assertAlmostEquals(lr(9), 1e-3 * 10 / 11, 1e-15);
  assertAlmostEquals(lr(10), 1e-3, 1e-15);
  assertAlmostEquals(lr(60), 5.5e-4, 1e-15); // halfway: the mean of the two
  assertAlmostEquals(lr(110), 1e-4, 1e-15);
  assertAlmostEquals(lr(500), 1e-4, 1e-15);
});

Deno.test("training settings default to nanoGPT's CPU config and refuse bad values", () => {
  const s = resolveTraining();
  assertEquals(s.model, {
    blockSize: 64,
    numLayers: 4,
    numHeads: 4,
    dModel: 128,
  });
  assertEquals([s.batchSize, s.learningRate, s.beta2, s.weightDecay], [
    12,
    1e-3,
    0.99,
    0.1,
  ]);
  const model = new Model(gpt({ ...s.model, vocabSize: 91 }));
  // wte + wpe + 4 blocks (2 LayerNorms, c_attn, attention c_proj, c_fc, MLP c_proj) + ln_f
  const block = 2 * 256 + (128 * 384 + 384) + (128 * 128 + 128) +
    (128 * 512 + 512) + (512 * 128 + 128);
  assertEquals(model.parameterCount, 91 * 128 + 64 * 128 + 4 * block + 256);
  assertEquals(model.parameterCount, 813_184);
  model.dispose();
  assertThrows(() => resolveTraining({ steps: -1 }), RangeError, "steps");
  assertThrows(
    () => resolveTraining({ learningRate: 0 }),
    RangeError,
    "learningRate",
  );
  assertThrows(
    () => resolveTraining({ bogus: 1 } as never),
    RangeError,
    "unknown training setting",
  );
});

Deno.test("a checkpoint keeps nanoGPT's names, the vocabulary and the config, and reads back", () => {
  const vocabulary = Vocabulary.fromText("abc d");
  const config = resolveGptConfig({
    vocabSize: vocabulary.size,
    blockSize: 8,
    numLayers: 1,
    numHeads: 2,
    dModel: 8,
  });
  const values = initValues(gptSchema(config), 3);
  const bytes = encodeCheckpoint({
    config,
    vocabulary,
    values,
    step: 42,
    info: { note: "x" },
  });
  const raw = decodeSafetensors(bytes);
  assert("transformer.h.0.attn.c_attn.weight" in raw.tensors);
  assertEquals(raw.tensors[TIED_HEAD].data, values["transformer.wte.weight"]);
  assertEquals(JSON.parse(raw.metadata.vocabulary), [" ", "a", "b", "c", "d"]);
  const back = decodeCheckpoint(bytes);
  assertEquals(back.config, config);
  assertEquals(back.step, 42);
  assertEquals(back.info, { note: "x" });
  assertEquals(back.vocabulary.characters, vocabulary.characters);
  for (const name of Object.keys(values)) {
    assertEquals(back.values[name], values[name]);
  }
  assertThrows(
    () => decodeCheckpoint(bytes.slice(0, 4)),
    RangeError,
    "not a safetensors file",
  );
  assertThrows(
    () =>
      encodeCheckpoint({
        config,
        vocabulary: Vocabulary.fromText("ab"),
        values,
        step: 0,
        info: {},
      }),
    RangeError,
    "vocabSize",
  );
});

Deno.test({
  name: "a checkpoint read by numpy and PyTorch gives the library's loss",
  ignore: !python, // the unit tier runs without --allow-run
  fn: async () => {
    const text =
      "the union is strong. the state of the union is strong and growing. "
        .repeat(8);
    const vocabulary = Vocabulary.fromText(text);
    const config = resolveGptConfig({
      vocabSize: vocabulary.size,
      blockSize: 16,
      numLayers: 2,
      numHeads: 2,
      dModel: 16,
    });
    const values = initValues(gptSchema(config), 9);
    // Larger weights than the initialisation, so the loss is not just log(V).
    for (const v of Object.values(values)) {
      for (let i = 0; i < v.length; i++) v[i] *= 6;
    }
    const path = await Deno.makeTempFile({ suffix: ".safetensors" });
    Deno.writeFileSync(
      path,
      encodeCheckpoint({ config, vocabulary, values, step: 0, info: {} }),
    );
    const model = new Model(gpt(config), { values });
    const sample = fixedSample(vocabulary.encode(text + "§"), {
      windows: 30,
      blockSize: 16,
    });
    const ours = sampleLoss(model, sample, { chunk: 7 });
    model.dispose();
    const theirs = await runTorchScript<{ loss: number; characters: number }>(
      TWIN,
      {
        mode: "evaluate",
        checkpoint: path,
        text: text + "§",
        windows: 30,
      },
    );
    assertEquals(theirs.characters, 30 * 16);
    assert(Math.abs(ours - Math.log(vocabulary.size)) > 0.1, `loss ${ours}`);
    assertAlmostEquals(ours, theirs.loss, 1e-4);
    Deno.removeSync(path);
  },
});

Deno.test({
  name:
    "runTraining matches the PyTorch twin step by step from the same weights (nanoGPT's CPU config)",
  ignore: !python, // the unit tier runs without --allow-run
  fn: async () => {
    const split = splitByYear();
    const vocabulary = Vocabulary.fromText(split.train);
    const ids = vocabulary.encode(split.train);
    const settings = {
      steps: 5,
      warmupSteps: 2,
      evaluateEvery: 100,
      evaluateWindows: 2,
      checkpointEvery: 100,
    };
    const run = await runTraining(
      { train: ids, validation: ids.subarray(0, 1000), vocabulary },
      { settings },
    );
    const full = resolveTraining(settings);
    const config = resolveGptConfig({
      ...full.model,
      vocabSize: vocabulary.size,
    });
    const schedule = nanoGptSchedule(full);
    const theirs = await runTorchScript<{ losses: number[] }>(TWIN, {
      mode: "train",
      config,
      adam: {
        beta1: 0.9,
        beta2: full.beta2,
        epsilon: 1e-8,
        weightDecay: full.weightDecay,
      },
      values: Object.fromEntries(
        Object.entries(initValues(gptSchema(config), full.seed)).map((
          [k, v],
        ) => [k, Array.from(v)]),
      ),
      batches: Array.from(
        { length: 5 },
        (_, k) =>
          randomBatch(ids, k, {
            blockSize: 64,
            batchSize: 12,
            seed: full.seed,
          }),
      ),
      rates: Array.from({ length: 5 }, (_, k) => schedule(k)),
    });
    assertEquals(run.stopped, "finished");
    assertEquals(run.log.losses.length, 5);
    assert(
      run.log.losses[4] < run.log.losses[0] - 0.05,
      `losses ${run.log.losses}`,
    );
    run.log.losses.forEach((loss, k) =>
      assertAlmostEquals(
        loss,
        theirs.losses[k],
        1e-4,
        `step ${k}: ${loss} vs ${theirs.losses[k]}`,
      )
    );
  },
});

// A small corpus and model, for what needs many runs.
const TOY =
  "four score and seven years ago our fathers brought forth on this continent a new nation. "
    .repeat(20);
const TOY_VOCABULARY = Vocabulary.fromText(TOY);
const TOY_CORPUS = {
  train: TOY_VOCABULARY.encode(TOY),
  validation: TOY_VOCABULARY.encode(TOY.slice(0, 400)),
  vocabulary: TOY_VOCABULARY,
};
const TOY_SETTINGS = {
  model: { blockSize: 16, numLayers: 1, numHeads: 2, dModel: 16 },
  batchSize: 4,
  steps: 6,
  warmupSteps: 1,
  evaluateEvery: 3,
  evaluateWindows: 4,
  checkpointEvery: 2,
};

Deno.test("runTraining evaluates and checkpoints on schedule, and a resumed run draws the same batches", async () => {
  const saved: number[] = [];
  let atTwo;
  const whole = await runTraining(TOY_CORPUS, {
    settings: TOY_SETTINGS,
    onCheckpoint: (c, log) => {
      saved.push(c.step);
      if (c.step === 2) atTwo = { checkpoint: c, log: structuredClone(log) };
    },
  });
  assertEquals(saved, [2, 4, 6, 6]); // every 2 steps, and at the end
  assertEquals(whole.log.evaluations.map((e) => e.step), [0, 3, 6]);
  assert(atTwo);
  const resumed = await runTraining(TOY_CORPUS, { resume: atTwo });
  assertEquals(resumed.checkpoint.step, 6);
  assertEquals(resumed.log.losses.slice(0, 3), whole.log.losses.slice(0, 3));
  // Same weights after two steps, same batch: the same loss at step 2.
  assertAlmostEquals(resumed.log.losses[2], whole.log.losses[2], 1e-6);
  assertEquals(
    resumed.log.segments.map((s) => [s.fromStep, s.toStep, s.freshAdam]),
    [
      [0, 2, true],
      [2, 6, true],
    ],
  );
  assertEquals(resumed.log.evaluations.map((e) => e.step), [0, 3, 6]);
});

Deno.test("runTraining stops when its signal is aborted, saves, and leaks no tensors", async () => {
  const before = tf.memory().numTensors;
  const controller = new AbortController();
  const saved: number[] = [];
  const run = await runTraining(TOY_CORPUS, {
    settings: TOY_SETTINGS,
    signal: controller.signal,
    onStep: (step) => {
      if (step === 2) controller.abort();
    },
    onCheckpoint: (c) => saved.push(c.step),
  });
  assertEquals(run.stopped, "aborted");
  assertEquals(run.checkpoint.step, 3);
  assertEquals(saved, [2, 3]);
  assertEquals(tf.memory().numTensors, before);
  assertEquals(DEFAULT_TRAINING.steps, 5000);
});
