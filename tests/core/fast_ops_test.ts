// lib/core/fast_ops.ts: every fast op equals its plain tfjs version (values
// and autodiff gradients) on the cpu and the wasm backend, and its
// hand-written gradient matches finite differences.

import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { type BackendName, useBackend } from "../../lib/core/backend.ts";
import {
  causalSelfAttention,
  crossEntropy,
  fastLayerNorm,
  gelu,
  linear,
  plainGelu,
} from "../../lib/core/fast_ops.ts";
import {
  causalMask,
  scaledDotProductAttention,
} from "../../lib/core/attention.ts";
import { layerNorm } from "../../lib/core/block.ts";
import { maxAbsDiff } from "../_reference.ts";

const BACKENDS: BackendName[] = ["cpu", "wasm"];

function random(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.tidy(() =>
    tf.mul(tf.randomNormal(shape, 0, 1, "float32", seed), scale)
  );
}

// The value of f and the gradient of Σ f(inputs) ⊙ r with respect to each input.
function valueAndGrads(
  f: (...inputs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  r: tf.Tensor,
): { value: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const value = f(...inputs).dataSync() as Float32Array;
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), r)))(
      inputs,
    );
    return { value, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

function assertSame(
  fast: (...inputs: tf.Tensor[]) => tf.Tensor,
  plain: (...inputs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  tolerance: number,
): void {
  const r = tf.tidy(() => random(fast(...inputs).shape, 99));
  const a = valueAndGrads(fast, inputs, r);
  const b = valueAndGrads(plain, inputs, r);
  assert(maxAbsDiff(a.value, b.value) < tolerance, "values differ");
  a.grads.forEach((g, i) => {
    const diff = maxAbsDiff(g, b.grads[i]);
    assert(diff < tolerance, `gradient ${i} differs by ${diff}`);
  });
  r.dispose();
}

// Central differences of Σ f(inputs) ⊙ r at a few entries of input `which`.
function assertFiniteDifferences(
  f: (...inputs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  which: number,
  tolerance: number,
): void {
  const r = tf.tidy(() => random(f(...inputs).shape, 98));
  const { grads } = valueAndGrads(f, inputs, r);
  const values = Float32Array.from(inputs[which].dataSync());
  const h = 1e-2;
  const loss = (changed: Float32Array) =>
    tf.tidy(() => {
      const xs = [...inputs];
      xs[which] = tf.tensor(changed, inputs[which].shape);
      return tf.sum(tf.mul(f(...xs), r)).dataSync()[0];
    });
  for (let i = 0; i < values.length; i += Math.ceil(values.length / 7)) {
    const plus = values.slice(), minus = values.slice();
    plus[i] += h;
    minus[i] -= h;
    const numeric = (loss(plus) - loss(minus)) / (2 * h);
    assert(
      Math.abs(numeric - grads[which][i]) < tolerance,
      `entry ${i}: numeric ${numeric}, analytic ${grads[which][i]}`,
    );
  }
  r.dispose();
}

// A test step that leaves as many tensors as it found.
async function stepWithoutLeaks(
  t: Deno.TestContext,
  name: string,
  body: () => void,
): Promise<void> {
  await t.step(name, () => {
    const before = tf.memory().numTensors;
    body();
    assertEquals(tf.memory().numTensors, before, "tensors leaked");
  });
}

for (const backend of BACKENDS) {
  Deno.test(`fast ops equal the plain ops and finite differences on ${backend}`, async (t) => {
    await useBackend(backend);

    await stepWithoutLeaks(
      t,
      "linear: x · Wᵀ + b, with and without bias",
      () => {
        const [x, w, b] = [
          random([5, 4], 1),
          random([3, 4], 2),
          random([3], 3),
        ];
        assertSame(
          (x, w, b) =>
            linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D),
          (x, w, b) => tf.add(tf.matMul(x, w, false, true), b),
          [x, w, b],
          1e-5,
        );
        assertSame(
          (x, w) => linear(x as tf.Tensor2D, w as tf.Tensor2D),
          (x, w) => tf.matMul(x, w, false, true),
          [x, w],
          1e-5,
        );
        for (const which of [0, 1, 2]) {
          assertFiniteDifferences(
            (x, w, b) =>
              linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D),
            [x, w, b],
            which,
            2e-3,
          );
        }
        // a variable weight is read directly in the backward pass, not saved
        const variable = tf.variable(w);
        assertSame(
          (x, w, b) =>
            linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D),
          (x, w, b) => tf.add(tf.matMul(x, w, false, true), b),
          [x, variable, b],
          1e-5,
        );
        tf.dispose([x, w, b, variable]);
      },
    );

    await stepWithoutLeaks(t, "GELU (tanh approximation)", () => {
      const x = random([4, 6], 4, 2);
      assertSame((x) => gelu(x), (x) => plainGelu(x), [x], 1e-5);
      assertFiniteDifferences((x) => gelu(x), [x], 0, 2e-3);
      // against the formula in float64 at a few points
      const points = [-3, -0.5, 0, 0.7, 2.5];
      const got = tf.tidy(() => gelu(tf.tensor1d(points)).arraySync());
      points.forEach((p, i) => {
        const want = 0.5 * p *
          (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (p + 0.044715 * p ** 3)));
        assert(Math.abs(got[i] - want) < 1e-6, `gelu(${p})`);
      });
      x.dispose();
    });

    await stepWithoutLeaks(t, "LayerNorm equals block.ts's layerNorm", () => {
      const [x, g, b] = [
        random([2, 3, 5], 5, 3),
        random([5], 6),
        random([5], 7),
      ];
      assertSame(
        (x, g, b) => fastLayerNorm(x, g as tf.Tensor1D, b as tf.Tensor1D),
        (x, g, b) => layerNorm(x, { weight: g, bias: b }),
        [x, g, b],
        1e-5,
      );
      for (const which of [0, 1, 2]) {
        assertFiniteDifferences(
          (x, g, b) => fastLayerNorm(x, g as tf.Tensor1D, b as tf.Tensor1D),
          [x, g, b],
          which,
          5e-3,
        );
      }
      tf.dispose([x, g, b]);
    });

    await stepWithoutLeaks(
      t,
      "causal self-attention equals scaledDotProductAttention",
      () => {
        const [batch, seqLen, numHeads, dModel] = [2, 4, 2, 6];
        const qkv = random([batch * seqLen, 3 * dModel], 8);
        const shape = { batch, seqLen, numHeads };
        const fast = (qkv: tf.Tensor) =>
          causalSelfAttention(qkv as tf.Tensor2D, shape);
        const plain = (qkv: tf.Tensor) => {
          const dK = dModel / numHeads;
          const [q, k, v] = tf.split(qkv, 3, 1).map((p) =>
            p.reshape([batch, seqLen, numHeads, dK]).transpose([0, 2, 1, 3])
          );
          const result = scaledDotProductAttention(q, k, v, {
            mask: causalMask(seqLen),
          });
          return {
            output: result.output.transpose([0, 2, 1, 3]).reshape([
              batch * seqLen,
              dModel,
            ]),
            weights: result.weights,
          };
        };
        assertSame((q) => fast(q).output, (q) => plain(q).output, [qkv], 1e-5);
        const [wFast, wPlain] = tf.tidy(() => [
          fast(qkv).weights.dataSync(),
          plain(qkv).weights.dataSync(),
        ]);
        assert(maxAbsDiff(wFast, wPlain) < 1e-6, "attention weights differ");
        assertEquals(wFast[1], 0, "a query sees no later key");
        assertFiniteDifferences((q) => fast(q).output, [qkv], 0, 2e-3);
        qkv.dispose();
      },
    );

    await stepWithoutLeaks(
      t,
      "cross-entropy equals tf.losses.softmaxCrossEntropy",
      () => {
        const logits = random([6, 5], 9, 2);
        const targets = tf.tensor1d([0, 4, 2, 2, 1, 3], "int32");
        assertSame(
          (l) => crossEntropy(l as tf.Tensor2D, targets),
          (l) => tf.losses.softmaxCrossEntropy(tf.oneHot(targets, 5), l),
          [logits],
          1e-5,
        );
        assertFiniteDifferences(
          (l) => crossEntropy(l as tf.Tensor2D, targets),
          [logits],
          0,
          2e-3,
        );
        tf.dispose([logits, targets]);
      },
    );
  });
}

Deno.test("fast ops reject shapes that do not fit, in one sentence", async () => {
  await useBackend("cpu");
  tf.tidy(() => {
    assertThrows(
      () =>
        linear(
          tf.zeros([2, 3]) as tf.Tensor2D,
          tf.zeros([4, 5]) as tf.Tensor2D,
        ),
      RangeError,
      "must share the width",
    );
    assertThrows(
      () =>
        causalSelfAttention(tf.zeros([6, 9]) as tf.Tensor2D, {
          batch: 2,
          seqLen: 3,
          numHeads: 2,
        }),
      RangeError,
      "qkv must be",
    );
    assertThrows(
      () => crossEntropy(tf.zeros([2, 3]) as tf.Tensor2D, tf.tensor1d([0, 1])),
      RangeError,
      "int32",
    );
    assertThrows(
      () =>
        fastLayerNorm(
          tf.zeros([2, 3]),
          tf.ones([4]) as tf.Tensor1D,
          tf.zeros([3]) as tf.Tensor1D,
        ),
      RangeError,
      "weight must be",
    );
  });
});
