// Issue 25's property test (harness: tests/_property.ts) over chapter 10's
// mod.ts, chapter 11's mod.ts and chapter 12's scaled_gpt.ts and decode.ts
// (what notebook 12 imports from that folder), with tiny models: every
// function, class and method answers bad values in one short sentence that
// names the argument, with no leaked tensor.
import * as tf from "@tensorflow/tfjs";
import { Model } from "../lib/core/model.ts";
import { gpt, type GptConfig } from "../lib/core/gpt.ts";
import * as chapter10 from "../lib/chapters/10_induction_heads/mod.ts";
import * as chapter11 from "../lib/chapters/11_a_small_gpt/mod.ts";
import * as scaled from "../lib/chapters/12_attention_at_scale/scaled_gpt.ts";
import * as decode from "../lib/chapters/12_attention_at_scale/decode.ts";
import { type Base, method, own, propertyTests } from "./_property.ts";

const quietDisplay = () => {};

// Chapter 10: sequences of 9 tokens over 8 ids, a model of width 8.
const sequences = { vocabSize: 8, seqLen: 9, minPeriod: 2, maxPeriod: 4 };
const modelConfig = () => ({
  layers: 2,
  heads: 2,
  dModel: 8,
  vocabSize: 8,
  seqLen: 9,
});
const trainingConfig = () => ({
  steps: 2,
  batchSize: 2,
  evaluateEvery: 1,
  evaluationSize: 2,
  sequences: { ...sequences },
  model: modelConfig(),
});
const inductionModel = () =>
  own(new Model(chapter10.inductionModel(modelConfig()), { seed: 1 }));
const batch = () =>
  chapter10.repeatedSequences(2, { seed: 1, config: { ...sequences } });
const weights4 = () =>
  tf.tensor4d([[[[1, 0, 0], [0.5, 0.5, 0], [0.2, 0.3, 0.5]]]]); // [B, h, T, T]
const weights3 = () => [[[1, 0, 0], [0.5, 0.5, 0], [0.2, 0.3, 0.5]]]; // [B][T][T]
const stepRecord = () => ({
  step: 0,
  loss: 2,
  metrics: {
    repeatedLoss: 0.5,
    firstBlockLoss: 2,
    previousToken: 0.4,
    induction: 0.3,
  },
});

// Chapter 11: a vocabulary of 3 characters, a one-layer GPT of width 8.
const gptConfig = (): GptConfig => ({
  vocabSize: 4,
  blockSize: 8,
  numLayers: 1,
  numHeads: 2,
  dModel: 8,
});
const longConfig = (): GptConfig => ({ ...gptConfig(), blockSize: 32 });
const vocabulary = () => new chapter11.Vocabulary(["a", "b", "c"]);
const smallGpt = (config = gptConfig()) =>
  own(new Model(gpt(config), { seed: 1 }));
const ids = () => Uint8Array.from({ length: 40 }, (_, i) => (i * 7) % 4);
const values = () => {
  const model = new Model(gpt(gptConfig()), { seed: 1 });
  try {
    return model.values();
  } finally {
    model.dispose();
  }
};
const checkpoint = () => ({
  config: gptConfig(),
  vocabulary: vocabulary(),
  values: values(),
  step: 0,
  info: {},
});
const sample = () => chapter11.fixedSample(ids(), { windows: 2, blockSize: 4 });
const folder = Deno.makeTempDirSync({ prefix: "api_property_" });
const saved = `${folder}/saved.safetensors`;
chapter11.saveCheckpoint(saved, checkpoint());
const address = (year: number) => ({
  year,
  name: "A. Name",
  party: "none",
  text: "We the people.",
});
const trainingSettings = () => ({
  model: { blockSize: 8, numLayers: 1, numHeads: 2, dModel: 8 },
  batchSize: 2,
  steps: 2,
  warmupSteps: 0,
  evaluateEvery: 1,
  evaluateWindows: 2,
  checkpointEvery: 1,
});
// A cache and the model it reads, disposed together.
function withCache<C extends { dispose(): void }>(
  makeModel: () => Model<number[][], never>,
  makeCache: (model: Model<number[][], never>) => C,
) {
  return () => {
    const model = makeModel();
    const cache = makeCache(model);
    return {
      cache,
      dispose() {
        cache.dispose();
        model.dispose();
      },
    };
  };
}

