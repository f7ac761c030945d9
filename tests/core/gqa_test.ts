// lib/core/gqa.ts: grouped-query attention with as many groups as heads is
// multi-head attention exactly; with fewer groups each query head reads its
// group's key/value head (checked against a float64 loop); mean pooling
// averages the heads of a group; the KV cache's bytes per token.

import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  groupedQueryAttention,
  kvCacheBytesPerToken,
  meanPoolHeads,
} from "../../lib/core/gqa.ts";
import { causalMask, multiHeadAttention } from "../../lib/core/attention.ts";
import { matrix, plainAttention } from "../../lib/core/tiled_attention.ts";

const B = 2, H = 4, T = 5, DK = 3;

Deno.test("GQA with groups = heads equals multiHeadAttention exactly", () => {
  const dModel = H * DK;
  const x = tf.randomNormal([B, T, dModel], 0, 1, "float32", 7);
  const inW = tf.randomNormal([3 * dModel, dModel], 0, 0.3, "float32", 8);
  const inB = tf.randomNormal([3 * dModel], 0, 0.3, "float32", 9);
  const eye = tf.eye(dModel);
  const zero = tf.zeros([dModel]);
  const mask = causalMask(T);
  const mha = multiHeadAttention(x, {
    inProjWeight: inW,
    inProjBias: inB,
    outProjWeight: eye,
    outProjBias: zero,
  }, { numHeads: H, causal: true });
  const heads = tf.tidy(() => {
    const qkv = tf.add(
      tf.matMul(x.reshape([B * T, dModel]), inW, false, true),
      inB,
    );
    const [q, k, v] = tf.split(qkv, 3, 1).map((p) =>
      p.reshape([B, T, H, DK]).transpose([0, 2, 1, 3])
    );
    const r = groupedQueryAttention(q, k, v, { mask });
    const out = tf.add(
      tf.matMul(
        r.output.transpose([0, 2, 1, 3]).reshape([B * T, dModel]),
        eye,
        false,
        true,
      ),
      zero,
    ).reshape([B, T, dModel]);
    return { out, weights: r.weights };
  });
  assertEquals(
    Array.from(heads.out.dataSync()),
    Array.from(mha.output.dataSync()),
  );
  assertEquals(
    Array.from(heads.weights.dataSync()),
    Array.from(mha.weights.dataSync()),
  );
  tf.dispose([
    x,
    inW,
    inB,
    eye,
    zero,
    mask,
    mha.output,
    mha.weights,
    heads.out,
    heads.weights,
  ]);
});

Deno.test("GQA: query head i reads key/value head ⌊i / (h/g)⌋ (float64 loop, 1e-5)", () => {
  for (const g of [1, 2]) {
    const q = tf.randomNormal([1, H, T, DK], 0, 1, "float32", 1);
    const k = tf.randomNormal([1, g, T, DK], 0, 1, "float32", 2);
    const v = tf.randomNormal([1, g, T, DK], 0, 1, "float32", 3);
    const { output, weights } = groupedQueryAttention(q, k, v);
    const [qa, ka, va, out] = [q, k, v, output].map((t) =>
      t.arraySync() as number[][][][]
    );
    for (let i = 0; i < H; i++) {
      const group = Math.floor(i / (H / g));
      const want = plainAttention(
        matrix(qa[0][i]),
        matrix(ka[0][group]),
        matrix(va[0][group]),
      );
      const got = out[0][i].flat();
      const gap = Math.max(
        ...got.map((y, n) => Math.abs(y - want.output.data[n])),
      );
      assert(gap <= 1e-5, `g ${g}, head ${i}: gap ${gap}`);
    }
    tf.dispose([q, k, v, output, weights]);
  }
});

