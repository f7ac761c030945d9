import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "@std/assert";
import * as tf from "@tensorflow/tfjs";
import {
  buildCorpus,
  encode,
  type EncodedBatch,
} from "../lib/chapters/07_attention_from_a_task/corpus.ts";
import {
  evaluateTask,
  type InterventionBatch,
  resolveTaskConfig,
  taskLabels,
  TaskModel,
  trainTask,
} from "../lib/chapters/07_attention_from_a_task/task_model.ts";
import { CROSS_ENTROPY } from "../lib/train/losses.ts";
import { train } from "../lib/train/trainer.ts";
import { numericGradient } from "./_reference.ts";
import { torchAvailable } from "../bench/bench.ts";
import { benchTask } from "../bench/task_bench.ts";

const corpus = buildCorpus();

// ---- an independent float64 reference of the model, plain loops ----

type Params = Map<string, number[] | number[][]>;

function snapshot(model: TaskModel): Params {
  return new Map(
    [...model.parameters].map((
      [name, v],
    ) => [name, v.arraySync() as number[] | number[][]]),
  );
}

const dot = (a: number[], b: number[]) =>
  a.reduce((sum, x, i) => sum + x * b[i], 0);
const times = (x: number[], w: number[][]) =>
  w[0].map((_, j) => x.reduce((sum, xi, i) => sum + xi * w[i][j], 0));

/** Per sentence: the weights of "it" per hop and the logits; and the mean loss. */
function reference(
  p: Params,
  batch: EncodedBatch,
  labels: Int32Array,
  hops: number,
  uniform = false,
  forced?: { hop: number; weights: number[][] },
): { loss: number; weights: number[][][]; logits: number[][] } {
  const m = (name: string) => p.get(name) as number[][];
  const vec = (name: string) => p.get(name) as number[];
  const { batchSize: B, seqLen } = batch;
  const d = m("embedding")[0].length;
  let loss = 0;
  const weights: number[][][] = Array.from({ length: hops }, () => []);
  const allLogits: number[][] = [];
  for (let b = 0; b < B; b++) {
    const ids = [...batch.ids.slice(b * seqLen, (b + 1) * seqLen)];
    const x = ids.map((id, t) =>
      m("embedding")[id].map((e, j) => e + m("positions")[t][j])
    );
    let h = [...x[batch.focusPositions[b]]];
    for (let hop = 1; hop <= hops; hop++) {
      const q = uniform ? h.map(() => 0) : times(h, m(`hop${hop}.query`));
      const k = x.map((row) => times(row, m(`hop${hop}.key`)));
      const v = x.map((row) => times(row, m(`hop${hop}.value`)));
      const s = k.map((kt, t) =>
        ids[t] === 0 ? -Infinity : dot(q, kt) / Math.sqrt(d)
      );
      const top = Math.max(...s);
      const e = s.map((z) => z === -Infinity ? 0 : Math.exp(z - top));
      const total = e.reduce((a, c) => a + c, 0);
      const w = forced?.hop === hop
        ? forced.weights[b]
        : e.map((z) => z / total);
      weights[hop - 1].push(w);
      h = h.map((hj, j) =>
        hj + w.reduce((sum, wt, t) => sum + wt * v[t][j], 0)
      );
    }
    const hidden = times(h, m("readout.hidden")).map((z, j) =>
      Math.max(0, z + vec("readout.hiddenBias")[j])
    );
    const logits = times(hidden, m("readout.output")).map((z, j) =>
      z + vec("readout.outputBias")[j]
    );
    allLogits.push(logits);
    const top = Math.max(...logits);
    const logSum = top +
      Math.log(logits.reduce((a, z) => a + Math.exp(z - top), 0));
    loss += logSum - logits[labels[b]];
  }
  return { loss: loss / B, weights, logits: allLogits };
}

// Three held-out sentences of different lengths (one is padded).
const SENTENCES = [corpus.test[0], corpus.test[2], corpus.test[5]];
const BATCH = encode(corpus.vocabulary, SENTENCES.map((s) => s.words));
const LABELS = taskLabels(corpus.vocabulary, SENTENCES, "word");

