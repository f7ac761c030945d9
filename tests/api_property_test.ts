// Issue 25's property test (harness: tests/_property.ts) over lib/mod.ts,
// chapter 7's mod.ts and chapter 9's pretrained.ts without the 26 MB model
// (its methods: api_property_pretrained_test.ts), and issue 25's library
// cases, each with the sentence it must answer.
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import * as lib from "../lib/mod.ts";
import * as chapter7 from "../lib/chapters/07_attention_from_a_task/mod.ts";
import * as chapter9 from "../lib/chapters/09_a_pretrained_transformer/pretrained.ts";
import {
  type Base,
  disposedTensor,
  method,
  own,
  propertyTests,
  release,
} from "./_property.ts";

// A small experiment, made fresh where a call could change it.
const experiment = (overrides: Partial<lib.AttentionConfig> = {}) =>
  lib.prepareExperiment({ epochs: 2, ...overrides });
const geometryExperiment = () => experiment({ dModel: 2 });
const weights = () => experiment().tokens.map((_, i, a) => (i + 1) / a.length);
const normalised = () => {
  const w = weights();
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / s);
};
const bars = () => [{ label: "a", value: 0.4 }, { label: "b", value: 0.6 }];
const cells = () =>
  lib.matrixCells([[1, 2], [3, 4]], { rows: ["a", "b"], columns: ["c", "d"] });
const headWeights = () => [[[0.5, 0.5], [0.25, 0.75]]];
const block = () => lib.initBlockWeights(4, 8, { seed: 1 });
// Some of a block's weights as tensors; the others are freed.
function someWeights(names: string[]): Record<string, tf.Tensor> {
  const all = lib.initBlockWeights(4, 8, { seed: 2 }) as unknown as Record<
    string,
    tf.Tensor
  >;
  const kept: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(all)) {
    if (names.includes(name)) kept[name] = t;
    else if (t instanceof tf.Tensor) t.dispose();
  }
  return kept;
}
const mhWeights = () =>
  someWeights(["inProjWeight", "inProjBias", "outProjWeight", "outProjBias"]);
const ffWeights = () =>
  someWeights(["linear1Weight", "linear1Bias", "linear2Weight", "linear2Bias"]);
const x = () => [[0.1, 0.2, 0.3, 0.4], [0.5, -0.6, 0.7, 0.8]];
const parameters = () => lib.initParameters(5, 3, { seed: 1 });
const corpus = () => chapter7.buildCorpus({ seed: 1 });
const taskConfig = { steps: 2, batchSize: 8, dModel: 4, hidden: 8 };
const trainResult = () => ({
  history: [{ epoch: 0, loss: 1 }, { epoch: 1, loss: 0.5 }],
  finalLoss: 0.25,
  weightHistory: [normalised(), normalised()],
  finalWeights: normalised(),
  initialParameters: lib.initParameters(
    experiment().vocabulary.words.length,
    experiment().config.dModel,
    { seed: 1 },
  ),
  finalParameters: lib.initParameters(
    experiment().vocabulary.words.length,
    experiment().config.dModel,
    { seed: 2 },
  ),
});
const demoModel = () => new lib.AttentionModel(parameters());
const linear = (): lib.ModelDefinition<tf.Tensor | number[][]> => ({
  name: "linear",
  schema: [{ name: "w", shape: [2, 1], init: { kind: "uniform", bound: 1 } }],
  forward: (p, input) => ({
    output: tf.matMul(input as tf.Tensor2D, p.w),
    attention: [],
  }),
});
const quietDisplay = () => {};

