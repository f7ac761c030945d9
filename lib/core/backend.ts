/**
 * Which TensorFlow.js backend runs the tensors: `"wasm"` (XNNPACK matrix
 * products, SIMD, one thread: ten to thirty times faster than `"cpu"` on
 * the matrix products a Transformer is made of) or `"cpu"` (plain
 * JavaScript, always there). {@linkcode useBackend} picks one by name, or
 * the fastest that starts, with `"cpu"` as the fallback.
 * @module
 */

import * as tf from "@tensorflow/tfjs";

tf.enableProdMode();

/** The backends this library runs on. */
export type BackendName = "cpu" | "wasm";

/** What {@linkcode useBackend} accepts: a backend, or `"auto"`. */
export type BackendChoice = BackendName | "auto";

/** Every backend name, fastest first: the order `"auto"` tries them in. */
export const BACKEND_NAMES: readonly BackendName[] = ["wasm", "cpu"];

/**
 * Switches TensorFlow.js to a backend and waits until it is ready.
 *
 * `"auto"` (the default) takes `"wasm"` when it starts and `"cpu"`
 * otherwise. The wasm backend is imported here, on first use, and not at
 * module load: once registered it outranks `"cpu"`, and code that never asked
 * for it should not change backend. Where tfjs cannot find its `.wasm` files
 * on its own, they are loaded from the package's `dist/` folder.
 *
 * Tensors made on one backend move to the other when next used, so a model
 * may be built first and its backend chosen later.
 *
 * @param choice `"cpu"`, `"wasm"` or `"auto"`.
 * @returns The backend now in use.
 * @throws {RangeError} For any other name.
 * @throws {Error} When `"wasm"` was asked for by name and cannot start (one
 *   sentence why, e.g. no read access to its .wasm files).
 *
 * @example
 * ```ts
 * import { useBackend } from "./backend.ts";
 * if (await useBackend("cpu") !== "cpu") throw new Error();
 * ```
 */
export async function useBackend(
  choice: BackendChoice = "auto",
): Promise<BackendName> {
  if (choice !== "auto" && !BACKEND_NAMES.includes(choice)) {
    throw new RangeError(
      `backend must be "auto", ${
        BACKEND_NAMES.map((n) => `"${n}"`).join(" or ")
      }, got ${JSON.stringify(choice)}`,
    );
  }
  let name: BackendName;
  if (choice === "cpu") name = await setOrThrow("cpu");
  else {
    const whyNot = await startWasm();
    if (whyNot === undefined) name = "wasm";
    else if (choice === "wasm") throw new Error(whyNot);
    else name = await setOrThrow("cpu");
  }
  chosen = choice;
  return name;
}

let chosen: BackendChoice | undefined;

/**
 * What the last {@linkcode useBackend} call asked for, or `"auto"` when
 * none did: the trainer's default, so a backend picked by name stays picked.
 *
 * @returns `"cpu"`, `"wasm"` or `"auto"`.
 */
export function chosenBackend(): BackendChoice {
  return chosen ?? "auto";
}

/**
 * The backend in use now, as one of {@linkcode BACKEND_NAMES}.
 *
 * @returns `"cpu"` or `"wasm"`.
 * @throws {Error} When tfjs runs on some other backend.
 */
export function currentBackend(): BackendName {
  const name = tf.getBackend();
  if (name === "cpu" || name === "wasm") return name;
  throw new Error(`tfjs runs on the "${name}" backend, not cpu or wasm`);
}

async function setOrThrow(name: BackendName): Promise<BackendName> {
  if (!await tf.setBackend(name)) {
    throw new Error(`the ${name} backend did not start`);
  }
  await tf.ready();
  return name;
}

let wasmModule: typeof import("@tensorflow/tfjs-backend-wasm") | undefined;

