// Issue 25: a seeded property test over the whole public API. Every
// function and constructor exported by lib/mod.ts and the chapter modules
// (07's mod.ts, 09's pretrained.ts without loading the 26 MB model) is
// called with bad values in each argument position, and in each field of an
// options object: null, undefined, NaN, ±Infinity, a Symbol, a disposed
// tensor, a wrong-shape array, a huge size, a number finite in float64 but
// infinite in float32. Each call must return normally (with no NaN in a
// returned tensor) or throw a TypeError or RangeError whose message is under
// 300 characters and names the argument; never another error class, never a
// leaked tensor. The exports are enumerated, so a new export without a row
// in BASES fails the test. Set API_PROPERTY_SEED to replay a failure.
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import * as lib from "../lib/mod.ts";
import * as chapter7 from "../lib/chapters/07_attention_from_a_task/mod.ts";
import * as chapter9 from "../lib/chapters/09_a_pretrained_transformer/pretrained.ts";
import { mulberry32 } from "../lib/core/random.ts";

const SEED = Number(Deno.env.get("API_PROPERTY_SEED") ?? 20261204);
// API_PROPERTY_ONLY=regex fuzzes only the rows whose name matches.
const ONLY_PATTERN = Deno.env.get("API_PROPERTY_ONLY");
const ONLY = ONLY_PATTERN ? new RegExp(ONLY_PATTERN) : undefined;

// the library's one mulberry32 picks the cases
const generator = mulberry32;

function disposedTensor(): tf.Tensor {
  const t = tf.tensor2d([[1, 2], [3, 4]]);
  t.dispose();
  return t;
}

// The bad values, each made fresh for every call.
const BAD: Record<string, () => unknown> = {
  null: () => null,
  undefined: () => undefined,
  NaN: () => NaN,
  Infinity: () => Infinity,
  "-Infinity": () => -Infinity,
  Symbol: () => Symbol("bad"),
  "disposed tensor": disposedTensor,
  "wrong-shape array": () => [[1, 2, 3]],
  "huge size": () => 2 ** 31,
  "1e39 (infinite in float32)": () => 1e39,
  "float32-infinite array": () => [[1e39, 1], [1, 1]],
};

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

interface Base {
  // The parameter names, one per position (the message must name the one
  // that is bad; for an options field, the field's name).
  params: string[];
  // Valid arguments, made fresh for every call.
  args: () => unknown[];
  // How to call it (default: the export itself; `new` for a class).
  call?: (...args: unknown[]) => unknown;
  // Positions not to fuzz, with the reason (e.g. a value any type of which is valid).
  skip?: Record<number, string>;
  // Training rows take a second a call: fuzz a seeded sample of this many cases.
  sample?: number;
  // Other words a message may name an argument by ("settings" for overrides).
  aliases?: Record<string, string[]>;
}

// An instance for a method's row, disposed after the call.
let instance: { dispose(): void } | undefined;
function method<T extends { dispose(): void }>(
  make: () => T,
  run: (self: T, ...args: unknown[]) => unknown,
): (...args: unknown[]) => unknown {
  return (...args) => {
    const self = make();
    instance = self;
    return run(self, ...args);
  };
}

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
      instance = model;
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
      instance = model;
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
  "chapter9.loadPretrained": "takes no arguments; loads 26 MB (integration)",
  "chapter9.PretrainedModel": "needs the loaded graph (integration)",
};

function exported(): Map<string, unknown> {
  const all = new Map<string, unknown>();
  for (const [name, value] of Object.entries(lib)) all.set(name, value);
  for (const [name, value] of Object.entries(chapter7)) {
    all.set(`chapter7.${name}`, value);
  }
  for (const [name, value] of Object.entries(chapter9)) {
    all.set(`chapter9.${name}`, value);
  }
  return all;
}

function isClass(value: unknown): boolean {
  return typeof value === "function" &&
    /^class\b/.test(Function.prototype.toString.call(value));
}

// Frees what a call returned: tensors, models, nested records of them.
function release(value: unknown, depth = 0): void {
  if (depth > 4 || value === null || typeof value !== "object") return;
  if (value instanceof tf.Tensor) {
    value.dispose();
    return;
  }
  if (typeof (value as { dispose?: unknown }).dispose === "function") {
    (value as { dispose(): void }).dispose();
  }
  const items = Array.isArray(value) ? value : Object.values(value);
  if (items.length > 1000) return;
  for (const item of items) release(item, depth + 1);
}

// Tensors a call returned that hold NaN (a silent bad answer).
function holdsNaN(value: unknown, depth = 0): boolean {
  if (depth > 4 || value === null || typeof value !== "object") {
    return typeof value === "number" && Number.isNaN(value);
  }
  if (value instanceof tf.Tensor) {
    return !value.isDisposed && value.dtype === "float32" &&
      (value.dataSync() as Float32Array).some(Number.isNaN);
  }
  if (value instanceof Map) return false;
  const items = Array.isArray(value) ? value : Object.values(value);
  if (items.length > 1000) return false;
  return items.some((item) => holdsNaN(item, depth + 1));
}

interface Outcome {
  kind: "returned" | "refused";
  problem?: string;
}

// Lower case, letters and digits only: "focus position" names focusPosition.
const squash = (text: string) =>
  text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");

