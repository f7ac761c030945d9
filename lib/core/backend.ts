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
    routeMatMulToXnnpack();
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

// ------------------------------------------------- wasm's matrix product

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

// Fewer rows than this stay in wasm's loop (see below).
const MIN_XNNPACK_ROWS = 16;

/**
 * tfjs-backend-wasm multiplies with XNNPACK only when both operands are one
 * matrix and neither is transposed (`batch_mat_mul_impl.cc`); any other
 * product runs a scalar loop, 10–20× slower. Its `BatchMatMul` kernel is
 * wrapped here, before the backend starts, so that a transpose flag becomes
 * an explicit transpose, and a stack of matrices times one matrix becomes
 * one tall product: every `tf.matMul` of a model, and of autodiff's
 * gradients (which use the flags), reaches XNNPACK where it can. Products of
 * two stacks (attention's `Q·Kᵀ` per head) keep the loop: XNNPACK has no
 * batched product in tfjs.
 */
function routeMatMulToXnnpack(): void {
  const plain = tf.getKernel("BatchMatMul", "wasm");
  const reshapeKernel = tf.getKernel("Reshape", "wasm");
  const transposeKernel = tf.getKernel("Transpose", "wasm");
  if (!plain || !reshapeKernel || !transposeKernel) return;
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
    // Two stacks, or a transposed stack on the left: the loop it is. So for
    // fewer than 16 rows, where XNNPACK's packing of b costs more than the
    // product (one row: 15 µs in the loop, 50–150 µs through XNNPACK).
    if (
      batchOf(b) !== 1 || (transposeA && batchA !== 1) ||
      batchA * m < MIN_XNNPACK_ROWS
    ) return run(plain, args);
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
    const transpose = (x: Info) => {
      const y = run(transposeKernel, {
        inputs: { x },
        backend,
        attrs: { perm: [1, 0] },
      });
      temporary.push(y);
      return y;
    };
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
    const owner = backend as { disposeData(dataId: object): void };
    for (const t of temporary) owner.disposeData(t.dataId);
    return shaped;
  };
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ ...plain, kernelFunc: product as tf.KernelFunc });
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
    const backend = args.backend as {
      readSync(dataId: object): ArrayLike<number>;
      makeOutput(shape: number[], dtype: tf.DataType): Info;
      typedArrayFromHeap(t: Info): Float32Array | Int32Array;
    };
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