/** Starts wasm; returns why not when it cannot (undefined when it runs). */
async function startWasm(): Promise<string | undefined> {
  if (tf.getBackend() === "wasm") return undefined;
  // tfjs reads its .wasm files from the package's dist/ folder: without
  // read access there, its start fails in a promise nobody awaits, which
  // would end the process. Check first, and before the import registers
  // the backend (a registered wasm outranks cpu for tfjs's own choice).
  const dist = distFolder();
  if (dist && !readable(dist)) {
    return `the wasm backend needs read access to ${
      decodeURIComponent(new URL(dist).pathname)
    } (--allow-read)`;
  }
  if (!wasmModule) {
    try {
      wasmModule = await import("@tensorflow/tfjs-backend-wasm");
    } catch {
      return "the package @tensorflow/tfjs-backend-wasm is not installed";
    }
    // setWasmPaths works only before the first start.
    if (dist) wasmModule.setWasmPaths(dist, true);
    transposeInJs(); // first: the matMul route below transposes
    routeMatMulToXnnpack();
    sumLeadingAxesInJs();
    shareIdentity();
    addUnsortedSegmentSum();
  }
  return await quietly(() => tf.setBackend("wasm"))
    ? undefined
    : "the wasm backend did not start";
}

function readable(folder: string): boolean {
  try {
    return Deno.permissions.querySync({
      name: "read",
      path: new URL(folder),
    }).state === "granted";
  } catch {
    return false;
  }
}

function distFolder(): string | undefined {
  try {
    const url = import.meta.resolve("@tensorflow/tfjs-backend-wasm");
    return url.startsWith("file:")
      ? url.replace(/\/dist\/[^/]*$/, "/dist/")
      : undefined;
  } catch {
    return undefined;
  }
}

// tfjs warns on the console when a backend fails to start; the caller
// reports the outcome instead.
async function quietly(start: () => Promise<boolean>): Promise<boolean> {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return await start();
  } catch {
    return false;
  } finally {
    console.warn = warn;
  }
}

// ------------------------------------------- wrapping wasm's own kernels

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

/** What the kernels below use of the wasm backend: its tensors' memory. */
interface HeapBackend {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(t: Info): Float32Array | Int32Array;
  incRef(dataId: object): void;
  disposeData(dataId: object): void;
}

/** Puts `kernelFunc` in the place of wasm's kernel `plain`. */
function replaceKernel(
  plain: tf.KernelConfig,
  kernelFunc: (args: KernelArgs) => Info,
): void {
  tf.unregisterKernel(plain.kernelName, "wasm");
  tf.registerKernel({ ...plain, kernelFunc: kernelFunc as tf.KernelFunc });
}

// ------------------------------------------------------- wasm's transpose

// Tiles of this many rows and columns keep both the values read and the
// values written in the processor's cache.
const TRANSPOSE_TILE = 32;

// Transposes whose output rows are shorter than this stay in wasm's own loop,
// as fast or faster while its writes stay in the cache (48 × 64 × 32 to
// 48 × 32 × 64: 0.05 ms against 0.17 ms); from 768 on, the tiles win
// (768 × 512 to 512 × 768: 0.65 ms against 1.4 ms).
const MIN_JS_TRANSPOSE_COLS = 512;

/**
 * tfjs-backend-wasm transposes a matrix with long rows (768 × 512) at 2.5–5
 * ns a value, three to four times slower than a tiled loop in JavaScript over
 * the same wasm memory; a training step moves millions of values this way
 * (the explicit transposes of the matrix products below). Its `Transpose`
 * kernel is wrapped so that a float32 transpose whose output rows are
 * {@linkcode MIN_JS_TRANSPOSE_COLS} values or longer, and whose last axis
 * moves, takes that loop ({@linkcode transposeValues}); every other
 * transpose keeps wasm's.
 */
function transposeInJs(): void {
  const plain = tf.getKernel("Transpose", "wasm");
  if (!plain) return;
  const transpose = (args: KernelArgs): Info => {
    const x = args.inputs.x as Info;
    const { perm } = args.attrs as unknown as { perm: number[] };
    const backend = args.backend as HeapBackend;
    const plan = x.dtype === "float32" && perm.length === x.shape.length
      ? transposePlan(x.shape, perm)
      : undefined;
    // wasm's own loop is as fast or faster for short rows and for
    // permutations that keep the last axis (runs of values copied whole).
    if (
      !plan || plan.colStep === 1 || plan.cols < MIN_JS_TRANSPOSE_COLS
    ) {
      return plain.kernelFunc(args) as Info;
    }
    const out = backend.makeOutput(perm.map((a) => x.shape[a]), "float32");
    // Views after the output's allocation, which may grow wasm's memory.
    transposeValues(
      backend.typedArrayFromHeap(x) as Float32Array,
      backend.typedArrayFromHeap(out) as Float32Array,
      plan,
    );
    return out;
  };
  replaceKernel(plain, transpose);
}