async function attempt(
  name: string,
  base: Base,
  args: unknown[],
  named: string,
): Promise<Outcome> {
  const target = exported().get(name);
  const call = base.call ??
    ((...a: unknown[]) =>
      isClass(target)
        ? new (target as new (...a: unknown[]) => unknown)(...a)
        : (target as (...a: unknown[]) => unknown)(...a));
  try {
    const result = await call(...args);
    const nan = holdsNaN(result);
    release(result);
    return nan
      ? { kind: "returned", problem: "returned NaN" }
      : { kind: "returned" };
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof RangeError)) {
      return {
        kind: "refused",
        problem: `threw ${(error as Error)?.constructor?.name}: ${
          String((error as Error)?.message).slice(0, 200)
        }`,
      };
    }
    const message = error.message;
    if (message.length >= 300) {
      return {
        kind: "refused",
        problem: `a ${message.length}-character message`,
      };
    }
    const names = [named, ...(base.aliases?.[named] ?? [])];
    if (!names.some((n) => squash(message).includes(squash(n)))) {
      return {
        kind: "refused",
        problem: `message does not name ${named}: ${message}`,
      };
    }
    if (/Cannot read|is not a function|undefined \(reading/.test(message)) {
      return { kind: "refused", problem: `a raw JavaScript error: ${message}` };
    }
    return { kind: "refused" };
  } finally {
    instance?.dispose();
    instance = undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null &&
    !Array.isArray(value) && !(value instanceof tf.Tensor) &&
    Object.getPrototypeOf(value) === Object.prototype;
}

Deno.test("every function and class export has a row (or a reason it is not called)", () => {
  const missing = [...exported()].filter(([name, value]) =>
    !(name in BASES) && !(name in NOT_CALLED) &&
    (typeof value === "function" || typeof value === "object")
  ).map(([name]) => name);
  assertEquals(missing, [], "add a row to BASES for each new export");
  const stale = Object.keys(BASES).filter((name) =>
    !exported().has(name.replace(/\.[a-zA-Z]+$/, "")) && !exported().has(name)
  );
  assertEquals(stale, []);
});

Deno.test(`the base arguments are valid: every row returns normally without leaking`, async () => {
  const failures: string[] = [];
  for (const [name, base] of Object.entries(BASES)) {
    const before = tf.memory().numTensors;
    const args = base.args();
    const outcome = await attempt(name, base, args, "");
    release(args.filter((a) => a instanceof tf.Tensor || isWeights(a)));
    const after = tf.memory().numTensors;
    if (outcome.kind !== "returned" || outcome.problem) {
      failures.push(`${name}: ${outcome.problem ?? "refused its base"}`);
    }
    if (after !== before) failures.push(`${name}: leaked ${after - before}`);
  }
  assertEquals(failures, []);
});

Deno.test(`bad values in every argument and option answer in one short sentence naming it, with no leak (seed ${SEED})`, async () => {
  const random = generator(SEED);
  const failures: string[] = [];
  let calls = 0;
  let refused = 0;
  const badNames = Object.keys(BAD);
  for (const [name, base] of Object.entries(BASES)) {
    if (ONLY && !ONLY.test(name)) continue;
    // Every bad value in every position, in a seeded order; then every
    // field of each options object, with a seeded sample of bad values.
    const cases: { position: number; field?: string; bad: string }[] = [];
    const template = base.args();
    release(template.filter((a) => a instanceof tf.Tensor));
    for (let position = 0; position < base.params.length; position++) {
      if (base.skip?.[position]) continue;
      for (const bad of badNames) cases.push({ position, bad });
      const value = template[position];
      if (isPlainObject(value)) {
        for (const field of Object.keys(value)) {
          for (const bad of badNames) {
            if (random() < 0.5) cases.push({ position, field, bad });
          }
        }
      }
    }
    instance?.dispose();
    instance = undefined;
    if (base.sample !== undefined) {
      // a seeded sample: shuffle, keep the first `sample`
      for (let i = cases.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [cases[i], cases[j]] = [cases[j], cases[i]];
      }
      cases.splice(base.sample);
    }
    const started = performance.now();
    for (const { position, field, bad } of cases) {
      const before = tf.memory().numTensors;
      const args = base.args();
      const replaced = BAD[bad]();
      if (field === undefined) {
        const old = args[position];
        args[position] = replaced;
        release(old);
      } else {
        (args[position] as Record<string, unknown>)[field] = replaced;
      }
      const named = field ?? base.params[position];
      // The other arguments' tensors are the caller's: free them after.
      // A bad field may be named by itself or by its object ("experiment").
      const outcome = await attempt(
        name,
        field === undefined ? base : {
          ...base,
          aliases: {
            ...base.aliases,
            [field]: [base.params[position], ...(base.aliases?.[field] ?? [])],
          },
        },
        args,
        named,
      );
      release(args.filter((a) => a instanceof tf.Tensor || isWeights(a)));
      const after = tf.memory().numTensors;
      calls++;
      if (outcome.kind === "refused") refused++;
      const where = `${name}(${named} = ${bad})`;
      if (outcome.problem) failures.push(`${where}: ${outcome.problem}`);
      if (after > before) failures.push(`${where}: leaked ${after - before}`);
    }
    if (Deno.env.get("API_PROPERTY_TIMES") === "1") {
      console.log(
        `${name}: ${cases.length} calls, ${
          Math.round(performance.now() - started)
        } ms`,
      );
    }
  }
  // Every bad answer is listed, one a line, in the failure message.
  const shown = failures.map((f) => f.slice(0, 240));
  assertEquals(shown, [], `${failures.length} bad answers in ${calls} calls`);
  if (ONLY) return; // a few rows: too few calls for the counts below
  assert(calls > 500, `only ${calls} calls`);
  assert(refused > calls / 2, `only ${refused} of ${calls} refused`);
});

// A record of weight tensors given as an argument (the caller's to free).
function isWeights(value: unknown): boolean {
  return isPlainObject(value) &&
    Object.values(value).some((v) => v instanceof tf.Tensor);
}

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
