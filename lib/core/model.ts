/**
 * The model contract every chapter uses, as nanoGPT's `GPTConfig` +
 * `GPT.forward`: a model is a parameter schema (one table: name, shape,
 * initialiser) and a forward function that returns its output and every
 * attention matrix it computed. {@linkcode Model} turns a definition into
 * tfjs variables with seeded initial values; the trainer, the charts and the
 * ablations read attention the same way for every model.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import {
  checkObject,
  checkOptions,
  describe,
  listSome,
  shorten,
} from "./_describe.ts";
import { MAX_PARAMETERS, MAX_SEED } from "./limits.ts";
import { normalDraw, seedStream } from "./random.ts";

// tfjs prints a "use the Node.js backend" banner on first use unless
// production mode is on; readers should never see it.
tf.enableProdMode();

/**
 * How a parameter starts: `normal` N(0, std²) (`nn.Embedding` uses std 1,
 * GPT-2 0.02), `uniform` U(−bound, bound) (`nn.Linear` uses 1/√fanIn),
 * `zeros` (biases, LayerNorm shifts) or `ones` (LayerNorm gains).
 */
export type Init =
  | { kind: "normal"; std: number }
  | { kind: "uniform"; bound: number }
  | { kind: "zeros" }
  | { kind: "ones" };

/** One row of a model's schema: everything there is to know about one parameter. */
export interface ParameterSpec {
  /** Its name, unique in the schema (nanoGPT's names for a GPT, e.g. `transformer.wte.weight`). */
  readonly name: string;
  /** Its shape, e.g. `[vocabSize, dModel]`. */
  readonly shape: readonly number[];
  /** How it starts. */
  readonly init: Init;
  /** Whether AdamW's weight decay applies. Default: matrices yes, vectors no (nanoGPT's rule). */
  readonly decay?: boolean;
}

/** What a forward pass returns; the caller owns every tensor. */
export interface ForwardResult {
  /** The model's output, e.g. logits `[B, T, vocabSize]`. */
  output: tf.Tensor;
  /** Every attention matrix computed, one per layer (or hop), each `[B, heads, Tq, Tk]`. */
  attention: tf.Tensor[];
}

/**
 * A model: its parameters and its forward function. Nothing else: losses
 * are values passed to the trainer, and the model knows none.
 *
 * @typeParam Input What `forward` takes (token ids, a batch, …).
 * @typeParam Options Per-call options (an ablation, a mode), if any.
 */
export interface ModelDefinition<Input, Options = undefined> {
  /** A short name, shown in reports (`"demo attention"`, `"gpt"`). */
  readonly name: string;
  /** The parameters, in a fixed order: row `k` draws from seed stream `k`. */
  readonly schema: readonly ParameterSpec[];
  /**
   * The forward pass in tfjs ops. Called inside `tf.tidy` by {@linkcode Model.forward}.
   *
   * @param params The current values, by schema name.
   * @param input The input.
   * @param options Per-call options.
   * @returns The output and the attention of every layer.
   */
  forward(
    params: Readonly<Record<string, tf.Tensor>>,
    input: Input,
    options?: Options,
  ): ForwardResult;
}

/** Parameter values as plain arrays, by schema name (row-major, float32). */
export type ParameterValues = Record<string, Float32Array>;

/** Options for {@linkcode Model}. */
export interface ModelOptions {
  /** Seed of the initial values, a whole number from 0 to 2³² − 1. Default 1. */
  seed?: number;
  /** Start from these values instead (a checkpoint); every schema name, each of its size. */
  values?: Readonly<Record<string, ArrayLike<number>>>;
}

/**
 * Checks a schema: unique names, whole-number shapes, known initialisers,
 * and at most {@linkcode MAX_PARAMETERS} numbers in all.
 *
 * @param schema The schema.
 * @returns The number of parameters.
 * @throws {TypeError} When `schema` is not a list of specs.
 * @throws {RangeError} Naming the first bad row.
 *
 * @example
 * ```ts
 * import { checkSchema } from "./model.ts";
 * const n = checkSchema([{ name: "w", shape: [2, 3], init: { kind: "zeros" } }]);
 * if (n !== 6) throw new Error();
 * ```
 */