/**
 * A transpose reduced to its essentials: axes of length 1 dropped, axes that
 * stay neighbours merged (`[B, T, h, dK] → [B, h, T, dK]` moves whole runs
 * of `dK` values), then the output's axes with their sizes and their strides
 * in the input. The last two are a matrix (`rows` × `cols`, read with steps
 * `rowStep` and `colStep`); the ones before, a stack of them.
 */
interface TransposePlan {
  sizes: number[];
  strides: number[];
  rows: number;
  cols: number;
  rowStep: number;
  colStep: number;
}

function transposePlan(
  shape: readonly number[],
  perm: readonly number[],
): TransposePlan {
  // Input axes in output order, without the ones of length 1.
  const kept = perm.filter((a) => shape[a] !== 1);
  const rank = new Map([...kept].sort((a, b) => a - b).map((a, i) => [a, i]));
  const groups: number[][] = []; // runs of axes neighbours in the input too
  for (const a of kept) {
    const run = groups.at(-1);
    if (run && rank.get(run.at(-1)!)! + 1 === rank.get(a)!) run.push(a);
    else groups.push([a]);
  }
  groups.unshift([], []); // two axes of length 1 in front: always a matrix
  const sizes = groups.map((g) => g.reduce((n, a) => n * shape[a], 1));
  // The groups' strides in the input: groups in input order, last fastest.
  const byInput = groups.map((_, i) => i).sort((i, j) =>
    (groups[i][0] ?? -1) - (groups[j][0] ?? -1)
  );
  const strides = new Array<number>(groups.length);
  let stride = 1;
  for (let k = byInput.length - 1; k >= 0; k--) {
    strides[byInput[k]] = stride;
    stride *= sizes[byInput[k]];
  }
  const r = groups.length;
  return {
    sizes: sizes.slice(0, -2),
    strides: strides.slice(0, -2),
    rows: sizes[r - 2],
    cols: sizes[r - 1],
    rowStep: strides[r - 2],
    colStep: strides[r - 1],
  };
}

/**
 * Writes `from` with its axes permuted as `plan` says into `to`, in the
 * output's order: each matrix in square tiles, the matrices one by one.
 */
function transposeValues(
  from: Float32Array,
  to: Float32Array,
  plan: TransposePlan,
): void {
  const { sizes, strides, rows, cols, rowStep, colStep } = plan;
  const index = new Array<number>(sizes.length).fill(0);
  let base = 0;
  for (let at = 0; at < to.length; at += rows * cols) {
    for (let i0 = 0; i0 < rows; i0 += TRANSPOSE_TILE) {
      const i1 = Math.min(i0 + TRANSPOSE_TILE, rows);
      for (let j0 = 0; j0 < cols; j0 += TRANSPOSE_TILE) {
        const j1 = Math.min(j0 + TRANSPOSE_TILE, cols);
        for (let i = i0; i < i1; i++) {
          let src = base + i * rowStep + j0 * colStep;
          let dst = at + i * cols + j0;
          for (let j = j0; j < j1; j++, src += colStep) to[dst++] = from[src];
        }
      }
    }
    for (let d = sizes.length - 1; d >= 0; d--) { // the next matrix: an odometer
      base += strides[d];
      if (++index[d] < sizes[d]) break;
      base -= index[d] * strides[d];
      index[d] = 0;
    }
  }
}

// ------------------------------------------------- wasm's matrix product

// Fewer rows than this stay in wasm's loop (see below).
const MIN_XNNPACK_ROWS = 16;

// Two stacks go to XNNPACK one matrix pair at a time only when each product
// has at least this many multiply-adds: below it (8×8 times 8×8, say) the
// loop is faster than one XNNPACK call per pair.
const MIN_XNNPACK_PAIR_WORK = 4096;

