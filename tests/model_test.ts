import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "@std/assert";
import {
  attentionDefinition,
  AttentionModel,
  createSizeLoss,
  initParameters,
  Model,
  multiHeadAttention,
  type Parameters,
  type RowLoss,
} from "../lib/mod.ts";
import type { GradientOptions } from "../lib/demo/model.ts";
import { PARAMETER_NAMES } from "../lib/demo/parameters.ts";
import {
  centralDifference,
  maxAbsDiff,
  numericParameterGradient,
  referenceForward,
  referenceLoss,
  SMALL,
  SMALL_FOCUS,
  SMALL_IDS,
  SMALL_SIZE,
} from "./_reference.ts";

function array(t: tf.Tensor): number[] {
  return [...t.dataSync()];
}

Deno.test("forward pass matches a float64 reference for fixed weights", async (t) => {
  const model = new AttentionModel(SMALL);
  const steps = model.forward(SMALL_IDS, SMALL_FOCUS);
  const ref = referenceForward(SMALL, SMALL_IDS, SMALL_FOCUS, SMALL_SIZE);
  const tol = 1e-5;
  await t.step("shapes", () => {
    assertEquals(steps.tokenIds.shape, [4]);
    assertEquals(steps.embeddings.shape, [4, 2]);
    assertEquals(steps.queries.shape, [4, 2]);
    assertEquals(steps.keys.shape, [4, 2]);
    assertEquals(steps.values.shape, [4, 2]);
    assertEquals(steps.query.shape, [2]);
    assertEquals(steps.rawScores.shape, [4]);
    assertEquals(steps.scaledScores.shape, [4]);
    assertEquals(steps.weights.shape, [4]);
    assertEquals(steps.context.shape, [2]);
    assertEquals(steps.attentionMatrix.shape, [4, 4]);
  });
  await t.step("embeddings, Q, K, V", () => {
    assert(maxAbsDiff(array(steps.embeddings), ref.embeddings.flat()) < tol);
    assert(maxAbsDiff(array(steps.queries), ref.queries.flat()) < tol);
    assert(maxAbsDiff(array(steps.keys), ref.keys.flat()) < tol);
    assert(maxAbsDiff(array(steps.values), ref.values.flat()) < tol);
    assert(maxAbsDiff(array(steps.query), ref.queries[SMALL_FOCUS]) < tol);
  });
  await t.step("scores, weights, context", () => {
    assert(maxAbsDiff(array(steps.rawScores), ref.rawScores) < tol);
    assert(maxAbsDiff(array(steps.scaledScores), ref.scaledScores) < tol);
    assert(maxAbsDiff(array(steps.weights), ref.weights) < tol);
    assert(maxAbsDiff(array(steps.context), ref.context) < tol);
  });
  await t.step(
    "the self-attention matrix, whose focus row is the weights",
    () => {
      assert(
        maxAbsDiff(array(steps.attentionMatrix), ref.attentionMatrix.flat()) <
          tol,
      );
      const row = array(steps.attentionMatrix).slice(
        SMALL_FOCUS * 4,
        SMALL_FOCUS * 4 + 4,
      );
      assert(maxAbsDiff(row, array(steps.weights)) < 1e-6);
    },
  );
  await t.step("focusWeights equals the forward pass's weights", () => {
    const w = model.focusWeights(SMALL_IDS, SMALL_FOCUS);
    assert(maxAbsDiff(array(w), ref.weights) < tol);
    w.dispose();
  });
  tf.dispose(steps);
  model.dispose();
});

Deno.test("softmax rows sum to 1", () => {
  const p = initParameters(12, 4, { seed: 3 });
  const model = new AttentionModel(p);
  const ids = [0, 1, 2, 3, 4, 5, 6, 0, 7, 8, 9, 10, 11];
  const steps = model.forward(ids, 9);
  assertAlmostEquals(tf.sum(steps.weights).dataSync()[0], 1, 1e-6);
  const rows = tf.sum(steps.attentionMatrix, 1).dataSync();
  for (const r of rows) assertAlmostEquals(r, 1, 1e-6);
  tf.dispose(steps);
  model.dispose();
});

