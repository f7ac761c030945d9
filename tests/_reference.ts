// An independent float64 reference of the original demo's forward pass and
// loss, written as plain loops straight from the formulas. Tests compare the
// library against it; it shares no code with lib/.

import { assertAlmostEquals, assertEquals } from "@std/assert";
import type { Parameters } from "../lib/demo/parameters.ts";

export interface Reference {
  embeddings: number[][];
  queries: number[][];
  keys: number[][];
  values: number[][];
  rawScores: number[];
  scaledScores: number[];
  weights: number[];
  context: number[];
  attentionMatrix: number[][];
  loss: number;
}

// x · W + b for one row x: out_b = b_b + Σ_a x_a W[a][b]
function linear(x: number[], w: number[][], b: number[]): number[] {
  return b.map((bias, col) => x.reduce((s, xa, a) => s + xa * w[a][col], bias));
}

function dot(a: number[], b: number[]): number {
  return a.reduce((s, ai, i) => s + ai * b[i], 0);
}

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

export function referenceForward(
  p: Parameters,
  tokenIds: number[],
  focus: number,
  sizePositions: number[],
): Reference {
  const d = p.queryWeight.length;
  const embeddings = tokenIds.map((id) => [...p.embedding[id]]);
  const queries = embeddings.map((x) => linear(x, p.queryWeight, p.queryBias));
  const keys = embeddings.map((x) => linear(x, p.keyWeight, p.keyBias));
  const values = embeddings.map((x) => linear(x, p.valueWeight, p.valueBias));
  const rawScores = keys.map((k) => dot(queries[focus], k));
  const scaledScores = rawScores.map((s) => s / Math.sqrt(d));
  const weights = softmax(scaledScores);
  const context = values[0].map((_, c) =>
    weights.reduce((s, w, j) => s + w * values[j][c], 0)
  );
  const attentionMatrix = queries.map((q) =>
    softmax(keys.map((k) => dot(q, k) / Math.sqrt(d)))
  );
  return {
    embeddings,
    queries,
    keys,
    values,
    rawScores,
    scaledScores,
    weights,
    context,
    attentionMatrix,
    loss: referenceLoss(weights, sizePositions),
  };
}

export function referenceLoss(
  weights: number[],
  sizePositions: number[],
): number {
  let size = 0, other = 0;
  weights.forEach((w, j) => {
    if (sizePositions.includes(j)) size += 1 - w;
    else other += w;
  });
  return size / sizePositions.length +
    other / (weights.length - sizePositions.length);
}

// Small fixed parameters written out by hand: vocabSize 3, dModel 2.
export const SMALL: Parameters = {
  embedding: [[0.5, -1], [1.5, 0.25], [-0.75, 2]],
  queryWeight: [[1, 0.5], [-0.5, 2]],
  queryBias: [0.1, -0.2],
  keyWeight: [[0.3, -1.2], [0.8, 0.4]],
  keyBias: [0.05, 0.15],
  valueWeight: [[2, 0], [0.5, -1]],
  valueBias: [0, 1],
};
export const SMALL_IDS = [0, 1, 2, 1]; // seqLen 4; token 1 appears twice
export const SMALL_FOCUS = 2;
export const SMALL_SIZE = [1, 3];

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new Error(`length ${a.length} ≠ ${b.length}`);
  }
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// Central finite difference of f with respect to values[i].
export function centralDifference(
  f: () => number,
  values: number[],
  i: number,
  h: number,
): number {
  const keep = values[i];
  values[i] = keep + h;
  const plus = f();
  values[i] = keep - h;
  const minus = f();
  values[i] = keep;
  return (plus - minus) / (2 * h);
}

// The reference loss's gradient with respect to one parameter of the SMALL
// problem, by central finite differences, flattened row by row.
export function numericParameterGradient(
  p: Parameters,
  name: keyof Parameters,
  h: number,
): number[] {
  return numericGradient(
    p[name],
    (changed) =>
      referenceForward(
        { ...p, [name]: changed },
        SMALL_IDS,
        SMALL_FOCUS,
        SMALL_SIZE,
      ).loss,
    h,
  );
}

/**
 * The gradient of `loss` with respect to every entry of a vector or matrix,
 * by central finite differences, flattened row by row. `loss` receives a
 * copy of `value` with one entry moved.
 */
export function numericGradient(
  value: number[] | number[][],
  loss: (changed: number[] | number[][]) => number,
  h: number,
): number[] {
  const width = Array.isArray(value[0]) ? (value as number[][])[0].length : 0;
  const flat = (value as number[] | number[][]).flat();
  const shaped = () =>
    width
      ? Array.from(
        { length: flat.length / width },
        (_, r) => flat.slice(r * width, (r + 1) * width),
      )
      : [...flat];
  return flat.map((_, i) =>
    centralDifference(() => loss(shaped()), flat, i, h)
  );
}

/** Nested arrays of numbers equal element by element within `tolerance`, same shape. */
export function assertClose(
  actual: unknown,
  expected: unknown,
  tolerance: number,
  path = "",
): void {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) throw new Error(`${path}: not an array`);
    assertEquals(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) =>
      assertClose(actual[i], e, tolerance, `${path}[${i}]`)
    );
  } else {
    assertAlmostEquals(actual as number, expected as number, tolerance, path);
  }
}

/**
 * Runs a PyTorch reference script of bench/ under Debian's Python: JSON in on
 * stdin, JSON out on stdout (one process for many cases: importing torch
 * takes seconds).
 */
export async function runTorchScript<T>(
  script: string,
  input: unknown,
): Promise<T> {
  const child = new Deno.Command("/usr/bin/python3", {
    args: [script],
    cwd: decodeURIComponent(new URL("../", import.meta.url).pathname),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(input)));
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder();
  assertEquals(out.code, 0, text.decode(out.stderr));
  return JSON.parse(text.decode(out.stdout));
}
