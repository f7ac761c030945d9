/**
 * The model's learnable numbers as plain arrays, and their seeded
 * initialisation. Both the tfjs model and the fast trainer start from these,
 * so every path begins from bit-identical values.
 * @module
 */

import { checkOptions, describe } from "../core/_describe.ts";
import { MAX_SEED } from "../core/limits.ts";
import { normalDraw, seedStream } from "../core/random.ts";

/** A dimension of a parameter's shape, named as everywhere in the tutorial. */
export type Dimension = "vocabSize" | "dModel";

/** One row of {@linkcode PARAMETER_SCHEMA}: everything there is to know about one parameter. */
export interface ParameterSpec {
  /** The field name in {@linkcode Parameters}. */
  readonly name: string;
  /** The shape, `[rows, cols]` for a matrix or `[length]` for a vector. */
  readonly shape: readonly Dimension[];
  /** PyTorch's initialiser: `normal` N(0, 1) for `nn.Embedding`; `uniform` U(−1/√dModel, 1/√dModel) for `nn.Linear`. */
  readonly init: "normal" | "uniform";
  /** What it is, in a few words (shown in docs and error messages). */
  readonly what: string;
}

/**
 * The one table of the model's parameters, in a fixed order: row `k` draws
 * its initial values from seed stream `k`. The {@linkcode Parameters} type,
 * {@linkcode initParameters}, {@linkcode checkParameters}, the tfjs model's
 * variables and the hand-written engine's buffers are all derived from it.
 */
export const PARAMETER_SCHEMA = [
  {
    name: "embedding",
    shape: ["vocabSize", "dModel"],
    init: "normal",
    what: "one row per vocabulary entry",
  },
  {
    name: "queryWeight",
    shape: ["dModel", "dModel"],
    init: "uniform",
    what: "query projection, q = x · W + b",
  },
  {
    name: "queryBias",
    shape: ["dModel"],
    init: "uniform",
    what: "query bias",
  },
  {
    name: "keyWeight",
    shape: ["dModel", "dModel"],
    init: "uniform",
    what: "key projection, k = x · W + b",
  },
  { name: "keyBias", shape: ["dModel"], init: "uniform", what: "key bias" },
  {
    name: "valueWeight",
    shape: ["dModel", "dModel"],
    init: "uniform",
    what: "value projection, v = x · W + b",
  },
  {
    name: "valueBias",
    shape: ["dModel"],
    init: "uniform",
    what: "value bias",
  },
] as const satisfies readonly ParameterSpec[];

/** A parameter's name: `"embedding"`, `"queryWeight"`, … */
export type ParameterName = (typeof PARAMETER_SCHEMA)[number]["name"];

/**
 * Every learnable parameter, as nested number arrays (float32 values):
 * a matrix (`[vocabSize, dModel]` or `[dModel, dModel]`) or a vector
 * (`[dModel]`) per row of {@linkcode PARAMETER_SCHEMA}.
 */
export type Parameters = {
  -readonly [S in (typeof PARAMETER_SCHEMA)[number] as S["name"]]:
    S["shape"]["length"] extends 2 ? number[][] : number[];
};

/** The parameter names in schema order (also the order of their seeds). */
export const PARAMETER_NAMES: readonly ParameterName[] = PARAMETER_SCHEMA.map(
  (spec) => spec.name,
);

/**
 * The concrete shape of one parameter.
 *
 * @param spec A row of {@linkcode PARAMETER_SCHEMA}.
 * @param sizes The vocabulary size and the width.
 * @returns For example `[12, 4]` for the embedding of the demo.
 *
 * @example
 * ```ts
 * import { PARAMETER_SCHEMA, parameterShape } from "./parameters.ts";
 * const shape = parameterShape(PARAMETER_SCHEMA[0], { vocabSize: 12, dModel: 4 });
 * if (shape.join() !== "12,4") throw new Error();
 * ```
 */
export function parameterShape(
  spec: ParameterSpec,
  sizes: ParameterShape,
): number[] {
  return spec.shape.map((dimension) => sizes[dimension]);
}

/** Options for {@linkcode initParameters}. */
export interface InitOptions {
  /** Base seed, a whole number from 0 to 2³² − 1; parameter `k` of {@linkcode PARAMETER_NAMES} uses its own stream. Default 0, as `DEFAULT_CONFIG`. */
  seed?: number;
}

/**
 * Creates the initial parameters the way PyTorch does for `nn.Embedding` and
 * `nn.Linear`: embeddings ~ N(0, 1); projection weights and biases ~
 * U(−1/√dModel, 1/√dModel). Each parameter draws from its own seeded stream,
 * so Q, K and V never start equal. Values are rounded to float32.
 *
 * @param vocabSize Number of distinct tokens.
 * @param dModel Embedding width.
 * @param options The seed.
 * @returns Fresh parameters; the same arguments always give the same numbers.
 * @throws {TypeError} When `vocabSize` or `dModel` is not a number.
 * @throws {RangeError} When `vocabSize`, `dModel` (at most
 *   {@linkcode MAX_D_MODEL}) or the seed is out of range, or the embedding
 *   table exceeds {@linkcode MAX_EMBEDDING_SIZE}.
 *
 * @example
 * ```ts
 * import { initParameters } from "./parameters.ts";
 * const p = initParameters(12, 4, { seed: 42 });
 * if (p.embedding.length !== 12 || p.queryWeight[0].length !== 4) throw new Error();
 * ```
 */
