// The harness of the seeded property test over the public API (issue 25),
// shared by tests/api_property_*_test.ts: each file lists its modules' rows
// and calls propertyTests. Every function and class export is called with
// bad values in each argument position, and in each field of an options
// object: null, undefined, NaN, ±Infinity, a Symbol, a disposed tensor, a
// wrong-shape array, a huge size, a number finite in float64 but infinite in
// float32. Each call must return normally (with no NaN in a returned tensor)
// or throw a TypeError or RangeError whose message is under 300 characters
// and names the argument; never another error class, never a leaked tensor.
// The exports are enumerated, so a new export without a row fails the test.
// API_PROPERTY_SEED=n replays another seed; API_PROPERTY_ONLY=regex fuzzes
// only the rows whose name matches; API_PROPERTY_TIMES=1 prints each row's
// time, =2 the time so far after each call.
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import { mulberry32 } from "../lib/core/random.ts";

const SEED = Number(Deno.env.get("API_PROPERTY_SEED") ?? 20261204);
const ONLY_PATTERN = Deno.env.get("API_PROPERTY_ONLY");
const ONLY = ONLY_PATTERN ? new RegExp(ONLY_PATTERN) : undefined;

// the library's one mulberry32 picks the cases
const generator = mulberry32;

export function disposedTensor(): tf.Tensor {
  const t = tf.tensor2d([[1, 2], [3, 4]]);
  t.dispose();
  return t;
}

// The bad values, each made fresh for every call.
export const BAD: Record<string, () => unknown> = {
  null: () => null,
  undefined: () => undefined,
  NaN: () => NaN,
  Infinity: () => Infinity,
  "-Infinity": () => -Infinity,
  Symbol: () => Symbol("bad"),
  "disposed tensor": disposedTensor,
  "wrong-shape array": () => [[1, 2, 3]],
  "huge size": () => 2 ** 31,
  "1e39 (infinite in float32)": () => 1e39,
  "float32-infinite array": () => [[1e39, 1], [1, 1]],
};

/** One row: how to call an export with valid arguments. */
export interface Base {
  // The parameter names, one per position (the message must name the one
  // that is bad; for an options field, the field's name).
  params: string[];
  // Valid arguments, made fresh for every call.
  args: () => unknown[];
  // How to call it (default: the export itself; `new` for a class).
  call?: (...args: unknown[]) => unknown;
  // Positions not to fuzz, with the reason (e.g. a value any type of which is valid).
  skip?: Record<number, string>;
  // Bad values not to try for an argument or field, by its name, with the
  // reason (`undefined` where the default is a minutes-long training run).
  skipBad?: Record<string, Record<string, string>>;
  // Training rows take a second a call: fuzz a seeded sample of this many cases.
  sample?: number;
  // Other words a message may name an argument by ("settings" for overrides).
  aliases?: Record<string, string[]>;
}

// An instance for a method's row, disposed after the call.
let instance: { dispose(): void } | undefined;
export function method<T extends { dispose(): void }>(
  make: () => T,
  run: (self: T, ...args: unknown[]) => unknown,
): (...args: unknown[]) => unknown {
  return (...args) => {
    const self = make();
    instance = self;
    return run(self, ...args);
  };
}

/** Marks a value an args() made as the row's instance, disposed after the call. */
export function own<T extends { dispose(): void }>(value: T): T {
  instance = value;
  return value;
}

function isClass(value: unknown): boolean {
  return typeof value === "function" &&
    /^class\b/.test(Function.prototype.toString.call(value));
}

// Frees what a call returned: tensors, models, nested records of them.
export function release(value: unknown, depth = 0): void {
  if (depth > 4 || value === null || typeof value !== "object") return;
  if (value instanceof tf.Tensor) {
    value.dispose();
    return;
  }
  if (typeof (value as { dispose?: unknown }).dispose === "function") {
    (value as { dispose(): void }).dispose();
  }
  const items = Array.isArray(value) ? value : Object.values(value);
  if (items.length > 1000) return;
  for (const item of items) release(item, depth + 1);
}

// Tensors a call returned that hold NaN (a silent bad answer).
function holdsNaN(value: unknown, depth = 0): boolean {
  if (depth > 4 || value === null || typeof value !== "object") {
    return typeof value === "number" && Number.isNaN(value);
  }
  if (value instanceof tf.Tensor) {
    return !value.isDisposed && value.dtype === "float32" &&
      (value.dataSync() as Float32Array).some(Number.isNaN);
  }
  if (value instanceof Map) return false;
  const items = Array.isArray(value) ? value : Object.values(value);
  if (items.length > 1000) return false;
  return items.some((item) => holdsNaN(item, depth + 1));
}

