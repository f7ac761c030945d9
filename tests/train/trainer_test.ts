import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
} from "@std/assert";
import { Model, type ModelDefinition } from "../../lib/core/model.ts";
import { type Loss, train } from "../../lib/train/trainer.ts";

// y = x · w + b on fixed data: least squares has one answer to converge to.
const LINEAR: ModelDefinition<number[][]> = {
  name: "linear",
  schema: [
    { name: "w", shape: [2, 1], init: { kind: "uniform", bound: 0.5 } },
    { name: "b", shape: [1], init: { kind: "zeros" } },
  ],
  forward: (p, x) => ({
    output: tf.add(tf.matMul(tf.tensor2d(x), p.w), p.b),
    attention: [],
  }),
};
const X = [[1, 0], [0, 1], [1, 1], [2, 1]];
const Y = X.map(([a, b]) => 3 * a - 2 * b + 0.5);
const MSE: Loss<number[]> = {
  name: "mean squared error",
  compute: (r, y) =>
    tf.sub(r.output.reshape([-1]), tf.tensor1d(y)).square().mean() as tf.Scalar,
};
const data = () => ({ input: X, target: Y });

Deno.test("train fits least squares and records the loss it ran", async () => {
  const model = new Model(LINEAR, { seed: 2 });
  const history = await train(model, MSE, data, {
    steps: 1500,
    adam: { learningRate: 0.05 },
  });
  assertEquals(history.loss, "mean squared error");
  assertEquals(history.steps.length, 1500);
  assertEquals(history.stopped, "finished");
  const { w, b } = model.values();
  assertAlmostEquals(w[0], 3, 0.01);
  assertAlmostEquals(w[1], -2, 0.01);
  assertAlmostEquals(b[0], 0.5, 0.01);
  assert(history.steps[0].loss > history.steps[1499].loss);
  model.dispose();
});

Deno.test("train evaluates every N steps and after the last, without leaking tensors", async () => {
  const model = new Model(LINEAR, { seed: 2 });
  const counts: number[] = [];
  const history = await train(model, MSE, data, {
    steps: 10,
    evaluateEvery: 4,
    evaluate: (m) => {
      const r = m.forward(X);
      const loss = MSE.compute(r, Y).dataSync()[0];
      return { loss };
    },
    onStep: () => {
      counts.push(tf.memory().numTensors);
    },
  });
  assertEquals(
    history.steps.filter((s) => s.metrics).map((s) => s.step),
    [0, 4, 8],
  );
  assertAlmostEquals(
    history.steps[4].metrics!.loss,
    history.steps[4].loss,
    1e-6,
  );
  assert(history.final!.loss < history.steps[9].loss);
  assertEquals(new Set(counts).size, 1, `tensors per step: ${counts}`);
  model.dispose();
});

Deno.test("train stops before updating when the loss is not finite, naming the step", async () => {
  const model = new Model(LINEAR, { seed: 2 });
  const before = model.values();
  const nanAt3: Loss<number[]> = {
    name: "broken loss",
    compute: (r, y) => {
      const base = MSE.compute(r, y);
      return calls++ === 3 ? tf.mul(base, NaN) as tf.Scalar : base;
    },
  };
  let calls = 0;
  await assertRejects(
    () => train(model, nanAt3, data, { steps: 10 }),
    RangeError,
    "training stopped at step 3: the broken loss is NaN",
  );
  assert(model.values().w[0] !== before.w[0], "steps 0–2 were taken");
  assert(model.values().w.every(Number.isFinite));
  model.dispose();
});

Deno.test("train stops between steps when its signal is aborted", async () => {
  const model = new Model(LINEAR, { seed: 2 });
  const controller = new AbortController();
  const history = await train(model, MSE, data, {
    steps: 100,
    onStep: (r) => {
      if (r.step === 4) controller.abort();
    },
    signal: controller.signal,
  });
  assertEquals(history.stopped, "aborted");
  assertEquals(history.steps.length, 5);
  model.dispose();
});

