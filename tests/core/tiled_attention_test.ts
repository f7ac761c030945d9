// lib/core/tiled_attention.ts: the online softmax equals the two-pass one
// (float64, 1e-15); tiled attention equals the plain loop (float64 1e-12)
// and tfjs's scaledDotProductAttention (float32 1e-5), with and without the
// causal mask, for block sizes that do and do not divide T; its largest
// buffer grows linearly in T while the plain loop's grows as T².

import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "@std/assert";
import {
  type Matrix,
  matrix,
  maxAbsDifference,
  onlineSoftmax,
  onlineSoftmaxStats,
  plainAttention,
  type Precision,
  tiledAttention,
  twoPassSoftmax,
} from "../../lib/core/tiled_attention.ts";
import {
  causalMask,
  scaledDotProductAttention,
} from "../../lib/core/attention.ts";
import { mulberry32 } from "../../lib/core/random.ts";

function randomMatrix(
  rows: number,
  cols: number,
  seed: number,
  precision: Precision = "float64",
  spread = 2,
): Matrix {
  const next = mulberry32(seed);
  const data = precision === "float32"
    ? new Float32Array(rows * cols)
    : new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = (2 * next() - 1) * spread;
  return { data, rows, cols };
}

Deno.test("two-pass softmax matches hand-computed weights", () => {
  const p = twoPassSoftmax([0, Math.log(2), Math.log(5)]);
  assertAlmostEquals(p[0], 1 / 8, 1e-16);
  assertAlmostEquals(p[1], 2 / 8, 1e-16);
  assertAlmostEquals(p[2], 5 / 8, 1e-16);
});

Deno.test("online softmax equals the two-pass softmax in float64 (≤ 1e-15)", () => {
  for (const [seed, n, spread] of [[1, 7, 3], [2, 1000, 10], [3, 4096, 40]]) {
    const row = randomMatrix(1, n, seed, "float64", spread).data;
    const gap = maxAbsDifference(onlineSoftmax(row), twoPassSoftmax(row));
    assert(gap <= 1e-15, `n ${n}: gap ${gap}`);
  }
  // increasing scores: the maximum changes at every step
  const rising = Array.from({ length: 50 }, (_, j) => j / 3);
  assert(
    maxAbsDifference(onlineSoftmax(rising), twoPassSoftmax(rising)) <= 1e-15,
  );
  // hidden keys count as zero
  const masked = onlineSoftmax([1, -Infinity, 2]);
  assertEquals(masked[1], 0);
  assertAlmostEquals(masked[0] + masked[2], 1, 1e-15);
});

Deno.test("online statistics are the maximum and Σ exp(x − max)", () => {
  const { max, sum } = onlineSoftmaxStats([2, 5, -1, 5]);
  assertEquals(max, 5);
  assertAlmostEquals(sum, Math.exp(-3) + 2 + Math.exp(-6), 1e-15);
});

Deno.test("plain loop attention equals tfjs's scaledDotProductAttention (float32, 1e-5)", () => {
  for (const causal of [false, true]) {
    const [q, k, v] = [11, 12, 13].map((s) => randomMatrix(9, 4, s));
    const loop = plainAttention(q, k, v, { causal });
    const toTensor = (m: Matrix) =>
      tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols]);
    const mask = causal ? causalMask(9) : undefined;
    const [tq, tk, tv] = [q, k, v].map(toTensor);
    const { output, weights } = scaledDotProductAttention(tq, tk, tv, { mask });
    const gap = maxAbsDifference(loop.output.data, output.dataSync());
    assert(gap <= 1e-5, `causal ${causal}: gap ${gap}`);
    tf.dispose([tq, tk, tv, output, weights, mask!].filter(Boolean));
  }
});

Deno.test("tiled attention equals plain attention", async (t) => {
  const cases = [
    { tq: 37, tk: 37, dK: 8, dV: 5, bq: 8, bk: 8 },
    { tq: 37, tk: 37, dK: 8, dV: 5, bq: 5, bk: 11 }, // blocks that do not divide T
    { tq: 16, tk: 40, dK: 4, dV: 6, bq: 3, bk: 7 }, // fewer queries than keys (a cache)
    { tq: 64, tk: 64, dK: 16, dV: 16, bq: 64, bk: 1 }, // one key at a time
    { tq: 20, tk: 20, dK: 4, dV: 4, bq: 32, bk: 32 }, // one block holds all
  ];
  for (const precision of ["float64", "float32"] as const) {
    const tolerance = precision === "float64" ? 1e-12 : 1e-5;
    for (const causal of [false, true]) {
      await t.step(`${precision}, causal ${causal}, ≤ ${tolerance}`, () => {
        for (const [n, c] of cases.entries()) {
          // wide scores (spread 3 → |s| up to 36/√dK): the running max moves
          const q = randomMatrix(c.tq, c.dK, 100 + n, precision, 3);
          const k = randomMatrix(c.tk, c.dK, 200 + n, precision, 3);
          const v = randomMatrix(c.tk, c.dV, 300 + n, precision, 3);
          // the reference is always the float64 loop
          const as64 = (m: Matrix) => ({
            ...m,
            data: Float64Array.from(m.data),
          });
          const plain = plainAttention(as64(q), as64(k), as64(v), { causal });
          const tiled = tiledAttention(q, k, v, {
            causal,
            precision,
            queryBlock: c.bq,
            keyBlock: c.bk,
          });
          assertEquals([tiled.output.rows, tiled.output.cols], [c.tq, c.dV]);
          const gap = maxAbsDifference(tiled.output, plain.output);
          assert(gap <= tolerance, `case ${n}: gap ${gap}`);
        }
      });
    }
  }
});