// Chapter 12: grouped-query attention (one kv head for two) with RoPE.
const scaledConfig = () => ({
  vocabSize: 5,
  blockSize: 8,
  numLayers: 1,
  numHeads: 2,
  dModel: 8,
  numKvHeads: 1,
  positions: "rope" as const,
});
const scaledModel = () =>
  own(new Model(scaled.scaledGpt(scaledConfig()), { seed: 1 }));
const multiHeadValues = () => {
  const model = new Model(
    scaled.scaledGpt({ ...scaledConfig(), numKvHeads: 2 }),
    { seed: 1 },
  );
  try {
    return model.values();
  } finally {
    model.dispose();
  }
};

// Left out, an argument or field takes its default: a training run of
// minutes (800 or 3000 steps, or chapter 11's full-size model).
const slow = { undefined: "the default is a run of minutes" };
const LONG_DEFAULTS = {
  options: slow,
  config: slow,
  settings: slow,
  steps: slow,
  model: slow,
  evaluateWindows: slow,
};

const BASES: Record<string, Base> = {
  // chapter 10: data
  "chapter10.resolveSequenceConfig": {
    params: ["config"],
    args: () => [{ ...sequences }],
  },
  "chapter10.repeatedSequences": {
    params: ["batchSize", "options"],
    args: () => [2, { seed: 1, config: { ...sequences } }],
  },
  "chapter10.predictionMasks": {
    params: ["periods", "seqLen"],
    args: () => [[2, 3], 9],
  },
  // loss
  "chapter10.predictionLosses": {
    params: ["logits", "tokens"],
    args: () => [tf.randomNormal([1, 3, 8], 0, 1, "float32", 1), [[0, 1, 2]]],
  },
  "chapter10.nextTokenLoss": {
    params: ["logits", "tokens"],
    args: () => [tf.randomNormal([1, 3, 8], 0, 1, "float32", 1), [[0, 1, 2]]],
  },
  "chapter10.maskedMean": {
    params: ["losses", "mask"],
    args: () => [[[1, 2, 3]], [[1, 0, 1]]],
  },
  // model
  "chapter10.resolveModelConfig": {
    params: ["config"],
    args: () => [modelConfig()],
  },
  "chapter10.inductionSchema": {
    params: ["config"],
    args: () => [chapter10.resolveModelConfig(modelConfig())],
  },
  "chapter10.inductionModel": {
    params: ["config"],
    args: () => [modelConfig()],
  },
  // scores
  "chapter10.previousTokenScoreLoop": {
    params: ["weights"],
    args: () => [weights3()],
  },
  "chapter10.inductionScoreLoop": {
    params: ["weights", "periods"],
    args: () => [weights3(), [1]],
  },
  "chapter10.previousTokenScores": {
    params: ["weights"],
    args: () => [weights4()],
  },
  "chapter10.inductionScores": {
    params: ["weights", "periods"],
    args: () => [weights4(), [1]],
  },
  // training
  "chapter10.resolveTraining": {
    params: ["config"],
    args: () => [trainingConfig()],
  },
  "chapter10.batchSeed": { params: ["seed", "step"], args: () => [1, 2] },
  "chapter10.heldOutSeed": { params: ["seed"], args: () => [1] },
  "chapter10.inductionData": {
    params: ["config"],
    args: () => [chapter10.resolveTraining(trainingConfig())],
  },
  "chapter10.heldOutBatch": {
    params: ["config"],
    args: () => [chapter10.resolveTraining(trainingConfig())],
  },
  "chapter10.measure": {
    params: ["model", "batch", "options"],
    args: () => [inductionModel(), batch(), { ablate: [] }],
  },
  "chapter10.phaseMetrics": {
    params: ["m"],
    args: () => [{
      repeatedLoss: 1,
      firstBlockLoss: 2,
      positionLoss: [1, 2],
      previousToken: [[0.5, 0.1]],
      induction: [[0.2, 0.3]],
    }],
    aliases: { m: ["measures", "measurement"] },
  },
  "chapter10.trainInduction": {
    params: ["options"],
    args: () => [{ config: trainingConfig() }],
    skipBad: LONG_DEFAULTS,
    sample: 12,
  },
  "chapter10.firstStepBelow": {
    params: ["history", "threshold"],
    args: () => [
      { loss: "next-token", steps: [stepRecord()], stopped: "finished" },
      1,
    ],
  },
  // live
  "chapter10.phaseChangeView": {
    params: ["history", "options"],
    args: () => [[stepRecord()], { steps: 10 }],
  },
  "chapter10.trainInductionLive": {
    params: ["options"],
    args: () => [{ config: trainingConfig(), display: quietDisplay }],
    skipBad: {
      ...LONG_DEFAULTS,
      display: { undefined: "the default display needs a notebook kernel" },
    },
    sample: 12,
  },
  // chapter 11: corpus
  "chapter11.splitByYear": {
    params: ["addresses", "fromYear"],
    args: () => [[address(1999), address(2001)], 2000],
  },
  "chapter11.Vocabulary": {
    params: ["characters"],
    args: () => [["a", "b", "c"]],
  },
  "chapter11.Vocabulary.fromText": {
    params: ["text"],
    args: () => ["abc"],
    call: (a) => chapter11.Vocabulary.fromText(a as never),
  },
  "chapter11.Vocabulary.encode": {
    params: ["text"],
    args: () => ["abc"],
    call: (a) => vocabulary().encode(a as never),
  },
  "chapter11.Vocabulary.decode": {
    params: ["ids"],
    args: () => [[0, 1, 3]],
    call: (a) => vocabulary().decode(a as never),
  },
  "chapter11.randomBatch": {
    params: ["ids", "step", "options"],
    args: () => [ids(), 0, { blockSize: 4, batchSize: 2, seed: 1 }],
  },
  "chapter11.fixedSample": {
    params: ["ids", "options"],
    args: () => [ids(), { windows: 2, blockSize: 4 }],
  },
  // checkpoint
  "chapter11.encodeCheckpoint": {
    params: ["checkpoint"],
    args: () => [checkpoint()],
  },
  "chapter11.decodeCheckpoint": {
    params: ["bytes"],
    args: () => [chapter11.encodeCheckpoint(checkpoint())],
  },
  "chapter11.saveCheckpoint": {
    params: ["path", "checkpoint"],
    args: () => [`${folder}/written.safetensors`, checkpoint()],
  },
  "chapter11.loadCheckpoint": { params: ["path"], args: () => [saved] },
  // training
  "chapter11.resolveTraining": {
    params: ["settings"],
    args: () => [trainingSettings()],
  },
  "chapter11.nanoGptSchedule": {
    params: ["settings"],
    args: () => [chapter11.resolveTraining(trainingSettings())],
  },
  "chapter11.sampleLoss": {
    params: ["model", "sample", "options"],
    args: () => [smallGpt(), sample(), { chunk: 1 }],
  },
  "chapter11.runTraining": {
    params: ["corpus", "options"],
    args: () => [
      { train: ids(), validation: ids(), vocabulary: vocabulary() },
      { settings: trainingSettings() },
    ],
    skipBad: LONG_DEFAULTS,
    sample: 12,
  },
  // generation
  "chapter11.generate": {
    params: ["model", "config", "prompt", "options"],
    args: () => [smallGpt(), gptConfig(), [0, 1], {
      maxNewTokens: 2,
      seed: 1,
    }],
  },
  "chapter11.KvCache": {
    params: ["model", "config"],
    args: () => [smallGpt(), gptConfig()],
  },
  "chapter11.KvCache.prefill": {
    params: ["context"],
    args: () => [[0, 1, 2]],
    call: method(
      withCache(
        () => new Model(gpt(gptConfig()), { seed: 1 }) as never,
        (m) => new chapter11.KvCache(m as never, gptConfig()),
      ),
      (c, a) => c.cache.prefill(a as never),
    ),
  },
  "chapter11.KvCache.append": {
    params: ["id"],
    args: () => [1],
    call: method(
      withCache(
        () => new Model(gpt(gptConfig()), { seed: 1 }) as never,
        (m) => new chapter11.KvCache(m as never, gptConfig()),
      ),
      (c, a) => {
        c.cache.prefill([0, 1]);
        return c.cache.append(a as never);
      },
    ),
  },
  "chapter11.pick": {
    params: ["logits", "temperature", "topK", "next"],
    args: () => [new Float32Array([0, 3, 1]), 1, 2, () => 0.5],
  },
  // heads
  "chapter11.attentionOf": {
    params: ["model", "ids"],
    args: () => [smallGpt(), [0, 1, 2]],
  },
  "chapter11.headScores": {
    params: ["model", "passage", "half"],
    args: () => [
      smallGpt(longConfig()),
      Array.from({ length: 20 }, (_, i) => i % 4),
      [0, 1, 2, 3],
    ],
  },
  "chapter11.silenceHead": {
    params: ["values", "config", "layer", "head"],
    args: () => [values(), gptConfig(), 0, 1],
  },
  "chapter11.ablateHeads": {
    params: ["model", "config", "sample"],
    args: () => [smallGpt(), gptConfig(), sample()],
  },
  // chapter 12: scaled_gpt.ts
  "chapter12.resolveScaledGptConfig": {
    params: ["config"],
    args: () => [scaledConfig()],
  },
  "chapter12.scaledGptSchema": {
    params: ["config"],
    args: () => [scaledConfig()],
  },
  "chapter12.scaledGpt": { params: ["config"], args: () => [scaledConfig()] },
  "chapter12.scaledGpt.forward": {
    params: ["input", "options"],
    // the GPT's forward calls its input token ids
    aliases: { input: ["token id"] },
    args: () => [[[0, 1, 2, 3]], { window: 2, sinks: 1 }],
    call: method(
      () => new Model(scaled.scaledGpt(scaledConfig()), { seed: 1 }),
      (m, a, b) => m.forward(a as never, b as never),
    ),
  },
  "chapter12.poolKeyValueHeads": {
    params: ["values", "config", "numKvHeads"],
    args: () => [multiHeadValues(), { ...scaledConfig(), numKvHeads: 2 }, 1],
  },
  // decode.ts
  "chapter12.KvCache": {
    params: ["model", "config"],
    args: () => [scaledModel(), scaledConfig()],
  },
  "chapter12.KvCache.prefill": {
    params: ["ids"],
    args: () => [[0, 1, 2]],
    call: method(
      withCache(
        () => new Model(scaled.scaledGpt(scaledConfig()), { seed: 1 }) as never,
        (m) => new decode.KvCache(m as never, scaledConfig()),
      ),
      (c, a) => c.cache.prefill(a as never),
    ),
  },
  "chapter12.KvCache.append": {
    params: ["id"],
    args: () => [1],
    call: method(
      withCache(
        () => new Model(scaled.scaledGpt(scaledConfig()), { seed: 1 }) as never,
        (m) => new decode.KvCache(m as never, scaledConfig()),
      ),
      (c, a) => {
        c.cache.prefill([0, 1]);
        return c.cache.append(a as never);
      },
    ),
  },
  "chapter12.greedyDecode": {
    params: ["model", "config", "prompt", "options"],
    args: () => [scaledModel(), scaledConfig(), [0, 1], { steps: 2 }],
  },
};