/**
 * tfjs-backend-wasm multiplies with XNNPACK only when both operands are one
 * matrix and neither is transposed (`batch_mat_mul_impl.cc`); any other
 * product runs a scalar loop, 5–20× slower. Its `BatchMatMul` kernel is
 * wrapped here, before the backend starts, so that a transpose flag becomes
 * an explicit transpose; a stack of matrices times one matrix becomes one
 * tall product; and two stacks (attention's `Q·Kᵀ` per head, and the four
 * products of its backward pass) become one XNNPACK product per pair of
 * matrices, each read in place from the stacks ({@linkcode multiplyPairs}).
 * Every `tf.matMul` of a model, and of autodiff's gradients (which use the
 * flags), reaches XNNPACK where it can.
 */
function routeMatMulToXnnpack(): void {
  const plain = tf.getKernel("BatchMatMul", "wasm");
  const reshapeKernel = tf.getKernel("Reshape", "wasm");
  const transposeKernel = tf.getKernel("Transpose", "wasm");
  const multiplyKernel = tf.getKernel("Multiply", "wasm");
  if (!plain || !reshapeKernel || !transposeKernel || !multiplyKernel) return;
  const run = (kernel: tf.KernelConfig, args: KernelArgs) =>
    kernel.kernelFunc(args) as Info;
  const product = (args: KernelArgs): Info => {
    const { inputs, backend, attrs } = args;
    const a = inputs.a as Info, b = inputs.b as Info;
    const { transposeA, transposeB } = attrs as unknown as {
      transposeA: boolean;
      transposeB: boolean;
    };
    const batchOf = (t: Info) =>
      t.shape.slice(0, -2).reduce((n, d) => n * d, 1);
    const batchA = batchOf(a);
    const ra = a.shape.length, rb = b.shape.length;
    const [m, k] = transposeA
      ? [a.shape[ra - 1], a.shape[ra - 2]]
      : [a.shape[ra - 2], a.shape[ra - 1]];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    const temporary: Info[] = [];
    const reshape = (x: Info, shape: number[]) => {
      const y = run(reshapeKernel, {
        inputs: { x },
        backend,
        attrs: { shape },
      });
      temporary.push(y);
      return y;
    };
    const transpose = (x: Info, perm = [1, 0]) => {
      const y = run(transposeKernel, {
        inputs: { x },
        backend,
        attrs: { perm },
      });
      temporary.push(y);
      return y;
    };
    if (k === 1 && a.dtype === "float32" && b.dtype === "float32") {
      // Outer products (chapter 7's gradients of one query row): the loop
      // spends its time per output value; a broadcast multiply is twice as
      // fast (128 × [14, 1] · [1, 16]: 0.06 ms against 0.13 ms).
      const out = run(multiplyKernel, {
        inputs: {
          a: reshape(a, [...a.shape.slice(0, -2), m, 1]),
          b: reshape(b, [...b.shape.slice(0, -2), 1, n]),
        },
        backend,
        attrs: {},
      });
      dispose(backend, temporary);
      return out;
    }
    const sameStacks = batchA > 1 && ra === rb && a.dtype === "float32" &&
      b.dtype === "float32" &&
      a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
    const insides = sameStacks && m * k * n >= MIN_XNNPACK_PAIR_WORK
      ? wasmInsides(backend)
      : undefined;
    if (insides) {
      const stack = (
        x: Info,
        transposed: boolean,
        rows: number,
        cols: number,
      ) =>
        transposed
          ? transpose(reshape(x, [batchA, cols, rows]), [0, 2, 1])
          : reshape(x, [batchA, rows, cols]);
      const out = multiplyPairs(
        insides,
        stack(a, transposeA, m, k),
        stack(b, transposeB, k, n),
        [...a.shape.slice(0, -2), m, n],
      );
      dispose(backend, temporary);
      return out;
    }
    // Two stacks of small matrices, a transposed stack on the left: the loop
    // it is. So for fewer than 16 rows, where XNNPACK's packing of b costs
    // more than the product (one row: 15 µs in the loop, 50–150 µs through
    // XNNPACK).
    if (
      batchOf(b) !== 1 || (transposeA && batchA !== 1) ||
      batchA * m < MIN_XNNPACK_ROWS
    ) return run(plain, args);
    const a2 = transposeA
      ? transpose(reshape(a, [k, m]))
      : reshape(a, [batchA * m, k]); // a stack of matrices as one tall one
    const b2 = transposeB ? transpose(reshape(b, [n, k])) : reshape(b, [k, n]);
    const out = run(plain, {
      inputs: { a: a2, b: b2 },
      backend,
      attrs: { transposeA: false, transposeB: false },
    }); // [batchA·m, n]
    const batchShape = ra >= rb
      ? a.shape.slice(0, -2)
      : b.shape.slice(0, -2).map((d, i) =>
        i < rb - ra ? d : a.shape[i - (rb - ra)]
      );
    const shaped = run(reshapeKernel, {
      inputs: { x: out },
      backend,
      attrs: { shape: [...batchShape, m, n] },
    });
    temporary.push(out);
    dispose(backend, temporary);
    return shaped;
  };
  const dispose = (backend: unknown, infos: Info[]) => {
    for (const t of infos) (backend as HeapBackend).disposeData(t.dataId);
  };
  replaceKernel(plain, product);
}

