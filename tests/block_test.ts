import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "@std/assert";
import * as tf from "@tensorflow/tfjs";
import {
  BLOCK_SCHEMA,
  BLOCK_WEIGHT_NAMES,
  blockDefinition,
  blockSchema,
  type BlockWeights,
  blockWeightShapes,
  feedForward,
  initBlockWeights,
  layerNorm,
  learnedPositionTable,
  sinusoidalPositions,
  transformerBlock,
} from "../lib/core/block.ts";
import { embeddingLookup } from "../lib/core/attention.ts";
import { Model } from "../lib/core/model.ts";
import { torchAvailable } from "../bench/bench.ts";
import { assertClose, runTorchScript } from "./_reference.ts";

// ---- an independent float64 reference: one token, one head at a time ----

type M = number[][];
type Plain = Record<keyof BlockWeights, number[] | M>;

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 22695477) + 1) >>> 0;
    return (s / 2 ** 32) * 2 - 1; // uniform in [-1, 1)
  };
}
const fr = Math.fround;
const randomMatrix = (rows: number, cols: number, next: () => number): M =>
  Array.from(
    { length: rows },
    () => Array.from({ length: cols }, () => fr(next())),
  );

// y_o = b_o + Σ_i x_i W[o][i]  (PyTorch's x · Wᵀ + b)
function linear(x: number[], w: M, b: number[]): number[] {
  const out: number[] = [];
  for (let o = 0; o < w.length; o++) {
    let s = b[o];
    for (let i = 0; i < x.length; i++) s += x[i] * w[o][i];
    out.push(s);
  }
  return out;
}

function layerNormRow(x: number[], g: number[], b: number[], eps: number) {
  let mean = 0;
  for (const v of x) mean += v / x.length;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2 / x.length;
  return x.map((v, i) => g[i] * (v - mean) / Math.sqrt(variance + eps) + b[i]);
}

function feedForwardRow(x: number[], w: Plain): number[] {
  const hidden = linear(x, w.linear1Weight as M, w.linear1Bias as number[])
    .map((v) => Math.max(0, v));
  return linear(hidden, w.linear2Weight as M, w.linear2Bias as number[]);
}

// self-attention of one sequence [T, d] → [T, d]
function attentionSeq(seq: M, w: Plain, heads: number, causal: boolean): M {
  const d = seq[0].length;
  const dK = d / heads;
  const qkv = seq.map((x) =>
    linear(x, w.inProjWeight as M, w.inProjBias as number[])
  );
  const concat = seq.map(() => new Array<number>(d).fill(0));
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < seq.length; i++) {
      const scores: number[] = [];
      for (let j = 0; j < seq.length; j++) {
        if (causal && j > i) continue;
        let s = 0;
        for (let c = 0; c < dK; c++) {
          s += qkv[i][h * dK + c] * qkv[j][d + h * dK + c];
        }
        scores.push(s / Math.sqrt(dK));
      }
      const m = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - m));
      const total = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < e.length; j++) {
        for (let c = 0; c < dK; c++) {
          concat[i][h * dK + c] += (e[j] / total) * qkv[j][2 * d + h * dK + c];
        }
      }
    }
  }
  return concat.map((c) =>
    linear(c, w.outProjWeight as M, w.outProjBias as number[])
  );
}

function blockSeq(
  seq: M,
  w: Plain,
  opts: { heads: number; causal: boolean; normFirst: boolean },
): M {
  const eps = 1e-5;
  const add = (a: M, b: M) => a.map((r, i) => r.map((v, j) => v + b[i][j]));
  const norm = (x: M, k: 1 | 2) =>
    x.map((r) =>
      layerNormRow(
        r,
        w[`norm${k}Weight`] as number[],
        w[`norm${k}Bias`] as number[],
        eps,
      )
    );
  const ff = (x: M) => x.map((r) => feedForwardRow(r, w));
  if (opts.normFirst) {
    const h = add(seq, attentionSeq(norm(seq, 1), w, opts.heads, opts.causal));
    return add(h, ff(norm(h, 2)));
  }
  const h = norm(add(seq, attentionSeq(seq, w, opts.heads, opts.causal)), 1);
  return norm(add(h, ff(h)), 2);
}

// random block weights (norm gains and shifts random too, so they are tested)
function randomBlock(d: number, dFF: number, seed: number): Plain {
  const next = random(seed);
  const shapes = blockWeightShapes(d, dFF);
  const w = {} as Plain;
  for (const name of BLOCK_WEIGHT_NAMES) {
    const [rows, cols] = shapes[name];
    w[name] = cols === undefined
      ? randomMatrix(1, rows, next)[0]
      : randomMatrix(rows, cols, next);
  }
  return w;
}