const NOT_CALLED: Record<string, string> = {
  "chapter10.BOS": "a constant",
  "chapter10.DEFAULT_MODEL_CONFIG": "a constant",
  "chapter10.DEFAULT_SEQUENCE_CONFIG": "a constant",
  "chapter10.DEFAULT_TRAINING": "a constant",
  "chapter10.NEXT_TOKEN_LOSS":
    "a constant (its compute runs in trainInduction)",
  "chapter11.CHECKPOINT_FORMAT": "a constant",
  "chapter11.CHECKPOINT_URL": "a constant",
  "chapter11.DEFAULT_TRAINING": "a constant",
  "chapter11.DOCUMENT_SEPARATOR": "a constant",
  "chapter11.FALLBACK_CHARACTER": "a constant",
  "chapter11.SINK_FROM": "a constant",
  "chapter11.TIED_HEAD": "a constant",
  "chapter11.TRAINING_LOG_URL": "a constant",
  "chapter11.VALIDATION_FROM_YEAR": "a constant",
  "chapter11.VALIDATION_WINDOWS": "a constant",
  "chapter11.loadAddresses":
    "takes no arguments; reads the 10-million-character corpus",
};

propertyTests("chapters 10, 11 and 12", {
  modules: { chapter10, chapter11, chapter12: { ...scaled, ...decode } },
  bases: BASES,
  notCalled: NOT_CALLED,
  minCalls: 500,
});

// Last in this file (Deno runs a file's tests in order): the checkpoints go.
Deno.test("chapters 10, 11 and 12: the temporary checkpoint folder is removed", () => {
  Deno.removeSync(folder, { recursive: true });
});