export function checkSchema(schema: readonly ParameterSpec[]): number {
  if (!Array.isArray(schema) || schema.length === 0) {
    throw new TypeError(
      `schema must be a non-empty list of parameter specs, got ${
        describe(schema)
      }`,
    );
  }
  const seen = new Set<string>();
  let total = 0;
  for (const [i, spec] of schema.entries()) {
    checkObject(spec, `schema[${i}]`, "a parameter spec {name, shape, init}");
    const name = spec.name;
    if (typeof name !== "string" || name === "" || seen.has(name)) {
      throw new RangeError(
        `schema[${i}]: every parameter needs a unique, non-empty name; got ${
          describe(name)
        }`,
      );
    }
    seen.add(name);
    if (
      !Array.isArray(spec.shape) || spec.shape.length === 0 ||
      !spec.shape.every((d: number) => Number.isInteger(d) && d >= 1)
    ) {
      throw new RangeError(
        `parameter ${name}: shape must be a list of whole numbers ≥ 1, got ${
          describe(spec.shape)
        }`,
      );
    }
    const init = spec.init;
    const scale = init?.kind === "normal"
      ? init.std
      : init?.kind === "uniform"
      ? init.bound
      : 0;
    if (
      !["normal", "uniform", "zeros", "ones"].includes(init?.kind) ||
      !(Number.isFinite(scale) && scale >= 0)
    ) {
      throw new RangeError(
        `parameter ${name}: init must be normal {std ≥ 0}, uniform {bound ≥ 0}, zeros or ones, got ${
          describe(init)
        }`,
      );
    }
    total += spec.shape.reduce((a: number, b: number) => a * b, 1);
    if (total > MAX_PARAMETERS) {
      throw new RangeError(
        `the model would hold more than ${MAX_PARAMETERS} parameters (at ${name}); use a smaller model`,
      );
    }
  }
  return total;
}

/**
 * The seeded initial values of a schema, computed in JavaScript (not by a
 * tfjs backend), so cpu, wasm and a PyTorch twin start from the same bits.
 * Row `k` draws from stream `k` of the seed; values are rounded to float32.
 *
 * @param schema The schema.
 * @param seed A whole number from 0 to 2³² − 1.
 * @returns One array per parameter, row-major.
 * @throws {RangeError} For a bad schema or seed.
 *
 * @example
 * ```ts
 * import { initValues } from "./model.ts";
 * const v = initValues([{ name: "g", shape: [3], init: { kind: "ones" } }], 1);
 * if (v.g.join() !== "1,1,1") throw new Error();
 * ```
 */
export function initValues(
  schema: readonly ParameterSpec[],
  seed: number,
): ParameterValues {
  checkSchema(schema);
  checkSeed(seed);
  const values: ParameterValues = {};
  schema.forEach((spec, k) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(size);
    const init = spec.init;
    if (init.kind === "ones") out.fill(1);
    if (init.kind === "normal") {
      const next = seedStream(seed, k);
      for (let i = 0; i < size; i++) out[i] = init.std * normalDraw(next);
    }
    if (init.kind === "uniform") {
      const next = seedStream(seed, k);
      for (let i = 0; i < size; i++) out[i] = (2 * next() - 1) * init.bound;
    }
    values[spec.name] = out;
  });
  return values;
}

/**
 * A model definition made concrete: one tfjs variable per schema row. Only
 * a model creates variables; {@linkcode Model.dispose} frees them.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Model, type ModelDefinition } from "./model.ts";
 * const linear: ModelDefinition<tf.Tensor2D> = {
 *   name: "linear",
 *   schema: [{ name: "w", shape: [2, 1], init: { kind: "uniform", bound: 1 } }],
 *   forward: (p, x) => ({ output: tf.matMul(x, p.w), attention: [] }),
 * };
 * const model = new Model(linear, { seed: 3 });
 * const x = tf.tensor2d([[1, 2]]);
 * const { output } = model.forward(x);
 * if (output.shape.join() !== "1,1") throw new Error();
 * tf.dispose([x, output]);
 * model.dispose();
 * ```
 */