Deno.test("repeated tokens share one embedding row", () => {
  const model = new AttentionModel(SMALL);
  const steps = model.forward(SMALL_IDS, SMALL_FOCUS);
  const x = steps.embeddings.arraySync();
  assertEquals(x[1], x[3]);
  tf.dispose(steps);
  model.dispose();
});

Deno.test("every gradient matches central finite differences", async (t) => {
  const model = new AttentionModel(SMALL);
  const grads = model.gradients(SMALL_IDS, {
    focusPosition: SMALL_FOCUS,
    loss: createSizeLoss(SMALL_IDS.length, SMALL_SIZE),
  });
  const ref = referenceForward(SMALL, SMALL_IDS, SMALL_FOCUS, SMALL_SIZE);
  assertAlmostEquals(grads.loss, ref.loss, 1e-6);
  await t.step("with respect to the scaled scores", () => {
    const z = [...ref.scaledScores];
    const loss = () => {
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const total = e.reduce((a, b) => a + b, 0);
      return referenceLoss(e.map((v) => v / total), SMALL_SIZE);
    };
    const numeric = z.map((_, i) => centralDifference(loss, z, i, 1e-4));
    assert(
      maxAbsDiff(array(grads.scaledScores), numeric) < 1e-5,
      `${array(grads.scaledScores)} vs ${numeric}`,
    );
  });
  for (const name of PARAMETER_NAMES) {
    await t.step(`with respect to ${name}`, () => {
      const numeric = numericParameterGradient(SMALL, name, 1e-4);
      const analytic = array(grads.parameters[name]);
      assert(
        maxAbsDiff(analytic, numeric) < 1e-4,
        `${name}: ${analytic} vs ${numeric}`,
      );
    });
  }
  tf.dispose([grads.scaledScores, ...Object.values(grads.parameters)]);
  model.dispose();
});

Deno.test("the value projection does not affect the loss: its gradient is zero", () => {
  const model = new AttentionModel(SMALL);
  const grads = model.gradients(SMALL_IDS, {
    focusPosition: 0,
    loss: createSizeLoss(SMALL_IDS.length, [1]),
  });
  assertEquals(array(grads.parameters.valueWeight), [0, 0, 0, 0]);
  assertEquals(array(grads.parameters.valueBias), [0, 0]);
  tf.dispose([grads.scaledScores, ...Object.values(grads.parameters)]);
  model.dispose();
});

Deno.test("bad token ids or focus positions give a RangeError that names them", () => {
  const model = new AttentionModel(SMALL);
  assertThrows(() => model.forward([0, 5], 0), RangeError, "token id 5");
  assertThrows(() => model.forward([0, 1], 2), RangeError, "focus position 2");
  assertThrows(() => model.forward([], 0), RangeError, "no tokens");
  model.dispose();
});