export function initParameters(
  vocabSize: number,
  dModel: number,
  options: InitOptions = {},
): Parameters {
  const seed = checkOptions(options).seed ?? 0;
  for (
    const [name, value] of [["vocabSize", vocabSize], [
      "dModel",
      dModel,
    ]] as const
  ) {
    if (typeof value !== "number") {
      throw new TypeError(
        `${name} must be a number (a positive whole number), got ${
          describe(value)
        }`,
      );
    }
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `${name} must be a positive whole number, got ${value}`,
      );
    }
  }
  if (dModel > MAX_D_MODEL) {
    throw new RangeError(
      `dModel must be at most ${MAX_D_MODEL}, got ${dModel}`,
    );
  }
  checkEmbeddingSize(vocabSize, dModel);
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(
      `seed must be a whole number from 0 to ${MAX_SEED}, got ${
        describe(seed)
      }`,
    );
  }
  const bound = 1 / Math.sqrt(dModel);
  const parameters = {} as Record<ParameterName, number[][] | number[]>;
  PARAMETER_SCHEMA.forEach((spec, k) => {
    const next = seedStream(seed, k);
    const draw = spec.init === "normal"
      ? () => normalDraw(next)
      : () => (2 * next() - 1) * bound;
    const [rows, cols] = parameterShape(spec, { vocabSize, dModel });
    parameters[spec.name] = cols === undefined
      ? matrix(1, rows, draw)[0]
      : matrix(rows, cols, draw);
  });
  return parameters as Parameters;
}

/**
 * The widest model: each projection holds `dModel × dModel` numbers, a
 * million at this bound, and every score stays finite (see `resolveConfig`).
 */
export const MAX_D_MODEL = 1024;

/**
 * The most numbers the embedding table may hold (`vocabSize × dModel`),
 * checked before anything is allocated. Training keeps about ten copies of
 * the table (values, gradients, Adam's moments, the parameters before and
 * after); at this bound, with dModel 1024, the CLI peaked at 0.6 GB, and at
 * 1.2 GB with `--json`, which prints 220 MB. For example 2048 distinct words
 * at dModel 1024, or 32768 at dModel 64.
 */
export const MAX_EMBEDDING_SIZE = 2 ** 21;

/**
 * Checks that a `[vocabSize, dModel]` embedding table is within
 * {@linkcode MAX_EMBEDDING_SIZE}.
 *
 * @param vocabSize Number of distinct tokens.
 * @param dModel Embedding width.
 * @throws {RangeError} Naming both numbers and the limit when the table is too large.
 *
 * @example
 * ```ts
 * import { checkEmbeddingSize } from "./parameters.ts";
 * checkEmbeddingSize(12, 4); // fine
 * ```
 */
export function checkEmbeddingSize(vocabSize: number, dModel: number): void {
  if (vocabSize * dModel > MAX_EMBEDDING_SIZE) {
    throw new RangeError(
      `${vocabSize} distinct words × dModel ${dModel} = ${
        vocabSize * dModel
      } embedding numbers, more than the limit of ${MAX_EMBEDDING_SIZE} (vocabSize × dModel); use a smaller dModel or fewer distinct words`,
    );
  }
}

export { MAX_SEED } from "../core/limits.ts";

/** The sizes every parameter shape is made of. */
export interface ParameterShape {
  /** Rows of the embedding table. */
  vocabSize: number;
  /** Width of embeddings and projections. */
  dModel: number;
}

/**
 * Checks that parameters have every field, the shapes `[vocabSize, dModel]`,
 * `[dModel, dModel]` and `[dModel]`, and only finite numbers.
 *
 * @param parameters The parameters to check.
 * @param shape The expected vocabulary size and width.
 * @param name Their name in messages; default `"parameters"`.
 * @throws {RangeError} Naming the first field that is missing or wrong.
 * @throws {TypeError} When `parameters` is not an object.
 *
 * @example
 * ```ts
 * import { checkParameters, initParameters } from "./parameters.ts";
 * checkParameters(initParameters(12, 4), { vocabSize: 12, dModel: 4 }); // fine
 * ```
 */
export function checkParameters(
  parameters: Parameters,
  shape: ParameterShape,
  name = "parameters",
): void {
  if (
    typeof parameters !== "object" || parameters === null ||
    Array.isArray(parameters)
  ) {
    throw new TypeError(
      `${name} must be an object with ${
        PARAMETER_NAMES.join(", ")
      } (see initParameters), got ${describe(parameters)}`,
    );
  }
  for (const spec of PARAMETER_SCHEMA) {
    const value: unknown = parameters?.[spec.name];
    const [rows, cols] = parameterShape(spec, shape);
    const fits = cols === undefined
      ? isVector(value, rows)
      : Array.isArray(value) && value.length === rows &&
        value.every((row) => isVector(row, cols));
    if (!fits) {
      throw new RangeError(
        `${name}.${spec.name} must be a [${
          parameterShape(spec, shape).join(", ")
        }] array of finite numbers (vocabSize ${shape.vocabSize}, dModel ${shape.dModel})`,
      );
    }
  }
}

function isVector(value: unknown, length: number): boolean {
  return Array.isArray(value) && value.length === length &&
    value.every((x) => typeof x === "number" && Number.isFinite(x));
}

/**
 * A deep copy of some parameters.
 *
 * @param parameters The parameters to copy.
 * @returns An independent copy.
 */
export function cloneParameters(parameters: Parameters): Parameters {
  return structuredClone(parameters);
}

function matrix(rows: number, cols: number, draw: () => number): number[][] {
  return Array.from(
    { length: rows },
    () => Array.from({ length: cols }, () => Math.fround(draw())),
  );
}