const BASES: Record<string, Base> = {
  // lib/mod.ts: the model contract and the trainer
  Model: {
    params: ["definition", "options"],
    args: () => [linear(), { seed: 1 }],
  },
  "Model.forward": {
    params: ["input"],
    args: () => [[[1, 2]]],
    call: method(
      () => new lib.Model(linear()),
      (m, a) => m.forward(a as never),
    ),
    skip: {},
  },
  "Model.load": {
    params: ["values"],
    args: () => [{ w: [1, 2] }],
    call: method(() => new lib.Model(linear()), (m, a) => m.load(a as never)),
  },
  train: {
    params: ["model", "loss", "data", "options"],
    args: () => {
      const model = new lib.Model(linear());
      own(model);
      const loss: lib.Loss<number> = {
        name: "squared",
        compute: (r, y) => tf.sub(r.output, y).square().sum() as tf.Scalar,
      };
      return [model, loss, () => ({ input: [[1, 2]], target: 1 }), {
        steps: 2,
      }];
    },
  },
  // attention ops
  scaledDotProductAttention: {
    params: ["q", "k", "v", "options"],
    args: () => [x(), x(), x(), {}],
  },
  causalMask: { params: ["seqLen"], args: () => [3] },
  multiHeadAttention: {
    params: ["x", "weights", "options"],
    args: () => [[x()], mhWeights(), { numHeads: 2 }],
  },
  embeddingLookup: {
    params: ["table", "ids"],
    args: () => [tf.tensor2d([[1, 2], [3, 4]]), [1, 0]],
  },
  // block
  blockDefinition: {
    params: ["options"],
    args: () => [{ dModel: 4, dFF: 8, numHeads: 2 }],
  },
  blockWeightShapes: { params: ["dModel", "dFF"], args: () => [4, 8] },
  feedForward: { params: ["x", "weights"], args: () => [x(), ffWeights()] },
  initBlockWeights: {
    params: ["dModel", "dFF", "options"],
    args: () => [4, 8, { seed: 1 }],
  },
  layerNorm: { params: ["x", "options"], args: () => [x(), {}] },
  learnedPositionTable: {
    params: ["maxLen", "dModel", "options"],
    args: () => [4, 3, { seed: 1 }],
  },
  sinusoidalPositions: {
    params: ["seqLen", "dModel", "options"],
    args: () => [4, 6, {}],
  },
  transformerBlock: {
    params: ["x", "weights", "options"],
    args: () => [[x()], block(), { numHeads: 2 }],
  },
  // the demo
  resolveConfig: {
    params: ["overrides"],
    args: () => [{ epochs: 3 }],
    aliases: { overrides: ["settings", "setting"] },
  },
  buildVocabulary: { params: ["tokens"], args: () => [["a", "b", "a"]] },
  tokenize: { params: ["sentence", "options"], args: () => ["It is.", {}] },
  prepareExperiment: {
    params: ["overrides"],
    args: () => [{ epochs: 2 }],
    aliases: { overrides: ["settings", "setting"] },
  },
  initParameters: {
    params: ["vocabSize", "dModel", "options"],
    args: () => [5, 3, { seed: 1 }],
  },
  attentionDefinition: { params: ["vocabSize", "dModel"], args: () => [5, 3] },
  AttentionModel: { params: ["parameters"], args: () => [parameters()] },
  "AttentionModel.forward": {
    params: ["tokenIds", "focusPosition"],
    args: () => [[0, 1, 2], 1],
    call: method(demoModel, (m, a, b) => m.forward(a as never, b as never)),
  },
  "AttentionModel.focusWeights": {
    params: ["tokenIds", "focusPosition"],
    args: () => [[0, 1, 2], 1],
    call: method(
      demoModel,
      (m, a, b) => m.focusWeights(a as never, b as never),
    ),
  },
  "AttentionModel.gradients": {
    params: ["tokenIds", "options"],
    args: () => [[0, 1, 2], {
      focusPosition: 1,
      loss: lib.createSizeLoss(3, [2]),
    }],
    call: method(demoModel, (m, a, b) => m.gradients(a as never, b as never)),
  },
  focusRowLoss: {
    params: ["loss"],
    args: () => [lib.createSizeLoss(3, [1])],
  },
  sizeLoss: {
    params: ["weights", "sizePositions"],
    args: () => [tf.tensor1d([0.2, 0.3, 0.5]), [1]],
  },
  createSizeLoss: { params: ["seqLen", "sizePositions"], args: () => [3, [1]] },
  sizeLossFloor: { params: ["numSizePositions"], args: () => [2] },
  trainExperiment: {
    params: ["experiment", "options"],
    args: () => [experiment(), {}],
  },
  analyzeAttention: {
    params: ["experiment", "weights"],
    args: () => [experiment(), normalised()],
  },
  formatAnalysis: {
    params: ["analysis"],
    args: () => [lib.analyzeAttention(experiment(), normalised())],
  },
  formatEpoch: { params: ["epoch", "loss"], args: () => [3, 0.5] },
  progressLines: {
    params: ["history", "options"],
    args: () => [[{ epoch: 0, loss: 1 }, { epoch: 20, loss: 0.5 }], {}],
  },
  learningRateWarning: { params: ["learningRate"], args: () => [10] },
  // charts
  tokenLabels: { params: ["tokens"], args: () => [["a", "b", "a"]] },
  attentionBars: { params: ["records", "options"], args: () => [bars(), {}] },
  signedBars: { params: ["records", "options"], args: () => [bars(), {}] },
  weightBars: {
    params: ["experiment", "weights"],
    args: () => [experiment(), normalised()],
  },
  lineChart: {
    params: ["records", "options"],
    args: () => [[{ x: 0, y: 1 }, { x: 1, y: 2 }], {}],
  },
  lossCurve: {
    params: ["history", "options"],
    args: () => [[{ epoch: 0, loss: 1 }, { epoch: 1, loss: 0.5 }], {}],
  },
  lossHistory: { params: ["result"], args: () => [trainResult()] },
  trajectoryPoints: {
    params: ["experiment", "result", "options"],
    args: () => [experiment(), trainResult(), {}],
  },
  weightTrajectories: {
    params: ["records", "options"],
    args: () => [
      lib.trajectoryPoints(experiment(), trainResult()),
      {},
    ],
  },
  colorDomain: { params: ["values"], args: () => [[1, 2, 3]] },
  heatmap: { params: ["cells", "options"], args: () => [cells(), {}] },
  matrixCells: {
    params: ["matrix", "options"],
    args: () => [[[1, 2]], { rows: ["a"], columns: ["c", "d"] }],
  },
  attentionLines: {
    params: ["records", "options"],
    args: () => [bars(), { focus: "a" }],
  },
  headRowBars: {
    params: ["weights", "options"],
    args: () => [headWeights(), { tokens: ["a", "b"], query: 0 }],
  },
  headView: {
    params: ["weights", "options"],
    args: () => [headWeights(), { tokens: ["a", "b"] }],
  },
  attentionHeadView: {
    params: ["weights", "options"],
    args: () => [headWeights(), { tokens: ["a", "b"] }],
  },
  attentionModelView: {
    params: ["weights", "options"],
    args: () => [headWeights(), { tokens: ["a", "b"] }],
  },
  queryKeyView: {
    params: ["vectors", "options"],
    args: () => [{ q: [[1, 0], [0, 1]], k: [[1, 1], [0, 1]] }, {
      tokens: ["a", "b"],
    }],
  },
  pipelineMap: { params: ["options"], args: () => [{}] },
  geometryPoints: {
    params: ["experiment", "snapshots"],
    args: () => {
      const e = geometryExperiment();
      const p = lib.initParameters(e.vocabulary.words.length, 2, { seed: 1 });
      return [e, [{ epoch: 0, parameters: p }]];
    },
  },
  queryKeyGeometry: {
    params: ["points", "options"],
    args: () => {
      const e = geometryExperiment();
      const p = lib.initParameters(e.vocabulary.words.length, 2, { seed: 1 });
      return [lib.geometryPoints(e, [{ epoch: 0, parameters: p }]), {}];
    },
  },
  chartRow: { params: ["charts"], args: () => [[lib.pipelineMap()]] },
  toSvgString: { params: ["chartElement"], args: () => [lib.pipelineMap()] },
  experimentCharts: {
    params: ["experiment", "result", "options"],
    args: () => [experiment(), trainResult(), {}],
  },
  // notebook helpers
  keep: {
    params: ["name", "value"],
    args: () => ["api-property", [1, 2]],
    skip: { 1: "keep takes any value, tensor or not" },
  },
  liveView: {
    params: ["frame", "options"],
    args: () => [() => lib.chartRow([]), { display: quietDisplay }],
  },
  trainLive: {
    params: ["experiment", "options"],
    args: () => [experiment(), { display: quietDisplay }],
  },
  check: {
    params: ["id", "answer"],
    args: () => ["01.vocab-size", 42],
    skip: { 1: "any answer is checked, and a wrong one is an answer" },
  },
  // chapter 7
  "chapter7.buildCorpus": {
    params: ["options"],
    args: () => [{ seed: 1 }],
    call: (...a) => chapter7.buildCorpus(a[0] as never),
  },
  "chapter7.makeSentence": {
    params: ["template", "pair", "adjective"],
    args: () => [0, ["book", "box"], "big"],
    call: (...a) =>
      chapter7.makeSentence(a[0] as never, a[1] as never, a[2] as never),
  },
  "chapter7.encode": {
    params: ["vocabulary", "sentences"],
    args: () => [["<unk>", "it", "is"], [["it", "is"]]],
    call: (...a) => chapter7.encode(a[0] as never, a[1] as never),
  },
  "chapter7.taskDefinition": {
    params: ["vocabSize", "config"],
    args: () => [10, {}],
    call: (...a) => chapter7.taskDefinition(a[0] as never, a[1] as never),
  },
  "chapter7.TaskModel": {
    params: ["vocabSize", "config"],
    args: () => [10, { dModel: 4 }],
    call: (...a) => new chapter7.TaskModel(a[0] as never, a[1] as never),
  },
  "chapter7.TaskModel.forward": {
    params: ["batch"],
    args: () => [chapter7.encode(["<unk>", "it", "is"], [["it", "is"]])],
    call: method(
      () => new chapter7.TaskModel(3, { dModel: 4 }),
      (m, a) => m.forward(a as never),
    ),
  },
  "chapter7.evaluateTask": {
    params: ["model", "vocabulary", "sentences"],
    args: () => {
      const c = corpus();
      const model = new chapter7.TaskModel(c.vocabulary.length, { dModel: 4 });
      own(model);
      return [model, c.vocabulary, c.test.slice(0, 4)];
    },
    call: (...a) =>
      chapter7.evaluateTask(a[0] as never, a[1] as never, a[2] as never),
  },
  "chapter7.focusAttention": {
    params: ["rows", "options"],
    args: () => [[{ label: "r", words: ["a", "b"], weights: [0.5, 0.5] }], {}],
    call: (...a) => chapter7.focusAttention(a[0] as never, a[1] as never),
  },
  "chapter7.trainTask": {
    params: ["corpus", "options"],
    args: () => [corpus(), { config: taskConfig }],
    sample: 12,
    call: (...a) => chapter7.trainTask(a[0] as never, a[1] as never),
  },
  "chapter7.trainTaskLive": {
    params: ["corpus", "options"],
    args: () => [corpus(), { config: taskConfig, display: quietDisplay }],
    sample: 12,
    call: (...a) => chapter7.trainTaskLive(a[0] as never, a[1] as never),
  },
  // chapter 9 (the model itself is loaded only in tests/integration/)
  "chapter9.tokenizeSubwords": {
    params: ["text", "vocabulary"],
    args: () => ["an an", [
      ...["<unk>", "<s>", "</s>", "x", "y", "z"].map((p) => [p, 0]),
      ["▁an", -1],
      ["▁", -5],
      ["a", -5],
      ["n", -5],
    ]],
    call: (...a) => chapter9.tokenizeSubwords(a[0] as never, a[1] as never),
  },
  "chapter9.subwordWords": {
    params: ["pieces"],
    args: () => [["▁an", "▁e", "lephant"]],
    call: (...a) => chapter9.subwordWords(a[0] as never),
  },
};