interface Outcome {
  kind: "returned" | "refused";
  problem?: string;
}

// Lower case, letters and digits only: "focus position" names focusPosition.
const squash = (text: string) =>
  text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");

async function attempt(
  target: unknown,
  base: Base,
  args: unknown[],
  named: string,
): Promise<Outcome> {
  const call = base.call ??
    ((...a: unknown[]) =>
      isClass(target)
        ? new (target as new (...a: unknown[]) => unknown)(...a)
        : (target as (...a: unknown[]) => unknown)(...a));
  try {
    const result = await call(...args);
    const nan = holdsNaN(result);
    release(result);
    return nan
      ? { kind: "returned", problem: "returned NaN" }
      : { kind: "returned" };
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof RangeError)) {
      return {
        kind: "refused",
        problem: `threw ${(error as Error)?.constructor?.name}: ${
          String((error as Error)?.message).slice(0, 200)
        }`,
      };
    }
    const message = error.message;
    if (message.length >= 300) {
      return {
        kind: "refused",
        problem: `a ${message.length}-character message`,
      };
    }
    const names = [named, ...(base.aliases?.[named] ?? [])];
    if (!names.some((n) => squash(message).includes(squash(n)))) {
      return {
        kind: "refused",
        problem: `message does not name ${named}: ${message}`,
      };
    }
    if (/Cannot read|is not a function|undefined \(reading/.test(message)) {
      return { kind: "refused", problem: `a raw JavaScript error: ${message}` };
    }
    return { kind: "refused" };
  } finally {
    instance?.dispose();
    instance = undefined;
  }
}

export function isPlainObject(
  value: unknown,
): value is Record<string, unknown> {
  return typeof value === "object" && value !== null &&
    !Array.isArray(value) && !(value instanceof tf.Tensor) &&
    Object.getPrototypeOf(value) === Object.prototype;
}

// A 32-bit FNV-1a hash of a row's name.
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/** What one test file fuzzes. */
export interface PropertyOptions {
  /** The modules, by prefix: `""` for lib/mod.ts, `"chapter7"`, …. */
  modules: Record<string, Record<string, unknown>>;
  /** One row per function, class and method (`"Class.method"`). */
  bases: Record<string, Base>;
  /** Exports that are not called, with the reason. */
  notCalled: Record<string, string>;
  /** The fewest calls the fuzzing must make (a guard against rows dropping out). */
  minCalls: number;
}

/**
 * Registers the property tests of one family of modules.
 *
 * @param family The family, for the test names.
 * @param options The modules, their rows and the exports not called.
 */