// ---- tests ----

Deno.test("sinusoidalPositions follows sin/cos(pos / 10000^(2i/dModel)), for even and odd widths", () => {
  for (const [seqLen, dModel] of [[7, 6], [5, 3], [1, 1]]) {
    const pe = sinusoidalPositions(seqLen, dModel);
    assertEquals(pe.shape, [seqLen, dModel]);
    const rows = pe.arraySync();
    pe.dispose();
    for (let pos = 0; pos < seqLen; pos++) {
      for (let i = 0; 2 * i < dModel; i++) {
        const angle = pos / 10000 ** (2 * i / dModel);
        assertAlmostEquals(rows[pos][2 * i], Math.sin(angle), 1e-6);
        if (2 * i + 1 < dModel) {
          assertAlmostEquals(rows[pos][2 * i + 1], Math.cos(angle), 1e-6);
        }
      }
    }
  }
  const base = sinusoidalPositions(3, 2, { base: 100 });
  assertAlmostEquals(base.arraySync()[2][0], Math.sin(2), 1e-6);
  base.dispose();
});

Deno.test("sinusoidal encodings: every position differs, and a shift is the same rotation at every position", () => {
  const pe = sinusoidalPositions(20, 8);
  const rows = pe.arraySync();
  pe.dispose();
  for (let a = 0; a < 20; a++) {
    for (let b = a + 1; b < 20; b++) {
      const gap = Math.max(...rows[a].map((v, j) => Math.abs(v - rows[b][j])));
      assert(gap > 1e-3, `positions ${a} and ${b} are distinguishable`);
    }
  }
  // pair i turns by the angle k·ω_i for a shift of k, whatever the position
  const k = 3;
  for (let i = 0; i < 4; i++) {
    const w = 1 / 10000 ** (2 * i / 8);
    const [c, s] = [Math.cos(k * w), Math.sin(k * w)];
    for (let pos = 0; pos + k < 20; pos++) {
      const [sin, cos] = [rows[pos][2 * i], rows[pos][2 * i + 1]];
      assertAlmostEquals(rows[pos + k][2 * i], sin * c + cos * s, 1e-5);
      assertAlmostEquals(rows[pos + k][2 * i + 1], cos * c - sin * s, 1e-5);
    }
  }
});

Deno.test("learnedPositionTable: seeded N(0, 0.02²) rows, looked up by position", () => {
  const a = learnedPositionTable(64, 16, { seed: 5 });
  const b = learnedPositionTable(64, 16, { seed: 5 });
  const c = learnedPositionTable(64, 16, { seed: 6 });
  const values = Array.from(a.dataSync());
  assertEquals(values, Array.from(b.dataSync()));
  assert(values.some((v, i) => v !== c.dataSync()[i]));
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(
    values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length,
  );
  assertAlmostEquals(mean, 0, 0.003);
  assertAlmostEquals(std, 0.02, 0.003);
  const rows = embeddingLookup(a, [0, 1, 2]);
  assertEquals(rows.arraySync()[2], (a.arraySync() as M)[2]);
  tf.dispose([a, b, c, rows]);
});

Deno.test("layerNorm equals the loop reference (and PyTorch's population variance)", () => {
  const next = random(7);
  const x = [randomMatrix(3, 5, next), randomMatrix(3, 5, next)]; // [2, 3, 5]
  const g = randomMatrix(1, 5, next)[0];
  const b = randomMatrix(1, 5, next)[0];
  const y = layerNorm(x, { weight: g, bias: b });
  assertEquals(y.shape, [2, 3, 5]);
  assertClose(
    y.arraySync(),
    x.map((seq) => seq.map((r) => layerNormRow(r, g, b, 1e-5))),
    1e-5,
  );
  y.dispose();
  // defaults: γ = 1, β = 0 → every row has mean 0 and variance ≈ 1
  const plain = layerNorm(x[0]);
  for (const row of plain.arraySync() as M) {
    const mean = row.reduce((s, v) => s + v, 0) / row.length;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length;
    assertAlmostEquals(mean, 0, 1e-6);
    assertAlmostEquals(variance, 1, 1e-3);
  }
  plain.dispose();
});