// Exports that are not called: constants, and what needs the 26 MB model.
const NOT_CALLED: Record<string, string> = {
  BLOCK_WEIGHT_NAMES: "a constant",
  CROSS_ENTROPY: "a constant (its compute is exercised through train)",
  DEFAULT_CONFIG: "a constant",
  "chapter7.DEFAULT_TASK_CONFIG": "a constant",
  "chapter7.TEMPLATES": "a constant",
  "chapter7.UNKNOWN": "a constant",
  "chapter9.PRETRAINED_MODEL": "a constant",
  "chapter9.WORD_START": "a constant",
  "chapter9.loadPretrained": "loads 26 MB: api_property_pretrained_test.ts",
  "chapter9.PretrainedModel":
    "with its methods: api_property_pretrained_test.ts",
};

propertyTests("lib/mod.ts, chapters 7 and 9", {
  modules: { "": lib, chapter7, chapter9 },
  bases: BASES,
  notCalled: NOT_CALLED,
  minCalls: 500,
});

// Issue 25's library cases, each with the sentence it must answer.
Deno.test("issue 25's library cases answer in one short sentence", async (t) => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      'tokenize("it", null)',
      () => lib.tokenize("it", null as never),
      /options must be an object/,
    ],
    [
      "scaledDotProductAttention(q, k, v, null)",
      () => lib.scaledDotProductAttention(x(), x(), x(), null as never),
      /options must be an object/,
    ],
    [
      "scaledDotProductAttention with 1e39",
      () => lib.scaledDotProductAttention([[1e39, 1]], [[1, 1]], [[1, 1]]),
      /q holds a NaN or infinite number \(1e\+39 is infinite in float32/,
    ],
    ["Model.forward(null)", () => {
      const m = new lib.Model(linear());
      try {
        return m.forward(null as never);
      } finally {
        m.dispose();
      }
    }, /input must be given/],
    ["Model.forward(disposed tensor)", () => {
      const m = new lib.Model(linear());
      try {
        return m.forward(disposedTensor());
      } finally {
        m.dispose();
      }
    }, /input is \(or holds\) a disposed tensor/],
    [
      "embeddingLookup(disposed table)",
      () => lib.embeddingLookup(disposedTensor() as tf.Tensor2D, [0]),
      /table is a disposed tensor/,
    ],
    [
      'buildVocabulary("abc")',
      () => lib.buildVocabulary("abc" as never),
      /tokens must be a list of strings/,
    ],
    [
      "analyzeAttention with NaN weights",
      () =>
        lib.analyzeAttention(experiment(), experiment().tokens.map(() => NaN)),
      /weight 0 is NaN/,
    ],
    [
      "sizeMask(2**31, [0]) via createSizeLoss",
      () => lib.createSizeLoss(2 ** 31, [0]),
      /seqLen must be a whole number from 1 to 67108864/,
    ],
    [
      "initBlockWeights(1e5, 1e5)",
      () => lib.initBlockWeights(1e5, 1e5),
      /dModel 100000 × dFF 100000 would need/,
    ],
    [
      "learnedPositionTable(1e6, 1e4)",
      () => lib.learnedPositionTable(1e6, 1e4),
      /maxLen 1000000 × dModel 10000 would need/,
    ],
    [
      "sinusoidalPositions(40000, 25000)",
      () => lib.sinusoidalPositions(40000, 25000),
      /seqLen 40000 × dModel 25000 would need/,
    ],
    [
      "chapter 7's TaskModel with 1e9 words",
      () => new chapter7.TaskModel(1e9),
      /vocabSize 1000000000 × dModel 16 would need/,
    ],
    [
      "initBlockWeights(4, 8, null)",
      () => lib.initBlockWeights(4, 8, null as never),
      /options must be an object/,
    ],
    [
      "trainExperiment(e, null)",
      () => lib.trainExperiment(experiment(), null as never),
      /options must be an object/,
    ],
    [
      "trainExperiment(e, {loss: {}})",
      () =>
        lib.trainExperiment(experiment({ epochs: 5 }), { loss: {} as never }),
      /loss must be a row loss/,
    ],
    ["a hand-built experiment with tokens × epochs over the limit", () => {
      const e = experiment();
      return lib.trainExperiment({
        ...e,
        config: { ...e.config, epochs: 100000 },
        tokenIds: Array(10000).fill(0),
      });
    }, /10000 tokens × 100000 epochs is too much/],
    [
      "a custom loss returning NaN (the tfjs path)",
      () =>
        lib.trainExperiment(experiment({ epochs: 5 }), {
          loss: {
            name: "nan",
            tensor: (tfjs, w) => tfjs.sum(w).mul(NaN) as tf.Scalar,
          },
        }),
      /training stopped at step 0: the nan is NaN/,
    ],
    [
      "a custom loss returning NaN (the hand-written path)",
      () =>
        lib.trainExperiment(experiment({ epochs: 5 }), {
          loss: {
            name: "nan",
            tensor: (tfjs, w) => tfjs.sum(w).mul(NaN) as tf.Scalar,
            evaluate: () => NaN,
          },
        }),
      /stopped at (step|epoch) 0.*NaN/,
    ],
  ];
  for (const [name, run, expected] of cases) {
    await t.step(name, async () => {
      const before = tf.memory().numTensors;
      let error: unknown;
      try {
        release(await run());
      } catch (e) {
        error = e;
      }
      assert(
        error instanceof TypeError || error instanceof RangeError,
        `${name}: ${error}`,
      );
      const message = (error as Error).message;
      assert(expected.test(message), `${name}: ${message}`);
      assert(message.length < 300, message);
      assertEquals(tf.memory().numTensors, before, `${name} leaked`);
    });
  }
});
