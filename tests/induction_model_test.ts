// Chapter 10's model (lib/chapters/10_induction_heads/model.ts): the forward
// pass, its interventions and its gradients against an independent float64
// loop, and training against the PyTorch twin (bench/torch_induction.py).

import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "@std/assert";
import { Model } from "../lib/core/model.ts";
import { train } from "../lib/train/trainer.ts";
import {
  type InductionForwardOptions,
  inductionModel,
} from "../lib/chapters/10_induction_heads/model.ts";
import { repeatedSequences } from "../lib/chapters/10_induction_heads/data.ts";
import {
  DEFAULT_TRAINING,
  inductionData,
  NEXT_TOKEN_LOSS,
} from "../lib/chapters/10_induction_heads/training.ts";
import { torchAvailable } from "../bench/bench.ts";
import { assertClose, numericGradient, runTorchScript } from "./_reference.ts";

// ---- an independent float64 reference of the model, plain loops ----

type Matrix = number[][];
type Params = Record<string, Matrix>;

function snapshot(model: Model<number[][], InductionForwardOptions>): Params {
  const values = model.values();
  return Object.fromEntries(
    model.definition.schema.map((spec) => {
      const [rows, cols] = spec.shape;
      const flat = Array.from(values[spec.name]);
      return [
        spec.name,
        Array.from(
          { length: rows },
          (_, r) => flat.slice(r * cols, (r + 1) * cols),
        ),
      ];
    }),
  );
}

const times = (x: Matrix, w: Matrix): Matrix =>
  x.map((row) =>
    w[0].map((_, j) => row.reduce((s, v, k) => s + v * w[k][j], 0))
  );

function reference(
  p: Params,
  tokens: number[][],
  heads: number,
  options: InductionForwardOptions = {},
): { logits: Matrix[]; attention: number[][][][][]; loss: number } {
  const layers = Object.keys(p).filter((n) => n.endsWith(".query")).length;
  const d = p.embedding[0].length;
  const dK = d / heads;
  const attention: number[][][][][] = [];
  const logits: Matrix[] = [];
  let lossSum = 0;
  let count = 0;
  const perLayer: number[][][][][] = Array.from({ length: layers }, () => []);
  for (const seq of tokens) {
    const T = seq.length;
    const x0 = seq.map((t, i) =>
      p.embedding[t].map((e, j) => e + p.positions[i][j])
    );
    let x = x0;
    for (let l = 0; l < layers; l++) {
      const last = l === layers - 1;
      const src = (s?: string) => (last && s === "embeddings" ? x0 : x);
      const q = times(src(options.queries), p[`layer${l}.query`]);
      const k = times(src(options.keys), p[`layer${l}.key`]);
      const v = times(src(options.values), p[`layer${l}.value`]);
      const z: Matrix = Array.from({ length: T }, () => new Array(d).fill(0));
      const weights: number[][][] = [];
      for (let h = 0; h < heads; h++) {
        const off = (options.ablate ?? []).some((a) =>
          a.layer === l && a.head === h
        );
        const w: Matrix = [];
        for (let i = 0; i < T; i++) {
          const scores = Array.from({ length: i + 1 }, (_, j) => {
            let s = 0;
            for (let c = h * dK; c < (h + 1) * dK; c++) s += q[i][c] * k[j][c];
            return s / Math.sqrt(dK);
          });
          const max = Math.max(...scores);
          const e = scores.map((s) => Math.exp(s - max));
          const sum = e.reduce((a, b) => a + b, 0);
          const row = Array.from(
            { length: T },
            (_, j) => (j <= i ? e[j] / sum : 0),
          );
          w.push(row);
          if (off) continue;
          for (let c = h * dK; c < (h + 1) * dK; c++) {
            for (let j = 0; j <= i; j++) z[i][c] += row[j] * v[j][c];
          }
        }
        weights.push(w);
      }
      perLayer[l].push(weights);
      const written = times(z, p[`layer${l}.output`]);
      x = x.map((row, i) => row.map((e, j) => e + written[i][j]));
    }
    const out = times(x, p.readout);
    logits.push(out);
    for (let i = 0; i < T - 1; i++) {
      const max = Math.max(...out[i]);
      const logSum = Math.log(out[i].reduce((s, o) =>
        s + Math.exp(o - max), 0)) + max;
      lossSum += logSum - out[i][seq[i + 1]];
      count++;
    }
  }
  attention.push(...perLayer);
  return { logits, attention, loss: lossSum / count };
}

const TINY = { layers: 2, heads: 2, dModel: 4, vocabSize: 7, seqLen: 6 };
const TINY_TOKENS = [[0, 3, 5, 1, 3, 5], [0, 2, 6, 2, 6, 2]];

const INTERVENTIONS: [string, InductionForwardOptions][] = [
  ["no intervention", {}],
  ["head 0.1 ablated", { ablate: [{ layer: 0, head: 1 }] }],
  ["heads 1.0 and 0.0 ablated", {
    ablate: [{ layer: 1, head: 0 }, { layer: 0, head: 0 }],
  }],
  ["layer 1's keys from the embeddings", { keys: "embeddings" }],
  ["layer 1's queries from the embeddings", { queries: "embeddings" }],
  ["layer 1's values from the embeddings", { values: "embeddings" }],
];

