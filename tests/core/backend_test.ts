// lib/core/backend.ts: backends by name and "auto", the wasm backend's traps
// (no UnsortedSegmentSum of its own, transposed products and products of two
// stacks off XNNPACK; slow transposes, sums over rows and copies; scatterND
// sums repeated rows), each against the cpu backend; bad names.

import * as tf from "@tensorflow/tfjs";
import { assertEquals, assertRejects } from "@std/assert";
import { currentBackend, useBackend } from "../../lib/core/backend.ts";
import { embeddingLookup } from "../../lib/core/attention.ts";

Deno.test("useBackend switches by name, and auto takes wasm here", async () => {
  assertEquals(await useBackend("cpu"), "cpu");
  assertEquals(currentBackend(), "cpu");
  assertEquals(await useBackend("wasm"), "wasm");
  assertEquals(tf.getBackend(), "wasm");
  await useBackend("cpu");
  assertEquals(await useBackend(), "wasm");
  await useBackend("cpu");
});

Deno.test("on wasm, embeddingLookup's gradient adds the rows of repeated ids", async () => {
  await useBackend("wasm");
  const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
  const grad = tf.grad((t: tf.Tensor) =>
    tf.sum(
      tf.mul(
        embeddingLookup(t as tf.Tensor2D, [2, 0, 2]),
        tf.tensor2d([[1, 10], [100, 1000], [2, 20]]),
      ),
    )
  )(table);
  assertEquals(grad.arraySync(), [[100, 1000], [0, 0], [3, 30]]);
  tf.dispose([table, grad]);
  await useBackend("cpu");
});

Deno.test("a backend name that is not cpu, wasm or auto gets one sentence", async () => {
  await assertRejects(
    () => useBackend("webgl" as never),
    RangeError,
    'backend must be "auto", "wasm" or "cpu", got "webgl"',
  );
});

// Products the wrapped wasm kernel reroutes (16 rows or more: transposes made
// explicit, a stack times one matrix folded into one tall product; two
// stacks of larger matrices, one XNNPACK product per pair) and products it
// leaves to wasm's loop (fewer rows, two stacks of small matrices, a
// transposed stack times one matrix), each against the cpu backend, values
// and gradients.
const PRODUCTS: [number[], number[], boolean, boolean][] = [
  [[20, 3], [3, 17], false, false],
  [[3, 20], [3, 17], true, false],
  [[20, 3], [17, 3], false, true],
  [[3, 20], [17, 3], true, true],
  [[2, 9, 5], [5, 4], false, false], // 18 rows as one stack
  [[2, 9, 5], [4, 5], false, true],
  [[2, 5, 9], [5, 4], true, false], // a transposed stack: the loop
  [[2, 9, 5], [2, 5, 4], false, false], // two stacks of small ones: the loop
  [[2, 3, 20, 16], [2, 3, 16, 24], false, false], // two stacks, pair by pair
  [[2, 3, 20, 16], [2, 3, 24, 16], false, true], // attention's Q·Kᵀ
  [[2, 3, 16, 20], [2, 3, 16, 24], true, false], // its backward's Pᵀ·dY
  [[6, 16, 20], [6, 24, 16], true, true],
  [[2, 3, 1, 7], [2, 3, 1, 5], true, false], // outer products: a broadcast multiply
  [[4, 6, 1], [4, 5, 1], false, true],
  [[6, 1], [1, 5], false, false],
  [[16, 3], [1, 3, 4], false, false], // broadcast batch of one on the right
  [[2, 2, 16, 3], [1, 4, 3], false, true],
  [[5, 3], [4, 3], false, true], // five rows: the loop
];

// Case by case, wasm's values (shape first) against the cpu backend's, to
// 1e-5 relative.
function assertClose(
  wasm: number[][],
  cpu: number[][],
  cases: unknown[],
  what: string,
): void {
  for (const [i, expected] of cpu.entries()) {
    assertEquals(wasm[i].length, expected.length, `${what} ${i}`);
    const worst = Math.max(
      0,
      ...expected.map((v, j) => Math.abs(v - wasm[i][j]) / (1 + Math.abs(v))),
    );
    if (!(worst < 1e-5)) {
      throw new Error(`${what} ${i} ${JSON.stringify(cases[i])}: ${worst}`);
    }
  }
}

