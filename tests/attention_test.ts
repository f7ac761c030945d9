import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "@std/assert";
import * as tf from "@tensorflow/tfjs";
import {
  causalMask,
  embeddingLookup,
  multiHeadAttention,
  type MultiHeadWeights,
  scaledDotProductAttention,
} from "../lib/core/attention.ts";
import { torchAvailable } from "../bench/bench.ts";
import { assertClose, runTorchScript } from "./_reference.ts";

// ---- an independent float64 reference, plain loops from the formulas ----

type M = number[][];

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1; // uniform in [-1, 1)
  };
}
const matrix = (rows: number, cols: number, next: () => number): M =>
  Array.from({ length: rows }, () => Array.from({ length: cols }, next));
const f32 = (m: M): M => m.map((r) => r.map((v) => Math.fround(v)));

function softmaxRow(z: number[]): number[] {
  const m = Math.max(...z.filter((v) => v !== -Infinity));
  const e = z.map((v) => v === -Infinity ? 0 : Math.exp(v - m));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

// one sequence, one head: softmax(q kᵀ / √dK + mask) v
function refAttention(
  q: M,
  k: M,
  v: M,
  causal: boolean,
): { output: M; weights: M } {
  const dK = q[0].length;
  const weights = q.map((qi, i) =>
    softmaxRow(k.map((kj, j) => {
      if (causal && j > i) return -Infinity;
      let s = 0;
      for (let c = 0; c < dK; c++) s += qi[c] * kj[c];
      return s / Math.sqrt(dK);
    }))
  );
  const output = weights.map((w) =>
    v[0].map((_, c) => w.reduce((s, wj, j) => s + wj * v[j][c], 0))
  );
  return { output, weights };
}

// x · Wᵀ + b, row by row
function refLinear(x: M, w: M, b: number[]): M {
  return x.map((row) =>
    w.map((wo, o) => row.reduce((s, xi, i) => s + xi * wo[i], b[o]))
  );
}

interface PlainWeights {
  inProjWeight: M;
  inProjBias: number[];
  outProjWeight: M;
  outProjBias: number[];
}

function refMultiHead(
  x: M[],
  w: PlainWeights,
  numHeads: number,
  causal: boolean,
): { output: M[]; weights: M[][] } {
  const d = x[0][0].length;
  const dK = d / numHeads;
  const output: M[] = [];
  const weights: M[][] = [];
  for (const seq of x) {
    const qkv = refLinear(seq, w.inProjWeight, w.inProjBias); // [T, 3d]
    const heads: M[] = [];
    const headWeights: M[] = [];
    for (let h = 0; h < numHeads; h++) {
      const cols = (part: number) =>
        qkv.map((r) => r.slice(part * d + h * dK, part * d + (h + 1) * dK));
      const r = refAttention(cols(0), cols(1), cols(2), causal);
      heads.push(r.output);
      headWeights.push(r.weights);
    }
    const concat = seq.map((_, t) => heads.flatMap((head) => head[t]));
    output.push(refLinear(concat, w.outProjWeight, w.outProjBias));
    weights.push(headWeights);
  }
  return { output, weights };
}

function randomWeights(d: number, seed: number): PlainWeights {
  const next = random(seed);
  return {
    inProjWeight: f32(matrix(3 * d, d, next)),
    inProjBias: f32([Array.from({ length: 3 * d }, next)])[0],
    outProjWeight: f32(matrix(d, d, next)),
    outProjBias: f32([Array.from({ length: d }, next)])[0],
  };
}

// ---- tests ----

Deno.test("scaledDotProductAttention equals the loop reference, with and without a mask", () => {
  const next = random(11);
  const [batch, seqLen, dK, dV] = [2, 5, 3, 4];
  const q = Array.from({ length: batch }, () => f32(matrix(seqLen, dK, next)));
  const k = Array.from({ length: batch }, () => f32(matrix(seqLen, dK, next)));
  const v = Array.from({ length: batch }, () => f32(matrix(seqLen, dV, next)));
  for (const causal of [false, true]) {
    const mask = causal ? causalMask(seqLen) : undefined;
    const { output, weights } = scaledDotProductAttention(q, k, v, { mask });
    assertEquals(output.shape, [batch, seqLen, dV]);
    assertEquals(weights.shape, [batch, seqLen, seqLen]);
    for (let b = 0; b < batch; b++) {
      const ref = refAttention(q[b], k[b], v[b], causal);
      assertClose((output.arraySync() as M[])[b], ref.output, 1e-5);
      assertClose((weights.arraySync() as M[])[b], ref.weights, 1e-6);
    }
    tf.dispose([output, weights, mask]);
  }
});

Deno.test("causalMask hides exactly the later positions", () => {
  const mask = causalMask(4);
  const rows = mask.arraySync() as M;
  mask.dispose();
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      assertEquals(rows[i][j], j > i ? -Infinity : 0, `[${i}][${j}]`);
    }
  }
  assertThrows(() => causalMask(0), RangeError, "seqLen must be");
  assertThrows(() => causalMask(2.5), RangeError, "got 2.5");
});