/** What {@linkcode multiplyPairs} uses of the wasm backend's insides. */
interface WasmInsides extends HeapBackend {
  dataIdNextNumber: number;
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  wasm: {
    HEAPU8: Uint8Array;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
    _BatchMatMul(...args: number[]): void;
    tfjs: {
      registerTensor(id: number, size: number, offset: number): void;
      disposeData(id: number): void;
    };
  };
}

/** The backend's insides, or undefined when this tfjs-backend-wasm lacks them. */
function wasmInsides(backend: unknown): WasmInsides | undefined {
  const b = backend as Partial<WasmInsides>;
  const ok = typeof b.dataIdNextNumber === "number" &&
    typeof b.dataIdMap?.get === "function" &&
    typeof b.makeOutput === "function" &&
    typeof b.wasm?._BatchMatMul === "function" &&
    typeof b.wasm._malloc === "function" &&
    typeof b.wasm.tfjs?.registerTensor === "function";
  return ok ? b as WasmInsides : undefined;
}

/**
 * Multiplies two stacks, `[batch, m, k] · [batch, k, n] → shape` (`batch·m·n`
 * values), as `batch` single products on XNNPACK. Each matrix of a stack is
 * registered with the wasm backend as a tensor of its own that points into
 * the stack's memory (no copy), multiplied by wasm's own `BatchMatMul` (one
 * matrix each, no transposes: its XNNPACK path), then unregistered, which
 * frees the XNNPACK operator made for it: the calls tfjs-backend-wasm's own
 * kernels make. Attention's products run 4–5× faster than in wasm's loop.
 */
function multiplyPairs(
  backend: WasmInsides,
  a: Info,
  b: Info,
  shape: number[],
): Info {
  const [batch, m, k] = a.shape, n = b.shape[2];
  const out = backend.makeOutput(shape, "float32");
  const offset = (t: Info) => backend.dataIdMap.get(t.dataId).memoryOffset;
  const [aAt, bAt, outAt] = [offset(a), offset(b), offset(out)];
  const { wasm } = backend;
  const shapes = wasm._malloc(24) >>> 0; // [1, m, k] and [1, k, n], int32
  new Int32Array(wasm.HEAPU8.buffer, shapes, 6).set([1, m, k, 1, k, n]);
  for (let i = 0; i < batch; i++) {
    const ids = [0, 1, 2].map(() => backend.dataIdNextNumber++);
    wasm.tfjs.registerTensor(ids[0], m * k, aAt + 4 * i * m * k);
    wasm.tfjs.registerTensor(ids[1], k * n, bAt + 4 * i * k * n);
    wasm.tfjs.registerTensor(ids[2], m * n, outAt + 4 * i * m * n);
    wasm._BatchMatMul(ids[0], shapes, 3, ids[1], shapes + 12, 3, 0, 0, ids[2]);
    for (const id of ids) wasm.tfjs.disposeData(id);
  }
  wasm._free(shapes);
  return out;
}

// ------------------------------------------- wasm's sum over leading axes

/**
 * tfjs-backend-wasm sums over any axis but the last by transposing first
 * (`[768, 512]` over its rows: 2.3 ms); a gradient does that for every bias
 * and LayerNorm parameter, summing over the batch's rows. Its `Sum` kernel is
 * wrapped so that a float32 sum over leading axes (`tf.sum(m, 0)`) adds the
 * rows in place, in JavaScript, one after the other (0.1 ms); any other sum
 * keeps wasm's.
 */