Deno.test("feedForward equals relu(x · W1ᵀ + b1) · W2ᵀ + b2 row by row", () => {
  const next = random(13);
  const w = randomBlock(4, 10, 17);
  const x = [randomMatrix(5, 4, next)]; // [1, 5, 4]
  const y = feedForward(x, w);
  assertEquals(y.shape, [1, 5, 4]);
  assertClose(y.arraySync(), [x[0].map((r) => feedForwardRow(r, w))], 1e-5);
  y.dispose();
});

Deno.test("transformerBlock equals the loop reference: post-LN and pre-LN, 1/2/4 heads, with and without the causal mask", async (t) => {
  const next = random(19);
  const x = [randomMatrix(6, 8, next), randomMatrix(6, 8, next)]; // [2, 6, 8]
  const w = randomBlock(8, 16, 23);
  for (const normFirst of [false, true]) {
    for (const numHeads of [1, 2, 4]) {
      for (const causal of [false, true]) {
        const name = `${normFirst ? "pre" : "post"}-LN, ${numHeads} heads${
          causal ? ", causal" : ""
        }`;
        await t.step(name, () => {
          const r = transformerBlock(x, w, { numHeads, causal, normFirst });
          assertEquals(r.output.shape, [2, 6, 8]);
          assertEquals(r.weights.shape, [2, numHeads, 6, 6]);
          const ref = x.map((seq) =>
            blockSeq(seq, w, { heads: numHeads, causal, normFirst })
          );
          assertClose(r.output.arraySync(), ref, 2e-5);
          tf.dispose([r.output, r.weights]);
        });
      }
    }
  }
});

Deno.test("transformerBlock's gradient matches finite differences of the loop reference", () => {
  const next = random(41);
  const x = randomMatrix(3, 4, next); // [T, dModel]
  const w = randomBlock(4, 6, 43);
  const c = randomMatrix(3, 4, next); // loss = Σ output · c
  for (const normFirst of [false, true]) {
    const opts = { numHeads: 2, causal: true, normFirst };
    const grad = tf.grad((input: tf.Tensor) =>
      tf.sum(tf.mul(transformerBlock(input, w, opts).output, tf.tensor3d([c])))
    )(tf.tensor3d([x]));
    const analytic = (grad.arraySync() as M[])[0];
    grad.dispose();
    const loss = (xs: M) =>
      blockSeq(xs, w, { heads: 2, causal: true, normFirst }).reduce(
        (s, row, i) => s + row.reduce((r, v, j) => r + v * c[i][j], 0),
        0,
      );
    const h = 1e-6;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 4; j++) {
        const plus = x.map((r) => [...r]);
        const minus = x.map((r) => [...r]);
        plus[i][j] += h;
        minus[i][j] -= h;
        const numeric = (loss(plus) - loss(minus)) / (2 * h);
        assertAlmostEquals(analytic[i][j], numeric, 1e-4, `∂/∂x[${i}][${j}]`);
      }
    }
  }
});

Deno.test("post-LN output rows are normalised, pre-LN ones are not (the residual stream passes through)", () => {
  const next = random(29);
  const x = [randomMatrix(4, 8, next).map((r) => r.map((v) => 3 * v + 1))];
  const w = initBlockWeights(8, 32, { seed: 3 });
  const stats = (normFirst: boolean) => {
    const r = transformerBlock(x, w, { numHeads: 2, normFirst });
    const rows = (r.output.arraySync() as M[])[0];
    tf.dispose([r.output, r.weights]);
    return rows.map((row) => row.reduce((s, v) => s + v, 0) / row.length);
  };
  for (const mean of stats(false)) assertAlmostEquals(mean, 0, 1e-5);
  assert(stats(true).some((mean) => Math.abs(mean) > 0.1));
});

Deno.test("initBlockWeights: PyTorch's init ranges, LayerNorm 1 and 0, deterministic", () => {
  const w = initBlockWeights(4, 16, { seed: 9 });
  const again = initBlockWeights(4, 16, { seed: 9 });
  assertEquals(w, again);
  const shapes = blockWeightShapes(4, 16);
  for (const name of BLOCK_WEIGHT_NAMES) {
    const t = tf.tensor(w[name] as number[]);
    assertEquals(t.shape, shapes[name], name);
    t.dispose();
  }
  const flat = (v: unknown) => (v as number[]).flat() as number[];
  assert(flat(w.linear1Weight).every((v) => Math.abs(v) <= 1 / 2)); // 1/√4
  assert(flat(w.linear2Weight).every((v) => Math.abs(v) <= 1 / 4)); // 1/√16
  assertEquals(flat(w.norm1Weight), [1, 1, 1, 1]);
  assertEquals(flat(w.norm2Bias), [0, 0, 0, 0]);
  const count = Object.values(shapes).reduce(
    (n, s) => n + s.reduce((a, b) => a * b, 1),
    0,
  );
  assertEquals(count, 4 * 4 * 4 + 4 * 4 + 2 * 4 * 16 + 16 + 4 + 4 * 4); // 244
});