async function productsOn(backend: "cpu" | "wasm"): Promise<number[][]> {
  await useBackend(backend);
  const before = tf.memory().numTensors;
  const results = PRODUCTS.map(([sa, sb, ta, tb], i) => {
    const a = tf.randomNormal(sa, 0, 1, "float32", 2 * i + 1);
    const b = tf.randomNormal(sb, 0, 1, "float32", 2 * i + 2);
    const y = tf.matMul(a, b, ta, tb);
    const values = [...y.shape, ...y.dataSync()];
    // tfjs's own matMul gradient does not broadcast ranks: same ranks only
    if (sa.length === sb.length) {
      const grads = tf.grads((x, w) => tf.matMul(x, w, ta, tb).square().sum())(
        [a, b],
      );
      for (const g of grads) values.push(...g.shape, ...g.dataSync());
      tf.dispose(grads);
    }
    tf.dispose([a, b, y]);
    return values;
  });
  assertEquals(tf.memory().numTensors, before, `${backend} leaked tensors`);
  return results;
}

Deno.test("on wasm, every matMul (transpose flags, stacks, broadcasts) and its gradient equals the cpu backend's", async () => {
  const cpu = await productsOn("cpu");
  const wasm = await productsOn("wasm");
  await useBackend("cpu");
  assertClose(wasm, cpu, PRODUCTS, "product");
});

Deno.test("train keeps the backend useBackend picked by name, and takes the fastest when none was picked", async () => {
  const { Model } = await import("../../lib/core/model.ts");
  const { train } = await import("../../lib/train/trainer.ts");
  const { chosenBackend } = await import("../../lib/core/backend.ts");
  const definition = {
    name: "one weight",
    schema: [{ name: "w", shape: [1, 1], init: { kind: "zeros" as const } }],
    forward: (p: Record<string, tf.Tensor>) => ({
      output: tf.reshape(p.w, [1, 1, 1]),
      attention: [],
    }),
  };
  const loss = {
    name: "square",
    compute: (r: { output: tf.Tensor }) =>
      tf.sum(tf.square(tf.sub(r.output, 1))),
  };
  const run = async (backend?: "cpu") => {
    const model = new Model(definition, { seed: 1 });
    try {
      return await train(
        model,
        loss as never,
        () => ({ input: 0, target: undefined }),
        {
          steps: 2,
          backend,
        },
      );
    } finally {
      model.dispose();
    }
  };
  await useBackend("cpu");
  assertEquals(chosenBackend(), "cpu");
  assertEquals((await run()).backend, "cpu");
  assertEquals(tf.getBackend(), "cpu");
  await useBackend("auto");
  assertEquals((await run()).backend, "wasm");
  assertEquals((await run("cpu")).backend, "cpu");
  await useBackend("cpu");
});

Deno.test("on wasm, tf.gather's own gradient works (the UnsortedSegmentSum kernel wasm lacks is added) and equals the cpu backend's", async () => {
  const gradients = async (backend: "cpu" | "wasm") => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const table = tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 0, 1]]);
    const weights = tf.tensor3d([[[1, 10, 100], [2, 20, 200]], [[3, 30, 300], [
      4,
      40,
      400,
    ]]]);
    const rows = tf.grad((t: tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.gather(t, tf.tensor2d([[2, 0], [2, 2]], [2, 2], "int32")),
          weights,
        ),
      )
    )(table); // repeated and 2-D ids, axis 0
    const columns = tf.grad((t: tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.gather(t, [2, 2, 0], 1),
          tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]]),
        ),
      )
    )(table); // axis 1
    const out = [rows.arraySync(), columns.arraySync()];
    tf.dispose([table, weights, rows, columns]);
    assertEquals(tf.memory().numTensors, before, `${backend} leaked`);
    return out;
  };
  const cpu = await gradients("cpu");
  assertEquals(await gradients("wasm"), cpu);
  assertEquals(cpu[0], [[2, 20, 200], [0, 0, 0], [8, 80, 800], [0, 0, 0]]);
  await useBackend("cpu");
});