export class Model<Input, Options = undefined> {
  /** The definition: schema and forward. */
  readonly definition: ModelDefinition<Input, Options>;
  /** The variables, by schema name, in schema order. */
  readonly variables: ReadonlyMap<string, tf.Variable>;
  /** How many numbers the parameters hold. */
  readonly parameterCount: number;
  readonly #params: Record<string, tf.Variable>;

  /**
   * @param definition The model's schema and forward.
   * @param options The seed, or values to start from.
   * @throws {TypeError} When `definition` is not a model definition.
   * @throws {RangeError} For a bad schema, seed or starting values.
   */
  constructor(
    definition: ModelDefinition<Input, Options>,
    options: ModelOptions = {},
  ) {
    if (
      typeof definition !== "object" || definition === null ||
      typeof definition.forward !== "function"
    ) {
      throw new TypeError(
        `a model needs a definition {name, schema, forward}, got ${
          describe(definition)
        }`,
      );
    }
    if (typeof definition.name !== "string") {
      throw new TypeError(
        `the definition's name must be a string, got ${
          describe(definition.name)
        }`,
      );
    }
    checkOptions(options);
    this.definition = definition;
    this.parameterCount = checkSchema(definition.schema);
    const values = options.values === undefined
      ? initValues(definition.schema, options.seed ?? 1)
      : checkValues(definition.schema, options.values);
    const variables = new Map<string, tf.Variable>();
    for (const spec of definition.schema) {
      const initial = tf.tensor(values[spec.name], [...spec.shape], "float32");
      variables.set(spec.name, tf.variable(initial, true));
      initial.dispose();
    }
    this.variables = variables;
    this.#params = Object.fromEntries(variables);
  }

  /**
   * Runs the forward pass; intermediate tensors are freed.
   *
   * @param input The input, as the definition takes it.
   * @param options Per-call options (an ablation, …).
   * @returns The output and every attention matrix; the caller disposes them.
   */
  forward(input: Input, options?: Options): ForwardResult {
    this.#checkAlive();
    checkInput(input, "input");
    checkOptions(options as object | undefined);
    try {
      return tf.tidy(() =>
        this.definition.forward(
          this.#params,
          input,
          options,
        ) as unknown as tf.TensorContainer
      ) as unknown as ForwardResult;
    } catch (error) {
      // A definition's own checks speak for themselves; anything else (a
      // tfjs shape error, a property of a wrong value) becomes one sentence.
      if (error instanceof TypeError || error instanceof RangeError) {
        if (!/Cannot (read|convert)|is not a function/.test(error.message)) {
          throw error;
        }
      }
      throw new RangeError(
        `the model "${this.definition.name}" cannot run on this input (${
          describe(input)
        }): ${shorten(String((error as Error)?.message), 120)}`,
      );
    }
  }

  /** The current values by name, as tensors the model owns (do not dispose). */
  get params(): Readonly<Record<string, tf.Variable>> {
    return this.#params;
  }

  /**
   * A snapshot of every parameter.
   *
   * @returns Plain float32 arrays by schema name, row-major.
   */
  values(): ParameterValues {
    this.#checkAlive();
    return Object.fromEntries(
      [...this.variables].map((
        [name, v],
      ) => [name, Float32Array.from(v.dataSync())]),
    );
  }

  /**
   * Overwrites every parameter (a checkpoint, or a snapshot taken earlier).
   *
   * @param values Every schema name, each with exactly its size in numbers.
   * @throws {RangeError} When a name is missing or unknown, a size is wrong
   *   or a number is not finite; then nothing is changed.
   */
  load(values: Readonly<Record<string, ArrayLike<number>>>): void {
    this.#checkAlive();
    const checked = checkValues(this.definition.schema, values);
    for (const spec of this.definition.schema) {
      const v = this.variables.get(spec.name)!;
      const t = tf.tensor(checked[spec.name], [...spec.shape], "float32");
      v.assign(t);
      t.dispose();
    }
  }

  /** Whether {@linkcode Model.dispose} has run. */
  get isDisposed(): boolean {
    return [...this.variables.values()].some((v) => v.isDisposed);
  }

