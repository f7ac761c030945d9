// bench/gpt_bench.ts: one JSON report with the fields the issue asks for, a
// ratio only on a quiet machine, and one sentence for a bad flag. (No timing
// is asserted: the machine may be loaded.)

import { assert, assertEquals, assertRejects } from "@std/assert";
import { benchGpt, QUIET_LOAD } from "../bench/gpt_bench.ts";

const TINY = [
  "--layers",
  "1",
  "--heads",
  "2",
  "--d-model",
  "8",
  "--block",
  "4",
  "--batch",
  "2",
  "--vocab",
  "5",
  "--steps",
  "4",
  "--warmup",
  "1",
];

interface Report {
  msPerStep: number;
  backend: string;
  ops: string;
  config: Record<string, number>;
  loadavg: { before: number[]; after: number[] };
  loaded: boolean;
  peakRssMiB: number;
  numTensorsPerStep: number[];
  kernelsPerStep: number;
  kernels: Record<string, number>;
}

Deno.test("bench:gpt reports ms per step, backend, load, memory, configuration and kernels", async () => {
  const result = await benchGpt([
    ...TINY,
    "--backend",
    "cpu",
    "--json",
    "--kernels",
  ]);
  if (!result) throw new Error("no report");
  const r = result.report as unknown as Report;
  assert(result.json);
  assert(r.msPerStep > 0);
  assertEquals(r.backend, "cpu");
  assertEquals(r.ops, "fast");
  assertEquals(r.config, {
    vocabSize: 5,
    blockSize: 4,
    numLayers: 1,
    numHeads: 2,
    dModel: 8,
    batch: 2,
    steps: 4,
    warmup: 1,
  });
  assertEquals(r.loadavg.before.length, 3);
  assertEquals(
    r.loaded,
    Math.max(r.loadavg.before[0], r.loadavg.after[0]) >= QUIET_LOAD,
  );
  assert(r.peakRssMiB > 10);
  assertEquals(r.numTensorsPerStep.length, 1, "tensors constant per step");
  assert(r.kernelsPerStep > 50 && r.kernels.BatchMatMul > 0);
  assert(JSON.parse(JSON.stringify(r)).msPerStep === r.msPerStep);
});

Deno.test("bench:gpt refuses a bad flag in one sentence", async () => {
  await assertRejects(
    () => benchGpt(["--layer", "2"]),
    RangeError,
    "unknown flag --layer",
  );
  await assertRejects(
    () => benchGpt(["--heads", "3"]),
    RangeError,
    "numHeads 3 must divide dModel 128",
  );
  await assertRejects(
    () => benchGpt(["--steps", "x"]),
    RangeError,
    "--steps must be a whole number",
  );
  await assertRejects(
    () => benchGpt(["--backend", "gpu"]),
    RangeError,
    "--backend must be",
  );
  await assertRejects(
    () => benchGpt(["--steps", "3"]),
    RangeError,
    "more than --warmup",
  );
  assertEquals(await benchGpt(["--help"]), undefined);
});