Deno.test("forward, gradients and dispose leave no tensors behind", () => {
  const before = tf.memory().numTensors;
  const model = new AttentionModel(initParameters(5, 4, { seed: 1 }));
  assertEquals(tf.memory().numTensors, before + 7);
  tf.dispose(model.forward([0, 1, 2, 3, 4], 2));
  const g = model.gradients([0, 1, 2, 3, 4], {
    focusPosition: 2,
    loss: createSizeLoss(5, [0]),
  });
  tf.dispose([g.scaledScores, ...Object.values(g.parameters)]);
  model.focusWeights([0, 1], 0).dispose();
  model.parameters();
  assertEquals(tf.memory().numTensors, before + 7);
  model.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("parameters() reads back what the model was built from (as float32)", () => {
  const p = initParameters(4, 3, { seed: 9 });
  const model = new AttentionModel(p);
  assertEquals(model.parameters(), p);
  model.dispose();
});

Deno.test("bad parameters give a RangeError naming the field, and leave no tensors", () => {
  const before = tf.memory().numTensors;
  const ragged = { ...SMALL, embedding: [[0.5, -1], [1.5], [-0.75, 2]] };
  assertThrows(
    () => new AttentionModel(ragged),
    RangeError,
    "parameters.embedding must be a [3, 2] array",
  );
  const infinite = { ...SMALL, keyBias: [0, Infinity] };
  assertThrows(
    () => new AttentionModel(infinite),
    RangeError,
    "parameters.keyBias must be a [2] array of finite numbers",
  );
  assertThrows(
    () => new AttentionModel({} as Parameters),
    RangeError,
    "parameters.embedding",
  );
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("gradients need a row loss; one made for another length throws and leaves no tensors", () => {
  const model = new AttentionModel(SMALL);
  const before = tf.memory().numTensors;
  assertThrows(
    () =>
      model.gradients(SMALL_IDS, {
        focusPosition: 0,
      } as unknown as GradientOptions),
    TypeError,
    "gradients needs options.loss",
  );
  assertThrows(
    () =>
      model.gradients(SMALL_IDS, {
        focusPosition: 0,
        loss: createSizeLoss(3, [0]),
      }),
    RangeError,
    "the size loss was made for 3 weights",
  );
  assertEquals(tf.memory().numTensors, before);
  model.dispose();
});

Deno.test("the model knows no loss: another row loss gives its own gradient", () => {
  const model = new AttentionModel(SMALL);
  const onFirst: RowLoss = {
    name: "on the first word",
    tensor: (tfjs, w) => tfjs.neg(tfjs.log(w.slice(0, 1).sum())),
  };
  const size = model.gradients(SMALL_IDS, {
    focusPosition: SMALL_FOCUS,
    loss: createSizeLoss(SMALL_IDS.length, SMALL_SIZE),
  });
  const first = model.gradients(SMALL_IDS, {
    focusPosition: SMALL_FOCUS,
    loss: onFirst,
  });
  const ref = referenceForward(SMALL, SMALL_IDS, SMALL_FOCUS, SMALL_SIZE);
  assertAlmostEquals(first.loss, -Math.log(ref.weights[0]), 1e-6);
  // ∂(−log w₀)/∂z_j = w_j − [j = 0]
  const expected = ref.weights.map((w, j) => w - (j === 0 ? 1 : 0));
  assert(maxAbsDiff(array(first.scaledScores), expected) < 1e-6);
  assert(maxAbsDiff(array(size.scaledScores), expected) > 1e-3);
  tf.dispose([size, first].flatMap((g) => [
    g.scaledScores,
    ...Object.values(g.parameters),
  ]));
  model.dispose();
});

Deno.test("the definition's seeded values are initParameters' bit for bit", () => {
  const definition = attentionDefinition(12, 4);
  const model = new Model(definition, { seed: 7 });
  const values = model.values();
  const p = initParameters(12, 4, { seed: 7 });
  for (const name of PARAMETER_NAMES) {
    assertEquals([...values[name]], (p[name] as number[] | number[][]).flat());
  }
  model.dispose();
});

Deno.test("the definition's forward returns the focus row or the whole matrix as attention", () => {
  const model = new Model(attentionDefinition(3, 2), {
    values: Object.fromEntries(
      PARAMETER_NAMES.map((
        n,
      ) => [n, (SMALL[n] as number[] | number[][]).flat()]),
    ),
  });
  const ref = referenceForward(SMALL, SMALL_IDS, SMALL_FOCUS, SMALL_SIZE);
  const input = { tokenIds: SMALL_IDS, focusPosition: SMALL_FOCUS };
  const focus = model.forward(input);
  assertEquals(focus.attention[0].shape, [1, 1, 1, SMALL_IDS.length]);
  assert(maxAbsDiff(array(focus.attention[0]), ref.weights) < 1e-6);
  assert(
    maxAbsDiff(array(focus.output), ref.context) < 1e-6,
    "output = context",
  );
  const all = model.forward(input, { rows: "all" });
  const T = SMALL_IDS.length;
  assertEquals(all.attention[0].shape, [1, 1, T, T]);
  const row = array(all.attention[0]).slice(
    SMALL_FOCUS * T,
    (SMALL_FOCUS + 1) * T,
  );
  assert(maxAbsDiff(row, ref.weights) < 1e-6);
  tf.dispose([focus.output, all.output, ...focus.attention, ...all.attention]);
  model.dispose();
});

Deno.test("focusWeights (query q·Wkᵀ over the embeddings) equals the forward pass's focus row", () => {
  const p = initParameters(12, 8, { seed: 4 });
  const model = new AttentionModel(p);
  const ids = [0, 1, 2, 3, 4, 5, 6, 0, 7, 8, 9, 10, 11];
  for (const focus of [0, 7, 10]) {
    const steps = model.forward(ids, focus);
    const w = model.focusWeights(ids, focus);
    const gap = maxAbsDiff(array(w), array(steps.weights));
    assert(gap < 1e-6, `focus ${focus}: differs by ${gap}`);
    const ref = referenceForward(p, ids, focus, [2]).weights;
    assert(maxAbsDiff(array(w), ref) < 1e-6);
    tf.dispose([w, steps]);
  }
  model.dispose();
});

Deno.test("the one-head model in nn.MultiheadAttention's layout gives the same attention", () => {
  const model = new AttentionModel(SMALL);
  const steps = model.forward(SMALL_IDS, SMALL_FOCUS);
  const weights = model.multiHeadWeights();
  assertEquals(weights.inProjWeight.shape, [6, 2]); // [3·dModel, dModel]
  assertEquals(weights.inProjBias.shape, [6]);
  // PyTorch applies x · Wᵀ: row r of inProjWeight is column r of Wq, then Wk, Wv
  assertEquals(
    (weights.inProjWeight.arraySync() as number[][])[3],
    SMALL.keyWeight.map((row) => Math.fround(row[1])),
  );
  const x = steps.embeddings.expandDims(0); // [1, seqLen, dModel]
  const result = multiHeadAttention(x, weights, { numHeads: 1 });
  assertEquals(result.weights.shape, [1, 1, 4, 4]);
  const ref = referenceForward(SMALL, SMALL_IDS, SMALL_FOCUS, SMALL_SIZE);
  assert(
    maxAbsDiff(array(result.weights), ref.attentionMatrix.flat()) < 1e-6,
    "per-head weights = the demo's attention matrix",
  );
  // with the identity output projection, the focus row's output is the context
  const row = (result.output.arraySync() as number[][][])[0][SMALL_FOCUS];
  assert(maxAbsDiff(row, ref.context) < 1e-6, "output row = context");
  tf.dispose([steps, weights, x, result.output, result.weights]);
  model.dispose();
});

Deno.test("the key bias never reaches the focus row: its gradient is exactly 0", () => {
  const model = new AttentionModel(SMALL);
  const g = model.gradients(SMALL_IDS, {
    focusPosition: SMALL_FOCUS,
    loss: createSizeLoss(SMALL_IDS.length, SMALL_SIZE),
  });
  assertEquals(array(g.parameters.keyBias), [0, 0]);
  // while the key weight's is not
  assert(array(g.parameters.keyWeight).some((v) => v !== 0));
  tf.dispose([g.scaledScores, ...Object.values(g.parameters)]);
});

// Issue 13, item 7: a missing parameters object is named as such.
Deno.test("new AttentionModel(null) says it needs parameters", () => {
  assertThrows(
    () => new AttentionModel(null as unknown as Parameters),
    TypeError,
    "parameters must be an object of arrays (see initParameters), got null",
  );
  assertThrows(
    () => new AttentionModel({} as Parameters),
    RangeError,
    "parameters.embedding must be a non-empty [vocabSize, dModel] array, got undefined",
  );
});

// Issue 13, item 3: the [seqLen, seqLen] matrix is bounded before it is built.
import { MAX_ATTENTION_CELLS } from "../lib/core/limits.ts";
Deno.test("forward refuses a sentence whose attention matrix is too large; focusWeights still works", () => {
  const model = new AttentionModel(initParameters(2, 4));
  const seqLen = Math.sqrt(MAX_ATTENTION_CELLS) + 1;
  const ids = Array.from({ length: seqLen }, (_, i) => i % 2);
  const before = tf.memory().numTensors;
  assertThrows(
    () => model.forward(ids, 0),
    RangeError,
    `the attention matrix [${seqLen}, ${seqLen}] would hold ${
      seqLen ** 2
    } numbers, more than the limit of ${MAX_ATTENTION_CELLS}`,
  );
  assertEquals(tf.memory().numTensors, before);
  const weights = model.focusWeights(ids, 0);
  assertEquals(weights.shape, [seqLen]);
  weights.dispose();
  model.dispose();
});