Deno.test("forward pass and loss equal a float64 loop", async (t) => {
  for (const uniform of [false, true]) {
    await t.step(uniform ? "uniform attention" : "learned attention", () => {
      const model = new TaskModel(corpus.vocabulary.length, {
        dModel: 4,
        hidden: 5,
        attention: uniform ? "uniform" : "learned",
      });
      const ref = reference(snapshot(model), BATCH, LABELS, 2, uniform);
      const { logits, weights } = model.forward(BATCH);
      const loss = tf.tidy(() =>
        CROSS_ENTROPY.compute(model.model.forward(BATCH), LABELS)
      );
      assert(BATCH.ids.includes(0), "the batch should hold a pad");
      assertAlmostEquals(loss.dataSync()[0], ref.loss, 1e-4);
      const got = logits.arraySync().flat();
      ref.logits.flat().forEach((v, i) => assertAlmostEquals(got[i], v, 1e-4));
      weights.forEach((w, hop) => {
        const rows = w.arraySync();
        ref.weights[hop].flat().forEach((v, i) =>
          assertAlmostEquals(rows.flat()[i], v, 1e-5)
        );
        rows.forEach((row) =>
          assertAlmostEquals(row.reduce((a, c) => a + c, 0), 1, 1e-5)
        );
      });
      tf.dispose([logits, loss, ...weights]);
      model.dispose();
    });
  }
});

Deno.test("gradients of every parameter equal finite differences of the float64 loop", () => {
  const model = new TaskModel(corpus.vocabulary.length, {
    dModel: 3,
    hidden: 4,
    seed: 3,
  });
  // non-zero biases, so their gradients go through a non-trivial path
  for (const [name, v] of model.parameters) {
    if (v.rank === 1) v.assign(tf.randomNormal(v.shape, 0, 0.3, "float32", 9));
    void name;
  }
  const params = snapshot(model);
  const { grads } = tf.variableGrads(
    () => CROSS_ENTROPY.compute(model.model.forward(BATCH), LABELS),
    model.variables,
  );
  let checked = 0;
  for (const [name, variable] of model.parameters) {
    const value = params.get(name)!;
    const numerics = numericGradient(
      value as number[] | number[][],
      (changed) =>
        reference(new Map([...params, [name, changed]]), BATCH, LABELS, 2)
          .loss,
      1e-5,
    );
    const got = grads[variable.name].dataSync();
    for (const [i, numeric] of numerics.entries()) {
      assertAlmostEquals(
        got[i],
        numeric,
        2e-3 + 1e-2 * Math.abs(numeric),
        `${name}[${i}]`,
      );
      checked++;
    }
  }
  assert(checked > 300, `only ${checked} gradient entries checked`);
  tf.dispose(grads);
  model.dispose();
});

Deno.test("the definition returns the logits and the hop attention as [B, 1, 1, seqLen] per hop", () => {
  const model = new TaskModel(corpus.vocabulary.length, { dModel: 4, hops: 3 });
  const result = model.model.forward(BATCH);
  assertEquals(result.output.shape, [
    BATCH.batchSize,
    corpus.vocabulary.length,
  ]);
  assertEquals(result.attention.length, 3);
  for (const a of result.attention) {
    assertEquals(a.shape, [BATCH.batchSize, 1, 1, BATCH.seqLen]);
  }
  tf.dispose([result.output, ...result.attention]);
  model.dispose();
});

Deno.test("trainTask's loss is the one trainer's: its history equals train() on the same batches", async () => {
  // trainTask with the whole set every step (no shuffle) against train() by hand.
  const config = { steps: 3, dModel: 4, hidden: 4, batchSize: 0 };
  const run = await trainTask(corpus, { config, evaluateEvery: 100 });
  const model = new TaskModel(corpus.vocabulary.length, config);
  const all = encode(corpus.vocabulary, corpus.train.map((s) => s.words));
  const labels = taskLabels(corpus.vocabulary, corpus.train, "word");
  const history = await train(
    model.model,
    CROSS_ENTROPY,
    () => ({ input: all, target: labels }),
    {
      steps: 3,
      adam: { learningRate: resolveTaskConfig(config).learningRate },
    },
  );
  assertEquals(
    run.history.slice(0, 3).map((h) => h.loss),
    history.steps.map((s) => s.loss),
  );
  assertEquals(history.loss, "cross-entropy");
  assertEquals(run.model.model.values(), model.model.values());
  run.model.dispose();
  model.dispose();
});

