import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "@std/assert";
import {
  checkSchema,
  initValues,
  Model,
  type ModelDefinition,
  type ParameterSpec,
} from "../../lib/core/model.ts";

const SCHEMA: ParameterSpec[] = [
  { name: "w", shape: [200, 50], init: { kind: "normal", std: 0.02 } },
  { name: "u", shape: [100, 30], init: { kind: "uniform", bound: 0.5 } },
  { name: "b", shape: [7], init: { kind: "zeros" } },
  { name: "g", shape: [7], init: { kind: "ones" } },
];

const LINEAR: ModelDefinition<tf.Tensor2D> = {
  name: "linear",
  schema: [
    { name: "w", shape: [3, 2], init: { kind: "uniform", bound: 1 } },
    { name: "b", shape: [2], init: { kind: "zeros" } },
  ],
  forward: (p, x) => ({
    output: tf.add(tf.matMul(x, p.w), p.b),
    attention: [],
  }),
};

Deno.test("initValues draws each initialiser's distribution, the same for the same seed", () => {
  const a = initValues(SCHEMA, 5), b = initValues(SCHEMA, 5);
  for (const name of ["w", "u", "b", "g"]) assertEquals(a[name], b[name]);
  assert(initValues(SCHEMA, 6).w[0] !== a.w[0], "another seed, other values");
  const w = Array.from(a.w);
  const mean = w.reduce((s, x) => s + x, 0) / w.length;
  const std = Math.sqrt(w.reduce((s, x) => s + (x - mean) ** 2, 0) / w.length);
  assertAlmostEquals(mean, 0, 0.001);
  assertAlmostEquals(std, 0.02, 0.001);
  const u = Array.from(a.u);
  assert(u.every((x) => Math.abs(x) <= 0.5));
  assertAlmostEquals(Math.max(...u), 0.5, 0.01);
  assertEquals([...a.b], Array(7).fill(0));
  assertEquals([...a.g], Array(7).fill(1));
  assert(a.w[0] !== a.u[0], "each row draws from its own stream");
});

Deno.test("checkSchema names the first bad row", () => {
  assertEquals(checkSchema(SCHEMA), 200 * 50 + 100 * 30 + 14);
  assertThrows(() => checkSchema([]), TypeError, "non-empty list");
  assertThrows(
    () => checkSchema([SCHEMA[2], SCHEMA[2]]),
    RangeError,
    "unique",
  );
  assertThrows(
    () => checkSchema([{ name: "x", shape: [2, 0], init: { kind: "zeros" } }]),
    RangeError,
    "parameter x: shape",
  );
  assertThrows(
    () =>
      checkSchema([{
        name: "x",
        shape: [2],
        init: { kind: "normal", std: NaN },
      }]),
    RangeError,
    "parameter x: init",
  );
  assertThrows(
    () =>
      checkSchema([{ name: "x", shape: [1e5, 1e5], init: { kind: "zeros" } }]),
    RangeError,
    "more than",
  );
});

Deno.test("a Model holds one variable per schema row and round-trips its values", () => {
  const before = tf.memory().numTensors;
  const model = new Model(LINEAR, { seed: 3 });
  assertEquals([...model.variables.keys()], ["w", "b"]);
  assertEquals(model.parameterCount, 8);
  const values = model.values();
  assertEquals(values.w, initValues(LINEAR.schema, 3).w);
  const x = tf.tensor2d([[1, 2, 3]]);
  const { output } = model.forward(x);
  const w = values.w;
  const expected = [0, 1].map((j) => w[j] + 2 * w[2 + j] + 3 * w[4 + j]);
  Array.from(output.dataSync()).forEach((y, j) =>
    assertAlmostEquals(y, expected[j], 1e-6)
  );
  output.dispose();
  const copy = new Model(LINEAR, { values });
  assertEquals(copy.values().w, values.w);
  copy.load({ w: new Float32Array(6).fill(2), b: [1, 1] });
  assertEquals([...copy.values().w], Array(6).fill(2));
  assertThrows(
    () => copy.load({ w: [1], b: [1, 1] }),
    RangeError,
    "must have 6 numbers",
  );
  assertThrows(
    () => copy.load({ w: Array(6).fill(NaN), b: [1, 1] }),
    RangeError,
    "not finite",
  );
  assertThrows(
    () => copy.load({ b: [1, 1] }),
    RangeError,
    "missing parameter w",
  );
  assertThrows(
    () => copy.load({ w: Array(6).fill(0), b: [1, 1], z: [1] }),
    RangeError,
    "unknown parameter",
  );
  assertEquals(
    [...copy.values().w],
    Array(6).fill(2),
    "a refused load changes nothing",
  );
  copy.dispose();
  model.dispose();
  x.dispose();
  assertEquals(tf.memory().numTensors, before);
  assertThrows(() => model.forward(x), TypeError, "disposed");
});

Deno.test("a Model refuses what is not a definition or a seed", () => {
  assertThrows(() => new Model(null as never), TypeError, "definition");
  assertThrows(() => new Model(LINEAR, { seed: -1 }), RangeError, "seed");
  assertThrows(() => new Model(LINEAR, { seed: 2 ** 40 }), RangeError, "seed");
  assertThrows(() => new Model(LINEAR, null as never), TypeError, "options");
});