Deno.test("GQA equals MHA whose key/value heads are copies within each group", () => {
  const g = 2;
  const q = tf.randomNormal([1, H, T, DK], 0, 1, "float32", 4);
  const k = tf.randomNormal([1, g, T, DK], 0, 1, "float32", 5);
  const v = tf.randomNormal([1, g, T, DK], 0, 1, "float32", 6);
  const gqa = groupedQueryAttention(q, k, v);
  const copies = (t: tf.Tensor) =>
    tf.concat(tf.split(t, g, 1).flatMap((head) => [head, head]), 1); // [1, H, T, DK]
  const [kk, vv] = [copies(k), copies(v)];
  const mha = groupedQueryAttention(q, kk, vv);
  assertEquals(
    Array.from(gqa.output.dataSync()),
    Array.from(mha.output.dataSync()),
  );
  tf.dispose([
    q,
    k,
    v,
    kk,
    vv,
    gqa.output,
    gqa.weights,
    mha.output,
    mha.weights,
  ]);
});

Deno.test("mean pooling averages the heads of each group, rows and biases", () => {
  // 4 heads of width 2, one input column: head n holds rows [n, 10n]
  const rows = tf.tensor2d([[0], [0], [1], [10], [2], [20], [3], [30]]);
  assertEquals(Array.from(meanPoolHeads(rows, 4, 2).dataSync()), [
    0.5,
    5,
    2.5,
    25,
  ]);
  assertEquals(Array.from(meanPoolHeads(rows, 4, 1).dataSync()), [1.5, 15]);
  assertEquals(
    Array.from(meanPoolHeads(rows, 4, 4).dataSync()),
    Array.from(rows.dataSync()),
  );
  const bias = tf.tensor1d([0, 0, 1, 10, 2, 20, 3, 30]);
  assertEquals(Array.from(meanPoolHeads(bias, 4, 2).dataSync()), [
    0.5,
    5,
    2.5,
    25,
  ]);
  tf.dispose([rows, bias]);
});

Deno.test("KV cache bytes per token: 2 × layers × kvHeads × dK × 4", () => {
  assertEquals(
    kvCacheBytesPerToken({ numLayers: 12, numKvHeads: 12, dK: 64 }),
    73_728,
  );
  assertEquals(
    kvCacheBytesPerToken({ numLayers: 12, numKvHeads: 1, dK: 64 }),
    6_144,
  );
  assertEquals(
    kvCacheBytesPerToken({
      numLayers: 4,
      numKvHeads: 4,
      dK: 32,
      bytesPerNumber: 2,
    }),
    2048,
  );
});

Deno.test("bad input gets one sentence", () => {
  const q = tf.zeros([1, 4, 2, 2]),
    k = tf.zeros([1, 3, 2, 2]),
    flat = tf.zeros([2, 2]);
  assertThrows(
    () => groupedQueryAttention(q, k, k),
    RangeError,
    "divide the 4 query heads",
  );
  assertThrows(
    () => groupedQueryAttention(flat, flat, flat),
    RangeError,
    "[B, heads, T, d]",
  );
  assertThrows(() => meanPoolHeads(flat, 4, 3), RangeError, "numKvHeads");
  assertThrows(
    () => meanPoolHeads(tf.zeros([3, 1]), 2, 1),
    RangeError,
    "h = 2",
  );
  assertThrows(
    () => kvCacheBytesPerToken({ numLayers: 0, numKvHeads: 1, dK: 1 }),
    RangeError,
    "numLayers",
  );
  tf.dispose([q, k, flat]);
});

Deno.test("GQA's gradient is the sum over the query heads of each group", () => {
  const q = tf.randomNormal([1, H, T, DK], 0, 1, "float32", 11);
  const v = tf.randomNormal([1, 2, T, DK], 0, 1, "float32", 12);
  const f = (k: tf.Tensor) => groupedQueryAttention(q, k, v).output.sum();
  const copies = (k: tf.Tensor) =>
    tf.concat(tf.split(k, 2, 1).flatMap((head) => [head, head]), 1);
  const g = (k: tf.Tensor) =>
    groupedQueryAttention(q, copies(k), copies(v)).output.sum();
  const k = tf.randomNormal([1, 2, T, DK], 0, 1, "float32", 13);
  const [a, b] = [tf.grad(f)(k), tf.grad(g)(k)];
  const gap = Math.max(
    ...Array.from(a.dataSync()).map((x, i) => Math.abs(x - b.dataSync()[i])),
  );
  assert(gap <= 1e-6, `gap ${gap}`);
  tf.dispose([q, v, k, a, b]);
});
