import {
  assert,
  assertEquals,
  assertNotEquals,
  assertThrows,
} from "@std/assert";
import { initParameters } from "../lib/mod.ts";
import {
  checkParameters,
  PARAMETER_NAMES,
  PARAMETER_SCHEMA,
  parameterShape,
} from "../lib/demo/parameters.ts";

Deno.test("the same seed gives bit-identical parameters", () => {
  assertEquals(
    initParameters(12, 4, { seed: 5 }),
    initParameters(12, 4, { seed: 5 }),
  );
});

Deno.test("different seeds give different parameters", () => {
  assertNotEquals(
    initParameters(12, 4, { seed: 5 }),
    initParameters(12, 4, { seed: 6 }),
  );
});

Deno.test("Q, K and V never start equal", () => {
  const p = initParameters(12, 4, { seed: 0 });
  assertNotEquals(p.queryWeight, p.keyWeight);
  assertNotEquals(p.keyWeight, p.valueWeight);
  assertNotEquals(p.queryWeight, p.valueWeight);
  assertNotEquals(p.queryBias, p.keyBias);
});

Deno.test("shapes and ranges follow PyTorch's Embedding and Linear", () => {
  const dModel = 16;
  const p = initParameters(50, dModel, { seed: 1 });
  assertEquals([p.embedding.length, p.embedding[0].length], [50, dModel]);
  assertEquals([p.queryWeight.length, p.queryWeight[0].length], [
    dModel,
    dModel,
  ]);
  assertEquals(p.valueBias.length, dModel);
  const bound = 1 / Math.sqrt(dModel);
  for (const w of [p.queryWeight.flat(), p.keyBias, p.valueWeight.flat()]) {
    assert(
      w.every((x) => Math.abs(x) <= bound),
      "linear weights within ±1/√dModel",
    );
  }
  // embeddings ~ N(0, 1): mean near 0, variance near 1 over 800 draws
  const e = p.embedding.flat();
  const mean = e.reduce((a, b) => a + b, 0) / e.length;
  const variance = e.reduce((a, b) => a + (b - mean) ** 2, 0) / e.length;
  assert(Math.abs(mean) < 0.15, `mean ${mean}`);
  assert(Math.abs(variance - 1) < 0.2, `variance ${variance}`);
  // every value is a float32, so tfjs holds them exactly
  assert(e.every((x) => Math.fround(x) === x));
});

Deno.test("initParameters rejects sizes and seeds it cannot honour", () => {
  assertThrows(
    () => initParameters(0, 4),
    RangeError,
    "vocabSize must be a positive whole number, got 0",
  );
  assertThrows(
    () => initParameters(3, NaN),
    RangeError,
    "dModel must be a positive whole number, got NaN",
  );
  assertThrows(
    () => initParameters(3, 4, { seed: 1.5 }),
    RangeError,
    "seed must be a whole number from 0 to 4294967295",
  );
  assertThrows(
    () => initParameters(3, 4, { seed: -1 }),
    RangeError,
    "seed must be a whole number",
  );
  assertThrows(
    () => initParameters(3, 4, { seed: 2 ** 32 }),
    RangeError,
    "got 4294967296",
  );
  assertEquals(initParameters(3, 4), initParameters(3, 4, { seed: 0 }));
});

Deno.test("the schema is the one list: names, shapes and initialisers follow it", () => {
  assertEquals(PARAMETER_NAMES, PARAMETER_SCHEMA.map((s) => s.name));
  const sizes = { vocabSize: 7, dModel: 3 };
  const p = initParameters(sizes.vocabSize, sizes.dModel, { seed: 2 });
  assertEquals(Object.keys(p), PARAMETER_NAMES); // in schema order
  for (const spec of PARAMETER_SCHEMA) {
    const value = p[spec.name];
    const shape = Array.isArray(value[0])
      ? [value.length, (value[0] as number[]).length]
      : [value.length];
    assertEquals(shape, parameterShape(spec, sizes), spec.name);
    const flat = (value as number[] | number[][]).flat();
    const bound = 1 / Math.sqrt(sizes.dModel);
    const inBound = flat.every((x) => Math.abs(x) <= bound);
    // a normal draw leaves ±1/√3 among 21 values (P > 0.99); uniform never does
    assertEquals(inBound, spec.init === "uniform", spec.name);
  }
});

Deno.test("checkParameters names the field and the shape the schema expects", () => {
  const p = initParameters(5, 2);
  checkParameters(p, { vocabSize: 5, dModel: 2 });
  assertThrows(
    () =>
      checkParameters({ ...p, keyBias: [0, 1, 2] }, {
        vocabSize: 5,
        dModel: 2,
      }),
    RangeError,
    "parameters.keyBias must be a [2] array of finite numbers",
  );
  assertThrows(
    () =>
      checkParameters({ ...p, embedding: p.embedding.slice(1) }, {
        vocabSize: 5,
        dModel: 2,
      }),
    RangeError,
    "parameters.embedding must be a [5, 2] array",
  );
  assertThrows(
    () =>
      checkParameters({ ...p, queryBias: [NaN, 0] }, {
        vocabSize: 5,
        dModel: 2,
      }),
    RangeError,
    "parameters.queryBias",
  );
});

// Issue 13, item 7: a number given as text is a TypeError that shows the quotes.
Deno.test("initParameters rejects a dModel given as a string", () => {
  assertThrows(
    () => initParameters(3, "4" as unknown as number),
    TypeError,
    `dModel must be a number (a positive whole number), got "4"`,
  );
});

// Issue 13, item 3: sizes that would exhaust the memory are refused before
// anything is allocated (these used to die after 40–60 s in V8).
import { MAX_D_MODEL, MAX_EMBEDDING_SIZE } from "../lib/demo/parameters.ts";
Deno.test("initParameters refuses tables beyond the size limits at once", () => {
  assertThrows(
    () => initParameters(3, 100_000),
    RangeError,
    `dModel must be at most ${MAX_D_MODEL}, got 100000`,
  );
  assertThrows(
    () => initParameters(100_000, 1024),
    RangeError,
    `100000 distinct words × dModel 1024 = 102400000 embedding numbers, more than the limit of ${MAX_EMBEDDING_SIZE} (vocabSize × dModel)`,
  );
  // just inside the limit is fine
  const p = initParameters(MAX_EMBEDDING_SIZE / 64, 64);
  assertEquals(p.embedding.length * p.embedding[0].length, MAX_EMBEDDING_SIZE);
});