Deno.test("tiled float32 equals tfjs's float32 attention (≤ 1e-5)", () => {
  const [q, k, v] = [1, 2, 3].map((s) => randomMatrix(50, 8, s, "float32"));
  const tiled = tiledAttention(q, k, v, {
    causal: true,
    precision: "float32",
    queryBlock: 16,
    keyBlock: 16,
  });
  const [tq, tk, tv] = [q, k, v].map((m) =>
    tf.tensor2d(m.data as Float32Array, [m.rows, m.cols])
  );
  const mask = causalMask(50);
  const { output, weights } = scaledDotProductAttention(tq, tk, tv, { mask });
  const gap = maxAbsDifference(tiled.output.data, output.dataSync());
  assert(gap <= 1e-5, `gap ${gap}`);
  tf.dispose([tq, tk, tv, mask, output, weights]);
});

Deno.test("tiled attention's largest buffer grows as T, plain attention's as T²", () => {
  const dK = 16;
  const block = 32;
  const sizes = [128, 256, 512, 1024];
  const tiledLargest: number[] = [];
  const plainLargest: number[] = [];
  for (const T of sizes) {
    const [q, k, v] = [1, 2, 3].map((s) => randomMatrix(T, dK, s));
    const tiled = tiledAttention(q, k, v, {
      causal: true,
      queryBlock: block,
      keyBlock: block,
    });
    tiledLargest.push(tiled.largestBuffer);
    // no buffer of the tiled loop depends on T but the output
    for (const b of tiled.buffers) {
      if (!b.name.startsWith("output")) {
        assert(b.elements <= block * Math.max(block, dK));
      }
    }
    if (T <= 512) {
      plainLargest.push(
        plainAttention(q, k, v, { causal: true }).largestBuffer,
      );
    }
  }
  // T doubles: the tiled buffer doubles, the plain one quadruples
  for (let i = 1; i < sizes.length; i++) {
    assertEquals(tiledLargest[i] / tiledLargest[i - 1], 2);
  }
  for (let i = 1; i < plainLargest.length; i++) {
    assertEquals(plainLargest[i] / plainLargest[i - 1], 4);
  }
  assertEquals(tiledLargest, sizes.map((T) => T * dK)); // the output [T, dV]
  assertEquals(plainLargest, [128, 256, 512].map((T) => T * T));
});

Deno.test("bad input gets one sentence", () => {
  const x = matrix([[1, 2], [3, 4]]);
  assertThrows(() => twoPassSoftmax([]), RangeError, "non-empty");
  assertThrows(() => onlineSoftmax([-Infinity, -Infinity]), RangeError, "0/0");
  assertThrows(() => onlineSoftmax([1, NaN]), RangeError, "score 1");
  assertThrows(() => matrix([[1, 2], [3]]), RangeError, "row 1");
  assertThrows(
    () => tiledAttention(x, x, x, { queryBlock: 0 }),
    RangeError,
    "queryBlock",
  );
  assertThrows(
    () => tiledAttention(x, matrix([[1, 2, 3]]), x),
    RangeError,
    "width dK",
  );
  assertThrows(
    () => plainAttention(x, x, matrix([[1]])),
    RangeError,
    "length Tk",
  );
  assertThrows(
    () => tiledAttention(x, x, x, { precision: "float16" as Precision }),
    RangeError,
    "precision",
  );
  assertThrows(
    () =>
      tiledAttention(matrix([[1], [2], [3]]), matrix([[1]]), matrix([[1]]), {
        causal: true,
      }),
    RangeError,
    "Tq must be ≤ Tk",
  );
  assertThrows(
    () => plainAttention({ rows: 1 } as unknown as Matrix, x, x),
    RangeError,
    "q must be a matrix",
  );
});