Deno.test("train refuses bad arguments in one sentence", async () => {
  const model = new Model(LINEAR, { seed: 2 });
  await assertRejects(
    () => train(null as never, MSE, data, { steps: 1 }),
    TypeError,
    "train needs a Model",
  );
  await assertRejects(
    () => train(model, {} as never, data, { steps: 1 }),
    TypeError,
    "loss must be",
  );
  await assertRejects(
    () => train(model, MSE, null as never, { steps: 1 }),
    TypeError,
    "data must be",
  );
  await assertRejects(
    () => train(model, MSE, data, { steps: -1 }),
    RangeError,
    "steps must be",
  );
  await assertRejects(
    () => train(model, MSE, data, null as never),
    TypeError,
    "options must be",
  );
  await assertRejects(
    () => train(model, MSE, data, { steps: 1, adam: { learningRate: NaN } }),
    RangeError,
    "learningRate",
  );
  model.dispose();
  await assertRejects(
    () => train(model, MSE, data, { steps: 1 }),
    TypeError,
    "disposed model",
  );
});

// One attention "layer" whose weights are softmax(w): something to record.
const SOFT: ModelDefinition<number> = {
  name: "soft",
  schema: [{ name: "w", shape: [3], init: { kind: "zeros" } }],
  forward: (p, _x) => {
    const a = tf.softmax(p.w).reshape([1, 1, 1, 3]);
    return { output: a.reshape([3]), attention: [a] };
  },
};
const ON_FIRST: Loss<undefined> = {
  name: "−log a₀",
  compute: (r) => tf.neg(tf.log(r.output.slice(0, 1).sum())) as tf.Scalar,
};

Deno.test("recordAttention keeps each step's attention before its update, and the end state", async () => {
  const model = new Model(SOFT, { seed: 1 });
  const history = await train(
    model,
    ON_FIRST,
    () => ({ input: 0, target: undefined }),
    { steps: 3, adam: { learningRate: 0.1 }, recordAttention: true },
  );
  // Step 0 sees the start: softmax of zeros.
  history.steps[0].attention![0].forEach((v) =>
    assertAlmostEquals(v, 1 / 3, 1e-7)
  );
  // Each record holds the weights its loss was computed from.
  for (const s of history.steps) {
    assertAlmostEquals(s.loss, -Math.log(s.attention![0][0]), 1e-6);
  }
  // The end state is after the last update, at the model's current values.
  const w = [...model.values().w];
  const e = w.map(Math.exp), total = e.reduce((a, b) => a + b, 0);
  assertEquals(history.end!.step, 3);
  history.end!.attention![0].forEach((v, i) =>
    assertAlmostEquals(v, e[i] / total, 1e-6)
  );
  assertAlmostEquals(history.end!.loss, -Math.log(e[0] / total), 1e-6);
  assert(history.end!.loss < history.steps[2].loss);
  model.dispose();
});

Deno.test("without recordAttention the history holds no attention and no end", async () => {
  const model = new Model(SOFT, { seed: 1 });
  const history = await train(
    model,
    ON_FIRST,
    () => ({ input: 0, target: undefined }),
    { steps: 2 },
  );
  assertEquals(history.steps.map((s) => s.attention), [undefined, undefined]);
  assertEquals(history.end, undefined);
  model.dispose();
});

Deno.test("train takes each step's learning rate from a schedule", async () => {
  // loss = 2·w has a constant gradient, so every Adam step moves w by
  // exactly that step's rate (m̂ / √v̂ = 1).
  const model = new Model({
    name: "slope",
    schema: [{ name: "w", shape: [1], init: { kind: "zeros" } }],
    forward: (p) => ({ output: tf.mul(p.w, 2), attention: [] }),
  });
  const slope: Loss<number> = {
    name: "slope",
    compute: (r) => r.output.sum() as tf.Scalar,
  };
  const rates = [0.1, 0.2, 0.05];
  await train(model, slope, () => ({ input: 0, target: 0 }), {
    steps: 3,
    schedule: (step) => rates[step],
  });
  assertAlmostEquals(model.values().w[0], -0.35, 1e-6);
  await assertRejects(
    () =>
      train(model, slope, () => ({ input: 0, target: 0 }), {
        steps: 1,
        schedule: () => NaN,
      }),
    RangeError,
    "schedule(0) must be a learning rate",
  );
  model.dispose();
});
