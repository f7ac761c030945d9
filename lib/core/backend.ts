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
 * @throws {Error} When `"wasm"` was asked for by name and does not start.
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
  if (choice === "cpu") return await setOrThrow("cpu");
  const wasm = await startWasm();
  if (wasm) return "wasm";
  if (choice === "wasm") {
    throw new Error("the wasm backend did not start (see tfjs's warning)");
  }
  return await setOrThrow("cpu");
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

async function startWasm(): Promise<boolean> {
  if (tf.getBackend() === "wasm") return true;
  if (!wasmModule) {
    wasmModule = await import("@tensorflow/tfjs-backend-wasm");
    // Where the package lives on disk (a node_modules folder), tell tfjs
    // where its .wasm files are: setWasmPaths works only before the first
    // start. Deno's npm cache needs nothing: tfjs finds them on its own.
    const dist = distFolder();
    if (dist) wasmModule.setWasmPaths(dist, true);
  }
  return await quietly(() => tf.setBackend("wasm"));
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