function sumLeadingAxesInJs(): void {
  const plain = tf.getKernel("Sum", "wasm");
  if (!plain) return;
  const sum = (args: KernelArgs): Info => {
    const x = args.inputs.x as Info;
    const { axis, keepDims } = args.attrs as unknown as {
      axis: number | number[];
      keepDims: boolean;
    };
    const r = x.shape.length;
    const axes = [axis].flat().map((a) => a < 0 ? a + r : a)
      .sort((a, b) => a - b);
    const leading = axes.length < r && axes.every((a, i) => a === i);
    if (x.dtype !== "float32" || !leading) {
      return plain.kernelFunc(args) as Info;
    }
    const backend = args.backend as HeapBackend;
    const kept = x.shape.slice(axes.length);
    const out = backend.makeOutput(
      keepDims ? [...axes.map(() => 1), ...kept] : kept,
      "float32",
    );
    // Views after the output's allocation, which may grow wasm's memory.
    const from = backend.typedArrayFromHeap(x) as Float32Array;
    const sums = backend.typedArrayFromHeap(out) as Float32Array;
    const width = sums.length;
    sums.fill(0);
    if (width === 0) return out;
    let at = 0; // four rows at a time: a quarter of the writes to sums
    for (const end = from.length - 4 * width; at <= end; at += 4 * width) {
      for (let j = 0, k = at; j < width; j++, k++) {
        sums[j] += from[k] + from[k + width] + from[k + 2 * width] +
          from[k + 3 * width];
      }
    }
    for (; at < from.length; at += width) {
      for (let j = 0; j < width; j++) sums[j] += from[at + j];
    }
    return out;
  };
  replaceKernel(plain, sum);
}

// ----------------------------------------------------- wasm's Identity

/**
 * tfjs-backend-wasm's `Identity` copies its input (tf.clone, and every
 * tensor a custom gradient saves for its backward pass); tfjs's own cpu
 * backend shares the input's memory instead, counting one more owner, which
 * is safe since no kernel writes to its inputs. The wasm kernel is wrapped to
 * do the same for numbers (strings keep wasm's).
 */
function shareIdentity(): void {
  const plain = tf.getKernel("Identity", "wasm");
  if (!plain) return;
  const identity = (args: KernelArgs): Info => {
    const x = args.inputs.x as Info;
    if (x.dtype === "string") return plain.kernelFunc(args) as Info;
    (args.backend as HeapBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  replaceKernel(plain, identity);
}

// ------------------------------- the kernel wasm lacks: UnsortedSegmentSum

/**
 * tfjs differentiates `tf.gather` with `UnsortedSegmentSum`, a kernel the
 * wasm backend does not have, so any gradient through a gather (a reader's
 * own loss picking words out of a row, say) would throw there. Here it is,
 * in JavaScript: `out[ids[i]] += x[i]`, row by row, ids outside
 * `0…numSegments − 1` dropped (TensorFlow's rule).
 */
function addUnsortedSegmentSum(): void {
  if (tf.getKernel("UnsortedSegmentSum", "wasm")) return;
  const segmentSum = (args: KernelArgs): Info => {
    const { inputs, attrs } = args;
    const backend = args.backend as HeapBackend;
    const x = inputs.x as Info, ids = inputs.segmentIds as Info;
    const { numSegments } = attrs as unknown as { numSegments: number };
    const values = backend.readSync(x.dataId); // a copy
    const segments = backend.readSync(ids.dataId);
    const rows = segments.length;
    const width = rows === 0 ? 0 : values.length / rows;
    const out = backend.makeOutput(
      [numSegments, ...x.shape.slice(ids.shape.length)],
      x.dtype,
    );
    const sums = backend.typedArrayFromHeap(out); // a view: no allocation from here on
    sums.fill(0);
    for (let i = 0; i < rows; i++) {
      const id = segments[i];
      if (id < 0 || id >= numSegments) continue;
      for (let j = 0; j < width; j++) {
        sums[id * width + j] += values[i * width + j];
      }
    }
    return out;
  };
  tf.registerKernel({
    kernelName: "UnsortedSegmentSum",
    backendName: "wasm",
    kernelFunc: segmentSum as tf.KernelFunc,
  });
}