Deno.test("training is deterministic and frees every tensor it makes", async () => {
  const before = tf.memory().numTensors;
  const config = { steps: 5, dModel: 8 };
  const a = await trainTask(corpus, { config, evaluateEvery: 2 });
  const b = await trainTask(corpus, { config, evaluateEvery: 2 });
  assertEquals(a.history, b.history);
  assertEquals(a.history.length, 6);
  assertEquals(a.history.filter((h) => h.testAccuracy !== undefined).length, 4);
  const evaluation = evaluateTask(a.model, corpus.vocabulary, corpus.test);
  assertEquals(evaluation.weights.length, 2);
  assertEquals(evaluation.weights[0][0].length, corpus.test[0].words.length);
  a.model.dispose();
  b.model.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("a seeded training run names the referent of unseen noun pairs and looks at it", async () => {
  const before = tf.memory().numTensors;
  const { model, history } = await trainTask(corpus, { evaluateEvery: 50 });
  const evaluation = evaluateTask(model, corpus.vocabulary, corpus.test);
  assert(
    evaluation.accuracy >= 0.9,
    `held-out accuracy ${evaluation.accuracy}`,
  );
  assertEquals(history.at(-1)!.testAccuracy, evaluation.accuracy);
  // the hop that fetches the noun puts most of the weight of "it" on it
  assert(
    evaluation.referentWeight[1] >= 0.6,
    `referent weight ${evaluation.referentWeight}`,
  );
  // independent recount of the accuracy from the predictions
  const right =
    evaluation.predictions.filter((p, i) =>
      corpus.vocabulary[p] === corpus.test[i].referent
    ).length;
  assertEquals(right / corpus.test.length, evaluation.accuracy);
  assert(history[0].loss > history.at(-1)!.loss);
  model.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("bad configuration gives a one-line message naming it", () => {
  assertThrows(() => resolveTaskConfig({ hops: 0 }), RangeError, "hops");
  assertThrows(
    () => resolveTaskConfig({ attention: "random" as "uniform" }),
    RangeError,
    '"learned" or "uniform"',
  );
  assertThrows(
    () => resolveTaskConfig({ heads: 2 } as never),
    RangeError,
    'unknown option "heads"',
  );
  assertThrows(
    () => resolveTaskConfig({ learningRate: NaN }),
    RangeError,
    "learningRate",
  );
  assertThrows(() => new TaskModel(1), RangeError, "vocabSize");
  const model = new TaskModel(corpus.vocabulary.length, {
    maxLen: 4,
    dModel: 2,
  });
  assertThrows(() => model.forward(BATCH), RangeError, "maxLen 4");
  model.dispose();
});

const torch = await torchAvailable();

Deno.test({
  name: "the PyTorch twin takes the same steps from the same start",
  ignore: !torch.ok,
  async fn() {
    const result = await benchTask(1);
    const diff = result.lossDiff;
    if (diff === undefined) throw new Error("the twin did not run");
    assert(diff < 1e-4, `loss difference ${diff}`);
    assert(result.steps >= 6);
  },
});

Deno.test("forceAttention imposes one hop's weights and equals the float64 loop with them", () => {
  const model = new TaskModel(corpus.vocabulary.length, { seed: 2 });
  try {
    const p = snapshot(model);
    const { seqLen } = BATCH;
    // hop 2 entirely on the first word of each sentence
    const weights = SENTENCES.map(() =>
      Array.from({ length: seqLen }, (_, t) => (t === 1 ? 1 : 0))
    );
    const before = tf.memory().numTensors;
    const out = model.forward({
      ...BATCH,
      forceAttention: { hop: 2, weights },
    } as InterventionBatch);
    const want = reference(p, BATCH, LABELS, 2, false, { hop: 2, weights });
    const logits = out.logits.arraySync();
    const hop2 = out.weights[1].arraySync();
    tf.dispose([out.logits, ...out.weights]);
    assertEquals(tf.memory().numTensors, before);
    assertEquals(hop2, weights);
    logits.forEach((row, b) =>
      row.forEach((z, j) => assertAlmostEquals(z, want.logits[b][j], 1e-4))
    );
    // the weights the model computes itself, imposed, change nothing
    const plain = model.forward(BATCH);
    const own = plain.weights[1].arraySync();
    const again = model.forward({
      ...BATCH,
      forceAttention: { hop: 2, weights: own },
    } as InterventionBatch);
    const [a, b] = [plain.logits.arraySync(), again.logits.arraySync()];
    tf.dispose([
      plain.logits,
      ...plain.weights,
      again.logits,
      ...again.weights,
    ]);
    a.forEach((row, i) =>
      row.forEach((z, j) => assertAlmostEquals(z, b[i][j], 1e-5))
    );
    assertThrows(
      () =>
        model.forward({
          ...BATCH,
          forceAttention: { hop: 2, weights: [[1]] },
        } as InterventionBatch),
      RangeError,
      "forceAttention.weights must be",
    );
  } finally {
    model.dispose();
  }
});