Deno.test("one table: names, shapes and the contract's schema all come from BLOCK_SCHEMA", () => {
  assertEquals(BLOCK_WEIGHT_NAMES, BLOCK_SCHEMA.map((s) => s.name));
  assertEquals(BLOCK_WEIGHT_NAMES.length, 12);
  const shapes = blockWeightShapes(4, 16);
  assertEquals(Object.keys(shapes), [...BLOCK_WEIGHT_NAMES]);
  const schema = blockSchema(4, 16, 2);
  assertEquals(schema.length, 24);
  assertEquals(schema[0].name, "layers.0.inProjWeight");
  assertEquals(schema[12].name, "layers.1.inProjWeight");
  for (const [i, row] of schema.entries()) {
    const name = BLOCK_WEIGHT_NAMES[i % 12];
    assertEquals(row.shape, shapes[name], row.name);
  }
  assertEquals(schema[4].init, { kind: "uniform", bound: 1 / 2 }); // linear1Weight, fan-in dModel 4
  assertEquals(schema[6].init, { kind: "uniform", bound: 1 / 4 }); // linear2Weight, fan-in dFF 16
  assertEquals(schema[8].init, { kind: "ones" }); // norm1Weight
  assertEquals(schema[9].init, { kind: "zeros" }); // norm1Bias
});

Deno.test("blockDefinition: a stack of blocks on the contract equals transformerBlock applied layer by layer", async (t) => {
  const next = random(31);
  const x = [randomMatrix(5, 8, next)]; // [1, 5, 8]
  for (const normFirst of [false, true]) {
    await t.step(normFirst ? "pre-LN" : "post-LN", () => {
      const before = tf.memory().numTensors;
      const definition = blockDefinition({
        dModel: 8,
        dFF: 16,
        numHeads: 2,
        causal: true,
        normFirst,
        layers: 2,
      });
      const model = new Model(definition, { seed: 5 });
      const { output, attention } = model.forward(x);
      assertEquals(attention.map((a) => a.shape), [[1, 2, 5, 5], [1, 2, 5, 5]]);
      const values = model.values();
      const layer = (i: number) =>
        Object.fromEntries(BLOCK_WEIGHT_NAMES.map((name) => [
          name,
          tf.tensor(
            values[`layers.${i}.${name}`],
            blockWeightShapes(8, 16)[name],
          ),
        ])) as unknown as BlockWeights;
      const [w0, w1] = [layer(0), layer(1)];
      const options = { numHeads: 2, causal: true, normFirst };
      const first = transformerBlock(x, w0, options);
      const second = transformerBlock(first.output, w1, options);
      assertClose(output.arraySync(), second.output.arraySync(), 1e-6);
      assertClose(attention[1].arraySync(), second.weights.arraySync(), 1e-6);
      // and the loop reference, for the first layer
      const plain = (w: BlockWeights) =>
        Object.fromEntries(
          Object.entries(w).map(([k, v]) => [k, (v as tf.Tensor).arraySync()]),
        ) as Plain;
      assertClose(
        first.output.arraySync(),
        [blockSeq(x[0], plain(w0), { heads: 2, causal: true, normFirst })],
        2e-5,
      );
      tf.dispose([
        output,
        ...attention,
        first.output,
        first.weights,
        second.output,
        second.weights,
      ]);
      tf.dispose([...Object.values(w0), ...Object.values(w1)] as tf.Tensor[]);
      model.dispose();
      assertEquals(tf.memory().numTensors, before);
    });
  }
  assertThrows(
    () => blockDefinition({ dModel: 6, numHeads: 4 }),
    RangeError,
    "numHeads must be a whole number ≥ 1 that divides dModel 6",
  );
});