export function propertyTests(family: string, options: PropertyOptions): void {
  const { bases: BASES, notCalled: NOT_CALLED, minCalls } = options;
  const all = new Map<string, unknown>();
  for (const [prefix, module] of Object.entries(options.modules)) {
    for (const [name, value] of Object.entries(module)) {
      all.set(prefix === "" ? name : `${prefix}.${name}`, value);
    }
  }
  const target = (name: string) => all.get(name);

  Deno.test(`${family}: every function and class export has a row (or a reason it is not called)`, () => {
    const missing = [...all].filter(([name, value]) =>
      !(name in BASES) && !(name in NOT_CALLED) &&
      (typeof value === "function" || typeof value === "object")
    ).map(([name]) => name);
    assertEquals(missing, [], "add a row to BASES for each new export");
    const stale = Object.keys(BASES).filter((name) =>
      !all.has(name.replace(/\.[a-zA-Z]+$/, "")) && !all.has(name)
    );
    assertEquals(stale, []);
  });

  Deno.test(`${family}: the base arguments are valid: every row returns normally without leaking`, async () => {
    const failures: string[] = [];
    for (const [name, base] of Object.entries(BASES)) {
      const before = tf.memory().numTensors;
      const args = base.args();
      const outcome = await attempt(target(name), base, args, "");
      release(args.filter((a) => a instanceof tf.Tensor || isWeights(a)));
      const after = tf.memory().numTensors;
      if (outcome.kind !== "returned" || outcome.problem) {
        failures.push(`${name}: ${outcome.problem ?? "refused its base"}`);
      }
      if (after !== before) failures.push(`${name}: leaked ${after - before}`);
    }
    assertEquals(failures, []);
  });

  Deno.test(`${family}: bad values in every argument and option answer in one short sentence naming it, with no leak (seed ${SEED})`, async () => {
    const failures: string[] = [];
    let calls = 0;
    let refused = 0;
    const badNames = Object.keys(BAD);
    for (const [name, base] of Object.entries(BASES)) {
      if (ONLY && !ONLY.test(name)) continue;
      // each row its own stream, so API_PROPERTY_ONLY replays its cases
      const random = generator((SEED ^ hashName(name)) >>> 0);
      // Every bad value in every position, in a seeded order; then every
      // field of each options object, and every field of an object in it
      // (`config.model.dModel`), with a seeded sample of bad values.
      let cases: { position: number; path?: string[]; bad: string }[] = [];
      const template = base.args();
      release(template.filter((a) => a instanceof tf.Tensor));
      for (let position = 0; position < base.params.length; position++) {
        if (base.skip?.[position]) continue;
        for (const bad of badNames) cases.push({ position, bad });
        const value = template[position];
        if (!isPlainObject(value)) continue;
        for (const [field, inner] of Object.entries(value)) {
          for (const bad of badNames) {
            if (random() < 0.5) cases.push({ position, path: [field], bad });
          }
          if (!isPlainObject(inner)) continue;
          for (const subfield of Object.keys(inner)) {
            for (const bad of badNames) {
              if (random() < 0.25) {
                cases.push({ position, path: [field, subfield], bad });
              }
            }
          }
        }
      }
      instance?.dispose();
      instance = undefined;
      cases = cases.filter(({ position, path, bad }) =>
        !base.skipBad?.[path?.[path.length - 1] ?? base.params[position]]?.[bad]
      );
      if (base.sample !== undefined) {
        // a seeded sample: shuffle, keep the first `sample`
        for (let i = cases.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [cases[i], cases[j]] = [cases[j], cases[i]];
        }
        cases.splice(base.sample);
      }
      const started = performance.now();
      for (const { position, path, bad } of cases) {
        const before = tf.memory().numTensors;
        const args = base.args();
        const replaced = BAD[bad]();
        if (path === undefined) {
          const old = args[position];
          args[position] = replaced;
          release(old);
        } else {
          let holder = args[position] as Record<string, unknown>;
          for (const key of path.slice(0, -1)) {
            // a copy, so a shared default object is not changed
            holder = holder[key] = { ...(holder[key] as object) };
          }
          holder[path[path.length - 1]] = replaced;
        }
        const named = path?.[path.length - 1] ?? base.params[position];
        // The other arguments' tensors are the caller's: free them after.
        // A bad field may be named by itself or by an object that holds it
        // ("experiment", "config").
        const outcome = await attempt(
          target(name),
          path === undefined ? base : {
            ...base,
            aliases: {
              ...base.aliases,
              [named]: [
                base.params[position],
                ...path.slice(0, -1),
                ...(base.aliases?.[named] ?? []),
              ],
            },
          },
          args,
          named,
        );
        release(args.filter((a) => a instanceof tf.Tensor || isWeights(a)));
        const after = tf.memory().numTensors;
        calls++;
        if (outcome.kind === "refused") refused++;
        const where = `${name}(${named} = ${bad})`;
        if (Deno.env.get("API_PROPERTY_TIMES") === "2") {
          console.log(
            `${where}: ${Math.round(performance.now() - started)} ms`,
          );
        }
        if (outcome.problem) failures.push(`${where}: ${outcome.problem}`);
        if (after > before) failures.push(`${where}: leaked ${after - before}`);
      }
      if (Deno.env.get("API_PROPERTY_TIMES") === "1") {
        console.log(
          `${name}: ${cases.length} calls, ${
            Math.round(performance.now() - started)
          } ms`,
        );
      }
    }
    // Every bad answer is listed, one a line, in the failure message.
    const shown = failures.map((f) => f.slice(0, 240));
    assertEquals(shown, [], `${failures.length} bad answers in ${calls} calls`);
    if (ONLY) return; // a few rows: too few calls for the counts below
    assert(calls > minCalls, `only ${calls} calls`);
    assert(refused > calls / 2, `only ${refused} of ${calls} refused`);
  });
}

// A record of weight tensors given as an argument (the caller's to free).
export function isWeights(value: unknown): boolean {
  return isPlainObject(value) &&
    Object.values(value).some((v) => v instanceof tf.Tensor);
}