Deno.test("the forward equals a float64 loop, with and without interventions", async (t) => {
  const model = new Model(inductionModel(TINY), { seed: 4 });
  const p = snapshot(model);
  for (const [name, options] of INTERVENTIONS) {
    await t.step(name, () => {
      const before = tf.memory().numTensors;
      const { output, attention } = model.forward(TINY_TOKENS, options);
      const ref = reference(p, TINY_TOKENS, TINY.heads, options);
      assertClose(output.arraySync(), ref.logits, 1e-5);
      assertEquals(attention.length, 2);
      attention.forEach((a, l) =>
        assertClose(a.arraySync(), ref.attention[l], 1e-6)
      );
      tf.dispose([output, ...attention]);
      assertEquals(tf.memory().numTensors, before, "no tensor leaked");
    });
  }
  model.dispose();
});

Deno.test("ablating a head changes the output; cutting layer 0's keys changes layer 1's attention only", () => {
  const model = new Model(inductionModel(TINY), { seed: 4 });
  const plain = model.forward(TINY_TOKENS);
  const cut = model.forward(TINY_TOKENS, { keys: "embeddings" });
  assertClose(cut.attention[0].arraySync(), plain.attention[0].arraySync(), 0);
  const diff =
    tf.max(tf.abs(tf.sub(cut.attention[1], plain.attention[1]))).dataSync()[0];
  assert(diff > 1e-3, `layer 1's attention moved by ${diff}`);
  tf.dispose([plain.output, cut.output, ...plain.attention, ...cut.attention]);
  model.dispose();
});

Deno.test("every gradient equals finite differences of the float64 loop", () => {
  const model = new Model(inductionModel(TINY), { seed: 2 });
  const p = snapshot(model);
  const { grads, value } = tf.variableGrads(() => {
    const result = model.forward(TINY_TOKENS);
    const loss = NEXT_TOKEN_LOSS.compute(result, TINY_TOKENS);
    tf.dispose([result.output, ...result.attention]);
    return loss;
  }, [...model.variables.values()]);
  assertAlmostEquals(
    value.dataSync()[0],
    reference(p, TINY_TOKENS, 2).loss,
    1e-5,
  );
  for (const [name, variable] of model.variables) {
    const numeric = numericGradient(
      p[name],
      (changed) =>
        reference({ ...p, [name]: changed as Matrix }, TINY_TOKENS, 2).loss,
      1e-5,
    );
    const got = grads[variable.name].dataSync();
    for (const [i, n] of numeric.entries()) {
      assertAlmostEquals(got[i], n, 1e-4 + 1e-3 * Math.abs(n), `${name}[${i}]`);
    }
  }
  tf.dispose([value, ...Object.values(grads)]);
  model.dispose();
});

Deno.test("bad tokens, lengths and heads are one clear RangeError", () => {
  const model = new Model(inductionModel(TINY), { seed: 1 });
  assertThrows(() => model.forward([]), RangeError, "tokens must be [B][T]");
  assertThrows(() => model.forward([[0, 1], [0]]), RangeError, "same length");
  assertThrows(
    () => model.forward([[0, 1, 2, 3, 4, 5, 6]]),
    RangeError,
    "longer than the position table (6)",
  );
  assertThrows(
    () => model.forward([[0, 9]]),
    RangeError,
    "outside the vocabulary",
  );
  assertThrows(
    () => model.forward([[0, 1]], { ablate: [{ layer: 2, head: 0 }] }),
    RangeError,
    "no head 2.0",
  );
  assertThrows(
    () => inductionModel({ heads: 3 }),
    RangeError,
    "must divide dModel",
  );
  model.dispose();
});

const torch = await torchAvailable();

Deno.test({
  name: "the PyTorch twin takes the same steps from the same start",
  ignore: !torch.ok,
  async fn() {
    const config = { ...DEFAULT_TRAINING, steps: 6 };
    const model = new Model(inductionModel(), { seed: config.seed });
    const values = model.values();
    const parameters = Object.fromEntries(
      model.definition.schema.map((
        s,
      ) => [s.name, { shape: s.shape, values: Array.from(values[s.name]) }]),
    );
    const data = inductionData(config);
    const batches = Array.from(
      { length: config.steps },
      (_, k) => data(k).input,
    );
    // the forward with an ablation first, from the initial parameters
    const held = repeatedSequences(8, { seed: 99 }).tokens;
    const ablate = [{ layer: 0, head: 1 }];
    const twinAblated = await runTorchScript<{ losses: number[] }>(
      "bench/torch_induction.py",
      {
        parameters,
        heads: 2,
        batches: [held],
        ablate: [[0, 1]],
        forwardOnly: true,
      },
    );
    const r = model.forward(held, { ablate });
    const ablated = NEXT_TOKEN_LOSS.compute(r, held);
    assertAlmostEquals(ablated.dataSync()[0], twinAblated.losses[0], 1e-5);
    tf.dispose([r.output, ...r.attention, ablated]);
    const twin = await runTorchScript<{ losses: number[] }>(
      "bench/torch_induction.py",
      {
        parameters,
        heads: 2,
        learningRate: config.learningRate,
        batches,
      },
    );
    const history = await train(model, NEXT_TOKEN_LOSS, data, {
      steps: config.steps,
      adam: { learningRate: config.learningRate },
    });
    const ours = history.steps.map((s) => s.loss);
    assertEquals(ours.length, twin.losses.length);
    ours.forEach((loss, k) =>
      assertAlmostEquals(loss, twin.losses[k], 1e-5, `step ${k}`)
    );
    model.dispose();
  },
});
