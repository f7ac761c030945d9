import * as tf from "@tensorflow/tfjs";
import { assertEquals, assertThrows } from "@std/assert";
import { Adam, ADAM_DEFAULTS } from "../../lib/train/adam.ts";
import { assertClose, runTorchScript } from "../_reference.ts";

// PyTorch's AdamW written out as a float64 loop: the independent reference.
function referenceAdamW(
  params: number[][],
  decay: boolean[],
  grads: number[][][],
  o: typeof ADAM_DEFAULTS,
): number[][][] {
  const theta = params.map((p) => [...p]);
  const m = params.map((p) => p.map(() => 0));
  const v = params.map((p) => p.map(() => 0));
  const out: number[][][] = [];
  grads.forEach((step, t) => {
    const c1 = 1 - o.beta1 ** (t + 1), c2 = 1 - o.beta2 ** (t + 1);
    theta.forEach((p, i) =>
      p.forEach((_, j) => {
        if (decay[i]) p[j] *= 1 - o.learningRate * o.weightDecay;
        const g = step[i][j];
        m[i][j] = o.beta1 * m[i][j] + (1 - o.beta1) * g;
        v[i][j] = o.beta2 * v[i][j] + (1 - o.beta2) * g * g;
        p[j] -= (o.learningRate / c1) * m[i][j] /
          (Math.sqrt(v[i][j]) / Math.sqrt(c2) + o.epsilon);
      })
    );
    out.push(theta.map((p) => [...p]));
  });
  return out;
}

const PARAMS = [[0.5, -1, 2, 0.25], [0.1, -0.2, 0.3]];
const SHAPES = [[2, 2], [3]];
const GRADS = Array.from(
  { length: 5 },
  (_, t) =>
    PARAMS.map((p, i) => p.map((_, j) => Math.sin(1 + t * 7 + i * 3 + j))),
);
const OPTIONS = {
  ...ADAM_DEFAULTS,
  learningRate: 0.01,
  beta2: 0.99,
  weightDecay: 0.1,
};

function runTfjs(compensated: boolean): number[][][] {
  const variables = PARAMS.map((p, i) => tf.variable(tf.tensor(p, SHAPES[i])));
  const adam = new Adam(variables, { ...OPTIONS, compensated });
  const out: number[][][] = [];
  for (const step of GRADS) {
    const g = step.map((values, i) => tf.tensor(values, SHAPES[i]));
    adam.step(g);
    tf.dispose(g);
    out.push(variables.map((v) => Array.from(v.dataSync())));
  }
  adam.dispose();
  tf.dispose(variables);
  return out;
}

Deno.test("Adam follows PyTorch's AdamW rule, step by step (float64 loop)", () => {
  const expected = referenceAdamW(PARAMS, [true, false], GRADS, OPTIONS);
  assertClose(runTfjs(false), expected, 1e-6);
  assertClose(runTfjs(true), expected, 1e-6);
});

Deno.test("Adam follows the same rule on the wasm backend", async () => {
  const { useBackend } = await import("../../lib/core/backend.ts");
  await useBackend("wasm");
  try {
    const expected = referenceAdamW(PARAMS, [true, false], GRADS, OPTIONS);
    assertClose(runTfjs(false), expected, 1e-6);
    assertClose(runTfjs(true), expected, 1e-6);
  } finally {
    await useBackend("cpu");
  }
});

Deno.test("Adam decays matrices only, by default", () => {
  const w = tf.variable(tf.ones([2, 2]));
  const b = tf.variable(tf.ones([2]));
  const adam = new Adam([w, b], { learningRate: 0.1, weightDecay: 0.5 });
  const zeroW = tf.zeros([2, 2]), zeroB = tf.zeros([2]);
  adam.step([zeroW, zeroB]); // zero gradient: only the decay moves θ
  assertClose(Array.from(w.dataSync()), [0.95, 0.95, 0.95, 0.95], 1e-7);
  assertClose(Array.from(b.dataSync()), [1, 1], 1e-7);
  tf.dispose([w, b, zeroW, zeroB]);
  adam.dispose();
});

Deno.test("Adam leaks no tensors and refuses bad input in one sentence", () => {
  const w = tf.variable(tf.zeros([3]));
  const before = tf.memory().numTensors;
  const adam = new Adam([w]);
  const g = tf.ones([3]);
  for (let i = 0; i < 3; i++) adam.step([g]);
  adam.dispose();
  g.dispose();
  assertEquals(tf.memory().numTensors, before);
  assertThrows(() => new Adam([]), TypeError, "live tfjs variables");
  assertThrows(
    () => new Adam([w], { learningRate: -1 }),
    RangeError,
    "learningRate",
  );
  assertThrows(
    () => new Adam([w], { beta3: 1 } as never),
    RangeError,
    "unknown Adam option",
  );
  const adam2 = new Adam([w]);
  const wrong = tf.ones([4]);
  assertThrows(() => adam2.step([wrong]), RangeError, "gradient 0");
  tf.dispose([wrong, w]);
  adam2.dispose();
});

const torch = await (async () => {
  try {
    const out = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", "import torch"],
      stderr: "null",
    }).output();
    return out.code === 0;
  } catch {
    return false;
  }
})().catch(() => false);

Deno.test({
  name: "Adam equals torch.optim.AdamW from the same parameters and gradients",
  ignore: !torch,
  fn: async () => {
    const { params } = await runTorchScript<{ params: number[][][] }>(
      "bench/torch_adam.py",
      { params: PARAMS, decay: [true, false], grads: GRADS, options: OPTIONS },
    );
    assertClose(runTfjs(false), params, 1e-6);
  },
});