Deno.test("a causal mask makes later tokens invisible: changing them leaves earlier outputs unchanged", () => {
  const next = random(5);
  const x = [f32(matrix(4, 4, next))];
  const changed = [x[0].map((row, t) => t === 3 ? row.map((v) => v + 1) : row)];
  const w = randomWeights(4, 9);
  const a = multiHeadAttention(x, w, { numHeads: 2, causal: true });
  const b = multiHeadAttention(changed, w, { numHeads: 2, causal: true });
  const outA = (a.output.arraySync() as M[])[0];
  const outB = (b.output.arraySync() as M[])[0];
  assertClose(outB.slice(0, 3), outA.slice(0, 3), 1e-6);
  assert(Math.abs(outB[3][0] - outA[3][0]) > 1e-4, "the last row did change");
  tf.dispose([a, b].flatMap((r) => [r.output, r.weights]));
});

Deno.test("multiHeadAttention equals the loop reference for 1, 2 and 4 heads", async (t) => {
  const next = random(3);
  const x = Array.from({ length: 2 }, () => f32(matrix(6, 8, next)));
  const w = randomWeights(8, 17);
  for (const numHeads of [1, 2, 4]) {
    for (const causal of [false, true]) {
      await t.step(`${numHeads} heads${causal ? ", causal" : ""}`, () => {
        const { output, weights } = multiHeadAttention(x, w, {
          numHeads,
          causal,
        });
        assertEquals(output.shape, [2, 6, 8]);
        assertEquals(weights.shape, [2, numHeads, 6, 6]);
        const ref = refMultiHead(x, w, numHeads, causal);
        assertClose(output.arraySync(), ref.output, 1e-5);
        assertClose(weights.arraySync(), ref.weights, 1e-6);
        tf.dispose([output, weights]);
      });
    }
  }
});

Deno.test("multiHeadAttention's gradient matches finite differences of the loop reference", () => {
  const next = random(23);
  const x = [f32(matrix(3, 4, next))];
  const w = randomWeights(4, 29);
  const tw: MultiHeadWeights = {
    inProjWeight: tf.tensor2d(w.inProjWeight),
    inProjBias: tf.tensor1d(w.inProjBias),
    outProjWeight: tf.tensor2d(w.outProjWeight),
    outProjBias: tf.tensor1d(w.outProjBias),
  };
  // loss = Σ output · c, for a fixed random c
  const c = f32(matrix(3, 4, next));
  const grad = tf.grad((input: tf.Tensor) =>
    tf.sum(
      tf.mul(
        multiHeadAttention(input, tw, { numHeads: 2, causal: true }).output,
        tf.tensor3d([c]),
      ),
    )
  )(tf.tensor3d(x));
  const analytic = (grad.arraySync() as M[])[0];
  const loss = (xs: M) =>
    refMultiHead([xs], w, 2, true).output[0].reduce(
      (s, row, i) => s + row.reduce((r, v, j) => r + v * c[i][j], 0),
      0,
    );
  const h = 1e-6;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 4; j++) {
      const plus = x[0].map((r) => [...r]);
      const minus = x[0].map((r) => [...r]);
      plus[i][j] += h;
      minus[i][j] -= h;
      const numeric = (loss(plus) - loss(minus)) / (2 * h);
      assertAlmostEquals(analytic[i][j], numeric, 1e-4, `∂/∂x[${i}][${j}]`);
    }
  }
  tf.dispose([grad, ...Object.values(tw) as tf.Tensor[]]);
});