  /** Frees every variable. */
  dispose(): void {
    tf.dispose([...this.variables.values()]);
  }

  #checkAlive(): void {
    if (this.isDisposed) {
      throw new TypeError(
        `the model "${this.definition.name}" was disposed; create a new one`,
      );
    }
  }
}

/**
 * Checks what a forward, a loss or a trainer is given at the top level:
 * present, and no disposed tensor (tfjs would answer with its internals).
 *
 * @param value The input, or a record of inputs.
 * @param name Its name in messages.
 * @throws {TypeError} For null, undefined or a disposed tensor.
 */
export function checkInput(value: unknown, name: string): void {
  if (value === null || value === undefined || typeof value === "symbol") {
    throw new TypeError(`${name} must be given, got ${describe(value)}`);
  }
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) {
      throw new TypeError(`${name} is (or holds) a disposed tensor`);
    }
    return;
  }
  if (typeof value !== "object" || Array.isArray(value)) return;
  for (const [key, item] of Object.entries(value as object)) {
    if (item instanceof tf.Tensor && item.isDisposed) {
      throw new TypeError(`${name}.${key} is a disposed tensor`);
    }
  }
}

function checkSeed(seed: unknown): void {
  if (
    typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 ||
    seed > MAX_SEED
  ) {
    throw new RangeError(
      `seed must be a whole number from 0 to ${MAX_SEED}, got ${
        describe(seed)
      }`,
    );
  }
}

/**
 * Checks that a model is a {@linkcode Model} built from a schema: the same
 * parameter names and shapes (so a config passed beside a model fits it).
 *
 * @param model The argument.
 * @param schema The schema the config describes.
 * @param what The config, for the message, e.g. `"config (dModel 8, …)"`.
 * @throws {TypeError} When `model` is not a model.
 * @throws {RangeError} When the schema does not fit the model.
 */
export function checkModelFits(
  model: unknown,
  schema: readonly ParameterSpec[],
  what: string,
): void {
  if (!(model instanceof Model)) {
    throw new TypeError(`model must be a Model, got ${describe(model)}`);
  }
  const variables = (model as Model<unknown, unknown>).variables;
  const misfit = schema.find((s) =>
    variables.get(s.name)?.shape.join() !== s.shape.join()
  );
  if (misfit !== undefined || schema.length !== variables.size) {
    throw new RangeError(
      `${what} does not fit the model${
        misfit ? ` (${misfit.name} would be [${misfit.shape}])` : ""
      }; give the config it was built with`,
    );
  }
}

/**
 * Checks parameter values against a schema: every name, no other, each
 * with exactly its size in finite float32 numbers.
 *
 * @param schema The schema.
 * @param values The values by name.
 * @returns The values as float32 arrays.
 * @throws {TypeError} When `values` is not an object.
 * @throws {RangeError} Naming the first parameter missing, unknown or wrong.
 */
export function checkValues(
  schema: readonly ParameterSpec[],
  values: Readonly<Record<string, ArrayLike<number>>>,
): ParameterValues {
  checkObject(values, "values", "an object of arrays by parameter name");
  const names = new Set(schema.map((s) => s.name));
  for (const name of Object.keys(values)) {
    if (!names.has(name)) {
      throw new RangeError(
        `values has an unknown parameter ${describe(name)}; known: ${
          listSome([...names], 3)
        }`,
      );
    }
  }
  const out: ParameterValues = {};
  for (const spec of schema) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const given = values[spec.name];
    if (
      given === undefined || given === null ||
      typeof (given as ArrayLike<number>).length !== "number"
    ) {
      throw new RangeError(`values is missing parameter ${spec.name}`);
    }
    if (given.length !== size) {
      throw new RangeError(
        `parameter ${spec.name} must have ${size} numbers ([${spec.shape}]), got ${given.length}`,
      );
    }
    const array = Float32Array.from(given);
    if (!array.every(Number.isFinite)) {
      throw new RangeError(
        `parameter ${spec.name} holds a number that is not finite in float32`,
      );
    }
    out[spec.name] = array;
  }
  return out;
}