// Transposes the wrapped kernel writes in JavaScript (output rows of 512 or
// more, last axis moved) and ones it leaves to wasm, values compared exactly.
const TRANSPOSES: [number[], number[]][] = [
  [[600, 7], [1, 0]], // a matrix: tiles
  [[3, 530, 9], [0, 2, 1]], // a stack of them
  [[2, 1, 520, 3, 1], [4, 3, 0, 2, 1]], // axes of one dropped
  [[5, 4, 130, 2], [3, 0, 1, 2]], // [5, 520] as one matrix
  [[40, 33], [1, 0]], // short rows: wasm's
  [[520, 3, 4], [1, 0, 2]], // last axis kept: wasm's
];

async function transposesOn(backend: "cpu" | "wasm"): Promise<number[][]> {
  await useBackend(backend);
  const before = tf.memory().numTensors;
  const out = TRANSPOSES.map(([shape, perm], i) => {
    const x = tf.randomNormal(shape, 0, 1, "float32", i + 1);
    const y = tf.transpose(x, perm);
    const values = [...y.shape, ...y.dataSync()];
    tf.dispose([x, y]);
    return values;
  });
  assertEquals(tf.memory().numTensors, before, `${backend} leaked tensors`);
  return out;
}

Deno.test("on wasm, every transpose equals the cpu backend's, value for value", async () => {
  const cpu = await transposesOn("cpu");
  const wasm = await transposesOn("wasm");
  await useBackend("cpu");
  for (const [i, expected] of cpu.entries()) {
    assertEquals(
      wasm[i],
      expected,
      `transpose ${JSON.stringify(TRANSPOSES[i])}`,
    );
  }
});

// Sums over leading axes (added up in JavaScript on wasm) and others.
const SUMS: [number[], number | number[], boolean][] = [
  [[768, 130], 0, false], // a bias gradient's rows, four at a time and the rest
  [[7, 3], [0], true],
  [[5, 2, 3], [1, 0], false],
  [[5, 2, 3], -3, true],
  [[4, 0], 0, false], // nothing to add
  [[0, 4], 0, false], // a sum of no rows
  [[5, 2, 3], 1, false], // not leading: wasm's own
  [[6], 0, false], // every axis: wasm's own
];

Deno.test("on wasm, sums over leading axes and others equal the cpu backend's", async () => {
  const sumsOn = async (backend: "cpu" | "wasm") => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const out = SUMS.map(([shape, axis, keepDims], i) => {
      const x = tf.randomNormal(shape, 0, 1, "float32", i + 1);
      const y = tf.sum(x, axis, keepDims);
      const values = [...y.shape, ...y.dataSync()];
      tf.dispose([x, y]);
      return values;
    });
    assertEquals(tf.memory().numTensors, before, `${backend} leaked tensors`);
    return out;
  };
  const cpu = await sumsOn("cpu");
  const wasm = await sumsOn("wasm");
  await useBackend("cpu");
  assertClose(wasm, cpu, SUMS, "sum");
});

Deno.test("on wasm, a clone shares its source's memory and outlives it; the memory goes with the last of them", async () => {
  await useBackend("wasm");
  const buffers = () =>
    (tf.memory() as tf.MemoryInfo & { numDataBuffers: number }).numDataBuffers;
  const before = buffers();
  const x = tf.tensor1d([1, 2, 3]);
  const y = tf.clone(x);
  assertEquals(buffers(), before + 1, "one buffer for both");
  x.dispose();
  assertEquals(Array.from(y.dataSync()), [1, 2, 3]);
  y.dispose();
  assertEquals(buffers(), before);
  await useBackend("cpu");
});