Deno.test("block ops leave no tensors behind, also when they throw", () => {
  const before = tf.memory().numTensors;
  const w = initBlockWeights(4, 8);
  const x = [[[1, 2, 3, 4], [4, 3, 2, 1]]];
  const r = transformerBlock(x, w, { numHeads: 2, causal: true });
  tf.dispose([r.output, r.weights]);
  const r2 = transformerBlock(x, w, { numHeads: 2, normFirst: true });
  tf.dispose([r2.output, r2.weights]);
  tf.dispose([layerNorm(x), feedForward(x, w), sinusoidalPositions(3, 4)]);
  assertThrows(() => transformerBlock(x, w, { numHeads: 3 }));
  assertThrows(() => layerNorm(x, { weight: [1, 2] }));
  assertThrows(() => feedForward(x, { ...w, linear2Bias: [0] }));
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("bad input gets a message naming the value and what is valid", () => {
  const w = initBlockWeights(4, 8);
  const x = [[[1, 2, 3, 4]]];
  assertThrows(
    () => sinusoidalPositions(0, 4),
    RangeError,
    "seqLen must be a whole number ≥ 1, got 0",
  );
  assertThrows(
    () => sinusoidalPositions(3, 2.5),
    RangeError,
    "dModel must be a whole number ≥ 1, got 2.5",
  );
  assertThrows(
    () => sinusoidalPositions(3, 4, { base: 1 }),
    RangeError,
    "base must be a number > 1, got 1",
  );
  assertThrows(
    () => learnedPositionTable(8, 4, { seed: 0 }),
    RangeError,
    "seed must be a whole number from 1",
  );
  assertThrows(
    () => layerNorm(x, { bias: [0, 0] }),
    RangeError,
    "bias must have shape [4], got [2]",
  );
  assertThrows(
    () => layerNorm([[1, NaN]]),
    RangeError,
    "x holds a NaN or infinite number",
  );
  assertThrows(
    () => layerNorm(x, { epsilon: 0 }),
    RangeError,
    "epsilon must be a number > 0, got 0",
  );
  assertThrows(
    () => feedForward(x, { ...w, linear1Weight: [[1, 2]] }),
    RangeError,
    "weights.linear1Weight must have shape [dFF, 4] to fit x's dModel 4, got [1,2]",
  );
  assertThrows(
    () => feedForward([[1, 2], [3]], w),
    RangeError,
    "x must be a rectangular array of numbers",
  );
  const { norm2Bias: _, ...missing } = w;
  assertThrows(
    () => transformerBlock(x, missing as BlockWeights),
    TypeError,
    "weights.norm2Bias is missing",
  );
  assertThrows(
    () => transformerBlock(x, w, { numHeads: 3 }),
    RangeError,
    "numHeads must be a whole number ≥ 1 that divides dModel 4, got 3",
  );
  assertThrows(
    () =>
      transformerBlock(x, { ...w, norm1Weight: "1" as unknown as number[] }),
    TypeError,
    "norm1Weight must be a tensor or nested number arrays, got string",
  );
  assertThrows(
    () => initBlockWeights(4, 0),
    RangeError,
    "dFF must be a whole number ≥ 1, got 0",
  );
});

// ---- parity with PyTorch (ignored, never passed, without torch) ----

const TORCH = (await torchAvailable()).ok;

Deno.test({
  name:
    "transformerBlock equals torch.nn.TransformerEncoderLayer, and layerNorm nn.LayerNorm, from the same weights",
  ignore: !TORCH,
  fn: async (t) => {
    const next = random(31);
    const x = [randomMatrix(5, 8, next), randomMatrix(5, 8, next)]; // [2, 5, 8]
    const w = randomBlock(8, 12, 37);
    const cases = [false, true].flatMap((normFirst) =>
      [1, 2, 4].flatMap((numHeads) =>
        [false, true].map((causal) => ({ normFirst, numHeads, causal }))
      )
    );
    const g = randomMatrix(1, 8, next)[0];
    const b = randomMatrix(1, 8, next)[0];
    // one Python process for every case: importing torch takes seconds
    const torch = await runTorchScript<{ output: M[] }[]>(
      "bench/torch_block.py",
      [
        ...cases.map((c) => ({ kind: "block", x, ...w, ...c })),
        { kind: "layerNorm", x, weight: g, bias: b, epsilon: 1e-5 },
      ],
    );
    for (const [i, { normFirst, numHeads, causal }] of cases.entries()) {
      const name = `${normFirst ? "pre" : "post"}-LN, ${numHeads} heads${
        causal ? ", causal" : ""
      }`;
      await t.step(name, () => {
        const r = transformerBlock(x, w, { numHeads, causal, normFirst });
        assertClose(r.output.arraySync(), torch[i].output, 2e-5);
        tf.dispose([r.output, r.weights]);
      });
    }
    await t.step("nn.LayerNorm", () => {
      const y = layerNorm(x, { weight: g, bias: b });
      assertClose(y.arraySync(), torch[cases.length].output, 1e-5);
      y.dispose();
    });
  },
});