Deno.test("attention ops leave no tensors behind", () => {
  const before = tf.memory().numTensors;
  const w = randomWeights(4, 1);
  const x = [f32(matrix(3, 4, random(2)))];
  const r = multiHeadAttention(x, w, { numHeads: 2, causal: true });
  tf.dispose([r.output, r.weights]);
  const s = scaledDotProductAttention(x, x, x, {
    mask: [[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]],
  });
  tf.dispose([s.output, s.weights]);
  assertThrows(() => multiHeadAttention(x, w, { numHeads: 3 }));
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("bad input gets a message naming the value and what is valid", () => {
  const w = randomWeights(4, 1);
  const x = [f32(matrix(3, 4, random(2)))];
  assertThrows(
    () => multiHeadAttention(x, w, { numHeads: 3 }),
    RangeError,
    "numHeads must be a whole number ≥ 1 that divides dModel 4, got 3",
  );
  assertThrows(
    () => multiHeadAttention(x[0], w),
    RangeError,
    "x must be [B, T, dModel], got shape [3,4]",
  );
  assertThrows(
    () => multiHeadAttention(x, { ...w, outProjBias: [0, 0] }),
    RangeError,
    "outProjBias must have shape [4], got [2]",
  );
  assertThrows(
    () => multiHeadAttention(x, null as unknown as MultiHeadWeights),
    TypeError,
    "weights must be {inProjWeight, inProjBias, outProjWeight, outProjBias}, got null",
  );
  assertThrows(
    () => multiHeadAttention([[[1, NaN, 0, 0]]], w),
    RangeError,
    "x holds a NaN or infinite number",
  );
  assertThrows(
    () => scaledDotProductAttention([[1, 2]], [[1, 2, 3]], [[1]]),
    RangeError,
    "same width dK",
  );
  assertThrows(
    () => scaledDotProductAttention([[1]], [[1], [2]], [[1]]),
    RangeError,
    "same length Tk",
  );
  assertThrows(
    () =>
      scaledDotProductAttention([[1]], [[1], [2]], [[1], [2]], {
        mask: [[-Infinity, -Infinity]],
      }),
    RangeError,
    "mask row 0 hides every key",
  );
  assertThrows(
    () =>
      scaledDotProductAttention([[1]], [[1], [2]], [[1], [2]], {
        mask: [[0, 0, 0]],
      }),
    RangeError,
    "mask must broadcast",
  );
  assertThrows(
    () => scaledDotProductAttention([[1, 2], [3]], [[1]], [[1]]),
    RangeError,
    "q must be a rectangular array",
  );
});

Deno.test("embeddingLookup: gather's values, a scatter-add gradient, duplicates adding up", () => {
  const table = tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]));
  const ids = [2, 0, 2, 3];
  const rows = embeddingLookup(table, ids);
  assertEquals(rows.arraySync(), [[5, 6], [1, 2], [5, 6], [7, 8]]);
  rows.dispose();
  const upstream = tf.tensor2d([[1, 10], [2, 20], [3, 30], [4, 40]]);
  const { grads, value } = tf.variableGrads(
    () => tf.sum(tf.mul(embeddingLookup(table, ids), upstream)),
    [table],
  );
  // row 2 appears at positions 0 and 2: its gradient is the sum of both rows
  assertEquals(grads[table.name].arraySync(), [[2, 20], [0, 0], [4, 40], [
    4,
    40,
  ]]);
  const { grads: gatherGrads, value: v2 } = tf.variableGrads(
    () => tf.sum(tf.mul(tf.gather(table, ids), upstream)),
    [table],
  );
  assertEquals(
    grads[table.name].arraySync(),
    gatherGrads[table.name].arraySync(),
  );
  assertThrows(
    () => embeddingLookup(table, [4]),
    RangeError,
    "id 4 is outside the table (0…3)",
  );
  assertThrows(() => embeddingLookup(table, [1.5]), RangeError, "id 1.5");
  tf.dispose([
    table,
    upstream,
    value,
    v2,
    grads[table.name],
    gatherGrads[table.name],
  ]);
});

// ---- parity with PyTorch's nn.MultiheadAttention (ignored, never passed, without torch) ----

const TORCH = (await torchAvailable()).ok;

Deno.test({
  name:
    "multiHeadAttention equals torch.nn.MultiheadAttention from the same weights",
  ignore: !TORCH,
  fn: async (t) => {
    const next = random(41);
    const x = Array.from({ length: 2 }, () => f32(matrix(5, 8, next)));
    const w = randomWeights(8, 43);
    const cases = [1, 2, 4].flatMap((numHeads) =>
      [false, true].map((causal) => ({ numHeads, causal }))
    );
    // one Python process for every case: importing torch takes seconds
    const torch = await runTorchScript<{ output: M[]; weights: M[][] }[]>(
      "bench/torch_attention.py",
      cases.map((c) => ({ x, ...w, ...c })),
    );
    for (const [i, { numHeads, causal }] of cases.entries()) {
      await t.step(`${numHeads} heads${causal ? ", causal" : ""}`, () => {
        const { output, weights } = multiHeadAttention(x, w, {
          numHeads,
          causal,
        });
        assertClose(output.arraySync(), torch[i].output, 1e-5);
        assertClose(weights.arraySync(), torch[i].weights, 1e-5);
        tf.dispose([output, weights]);
      });
    }
  },
});

// Issue 13, item 3: attention matrices are bounded before they are built.
import { MAX_ATTENTION_CELLS } from "../lib/demo/config.ts";
Deno.test("attention refuses score matrices beyond MAX_ATTENTION_CELLS", () => {
  const before = tf.memory().numTensors;
  const t = Math.sqrt(MAX_ATTENTION_CELLS);
  const x = tf.zeros([2, t, 1]); // [B, T, d]: 2 · T · T cells, twice the limit
  assertThrows(
    () => scaledDotProductAttention(x, x, x),
    RangeError,
    `the attention weights [2,${t},${t}] would hold ${2 * t * t} numbers`,
  );
  x.dispose();
  assertThrows(() => causalMask(t + 1), RangeError, "a causal mask");
  assertEquals(tf.memory().numTensors, before);
});
