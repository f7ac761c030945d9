/**
 * From attention to a Transformer block: positional encodings (sinusoidal and
 * learned), LayerNorm, the position-wise feed-forward layer, and the block
 * that joins them to {@linkcode multiHeadAttention} with residual connections,
 * pre-LN (GPT-2) or post-LN (the 2017 paper), in PyTorch's
 * `nn.TransformerEncoderLayer` layout.
 *
 * Shape names as in attention.ts: `B` batch size, `T` sequence length
 * (`seqLen`), `dModel` model width, `h` heads; `dFF` the feed-forward width.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { checkObject, checkOptions, describe } from "./_describe.ts";
import { floatTensor } from "./_tensors.ts";
import { checkTensorSize } from "./limits.ts";
import type { ModelDefinition, ParameterSpec } from "./model.ts";
import {
  type AttentionResult,
  multiHeadAttention,
  type MultiHeadWeights,
  type TensorOrArray,
} from "./attention.ts";

// tfjs prints a "use the Node.js backend" banner on first use unless
// production mode is on; readers should never see it.
tf.enableProdMode();

/** Options for {@linkcode sinusoidalPositions}. */
export interface SinusoidalPositionsOptions {
  /** The base of the wavelengths, `10000` as in "Attention Is All You Need". */
  base?: number;
}

/**
 * The sinusoidal positional encodings of "Attention Is All You Need":
 * `PE[pos][2i] = sin(pos / base^(2i/dModel))` and
 * `PE[pos][2i+1] = cos(pos / base^(2i/dModel))`. Each pair of columns is a
 * clock turning at its own speed; added to the embeddings, they make the same
 * word at two positions two different vectors. Nothing is learned.
 *
 * @param seqLen Number of positions `T`, a whole number ≥ 1.
 * @param dModel Width `dModel`, a whole number ≥ 1.
 * @param options The base of the wavelengths.
 * @returns The encodings, `[T, dModel]` float32; the caller disposes it.
 * @throws {RangeError} When `seqLen`, `dModel` or `base` is out of range.
 *
 * @example
 * ```ts
 * import { sinusoidalPositions } from "./block.ts";
 * const pe = sinusoidalPositions(3, 4);
 * const rows = pe.arraySync();
 * if (rows[0].join() !== "0,1,0,1") throw new Error(rows[0].join());
 * pe.dispose();
 * ```
 */
export function sinusoidalPositions(
  seqLen: number,
  dModel: number,
  options: SinusoidalPositionsOptions = {},
): tf.Tensor2D {
  wholeNumber(seqLen, "seqLen");
  wholeNumber(dModel, "dModel");
  checkTensorSize({ seqLen, dModel });
  checkOptions(options);
  const base = options.base ?? 10000;
  if (!Number.isFinite(base) || base <= 1) {
    throw new RangeError(`base must be a number > 1, got ${describe(base)}`);
  }
  const values = new Float32Array(seqLen * dModel);
  for (let pos = 0; pos < seqLen; pos++) {
    for (let j = 0; j < dModel; j++) {
      const pair = j - (j % 2); // 2i: both columns of a pair share a frequency
      const angle = pos / Math.pow(base, pair / dModel);
      values[pos * dModel + j] = j % 2 === 0
        ? Math.sin(angle)
        : Math.cos(angle);
    }
  }
  return tf.tensor2d(values, [seqLen, dModel]); // [T, dModel]
}

/** Options for {@linkcode learnedPositionTable}. */
export interface LearnedPositionTableOptions {
  /** Seed of the random start, ≥ 1 (tfjs treats 0 as "no seed"). Default 1. */
  seed?: number;
  /** Standard deviation of the start, 0.02 as Hugging Face's GPT-2 (`initializer_range`; OpenAI's own code drew `wpe` with 0.01). */
  std?: number;
}

/**
 * The starting values of a learned position table (GPT-2's `wpe`, BERT's
 * position embeddings): one trainable row per position, exactly like a word
 * embedding table but indexed by position instead of by token id. Look rows
 * up with `embeddingLookup(table, [0, 1, …, T − 1])`. Unlike
 * {@linkcode sinusoidalPositions} it knows no position beyond `maxLen`.
 *
 * @param maxLen Number of positions the table covers, a whole number ≥ 1.
 * @param dModel Width `dModel`, a whole number ≥ 1.
 * @param options Seed and spread of the random start.
 * @returns The table, `[maxLen, dModel]` float32 ~ N(0, std²); the caller
 *   owns it (wrap it in `tf.variable` to train it).
 * @throws {RangeError} When a size, the seed or `std` is out of range.
 *
 * @example
 * ```ts
 * import { learnedPositionTable } from "./block.ts";
 * const table = learnedPositionTable(16, 4, { seed: 7 });
 * if (table.shape.join() !== "16,4") throw new Error();
 * table.dispose();
 * ```
 */
export function learnedPositionTable(
  maxLen: number,
  dModel: number,
  options: LearnedPositionTableOptions = {},
): tf.Tensor2D {
  wholeNumber(maxLen, "maxLen");
  wholeNumber(dModel, "dModel");
  checkTensorSize({ maxLen, dModel });
  checkOptions(options);
  const seed = options.seed ?? 1;
  const std = options.std ?? 0.02;
  if (!Number.isInteger(seed) || seed < 1 || seed > 2 ** 32 - 1) {
    throw new RangeError(
      `seed must be a whole number from 1 to 2³² − 1, got ${describe(seed)}`,
    );
  }
  if (!Number.isFinite(std) || std <= 0) {
    throw new RangeError(`std must be a number > 0, got ${describe(std)}`);
  }
  return tf.randomNormal([maxLen, dModel], 0, std, "float32", seed); // [maxLen, dModel]
}

/** Options for {@linkcode layerNorm}. */
export interface LayerNormOptions {
  /** The gain `γ`, `[dModel]` (`norm.weight`). Default all ones. */
  weight?: TensorOrArray;
  /** The shift `β`, `[dModel]` (`norm.bias`). Default all zeros. */
  bias?: TensorOrArray;
  /** Added to the variance before the square root, 1e-5 as PyTorch's `nn.LayerNorm`. */
  epsilon?: number;
}

/**
 * Layer normalisation over the last axis, as PyTorch's `nn.LayerNorm(dModel)`:
 * each row (one token's vector) gets mean 0 and variance 1, then
 * `y = γ · (x − mean) / √(var + ε) + β`. The variance is the population one
 * (divided by `dModel`, not `dModel − 1`).
 *
 * @param x Rows to normalise, `[..., dModel]`.
 * @param options Gain, shift and ε.
 * @returns The normalised rows, `[..., dModel]`; the caller owns it.
 * @throws {RangeError} For shapes that do not fit or non-finite numbers.
 *
 * @example
 * ```ts
 * import { layerNorm } from "./block.ts";
 * const y = layerNorm([[1, 2, 3]]);
 * const [a, b, c] = (y.arraySync() as number[][])[0];
 * if (Math.abs(a + c) > 1e-6 || Math.abs(b) > 1e-6) throw new Error();
 * y.dispose();
 * ```
 */
export function layerNorm(
  x: TensorOrArray,
  options: LayerNormOptions = {},
): tf.Tensor {
  checkOptions(options);
  const epsilon = options.epsilon ?? 1e-5;
  if (!Number.isFinite(epsilon) || epsilon <= 0) {
    throw new RangeError(`epsilon must be a number > 0, got ${epsilon}`);
  }
  return tf.tidy(() => {
    const input = floatTensor(x, "x");
    if (input.rank < 1 || input.shape[input.rank - 1] === 0) {
      throw new RangeError(`x must be [..., dModel], got [${input.shape}]`);
    }
    const dModel = input.shape[input.rank - 1];
    const gain = options.weight === undefined
      ? tf.ones([dModel])
      : floatTensor(options.weight, "weight", { shape: [dModel] });
    const shift = options.bias === undefined
      ? tf.zeros([dModel])
      : floatTensor(options.bias, "bias", { shape: [dModel] });
    const { mean, variance } = tf.moments(input, -1, true); // [..., 1] each
    const normalised = tf.div(
      tf.sub(input, mean),
      tf.sqrt(tf.add(variance, epsilon)),
    ); // [..., dModel], each row mean 0, variance 1
    return tf.add(tf.mul(normalised, gain), shift); // [..., dModel]
  });
}

/**
 * The feed-forward layer's weights, named as in `nn.TransformerEncoderLayer`
 * (`linear1`, `linear2`), applied as `x · Wᵀ + b`.
 */
export interface FeedForwardWeights {
  /** `[dFF, dModel]` (`linear1.weight`): widens each token's vector. */
  linear1Weight: TensorOrArray;
  /** `[dFF]` (`linear1.bias`). */
  linear1Bias: TensorOrArray;
  /** `[dModel, dFF]` (`linear2.weight`): back to `dModel`. */
  linear2Weight: TensorOrArray;
  /** `[dModel]` (`linear2.bias`). */
  linear2Bias: TensorOrArray;
}

/**
 * The position-wise feed-forward layer: `relu(x · W1ᵀ + b1) · W2ᵀ + b2`,
 * applied to every token's vector on its own (no token sees another here;
 * that is attention's job).
 *
 * @param x Token vectors, `[..., dModel]`.
 * @param weights `linear1` and `linear2` (tensors or nested arrays); not disposed.
 * @returns `[..., dModel]`; the caller owns it.
 * @throws {RangeError} For shapes that do not fit or non-finite numbers.
 *
 * @example
 * ```ts
 * import { feedForward } from "./block.ts";
 * const y = feedForward([[1, -1]], {
 *   linear1Weight: [[1, 0], [0, 1], [1, 1]], linear1Bias: [0, 0, 0],
 *   linear2Weight: [[1, 1, 1], [0, 0, 0]], linear2Bias: [0, 5],
 * });
 * if ((y.arraySync() as number[][])[0].join() !== "1,5") throw new Error(); // relu([1, -1, 0]) = [1, 0, 0]
 * y.dispose();
 * ```
 */
export function feedForward(
  x: TensorOrArray,
  weights: FeedForwardWeights,
): tf.Tensor {
  checkObject(
    weights,
    "weights",
    "{linear1Weight, linear1Bias, linear2Weight, linear2Bias}",
  );
  return tf.tidy(() => {
    const input = floatTensor(x, "x");
    const dModel = input.shape[input.rank - 1];
    if (input.rank < 1 || !dModel) {
      throw new RangeError(`x must be [..., dModel], got [${input.shape}]`);
    }
    const w1 = floatTensor(weights.linear1Weight, "weights.linear1Weight");
    if (w1.rank !== 2 || w1.shape[1] !== dModel || w1.shape[0] < 1) {
      throw new RangeError(
        `weights.linear1Weight must have shape [dFF, ${dModel}] to fit x's dModel ${dModel}, got [${w1.shape}]`,
      );
    }
    const dFF = w1.shape[0];
    const b1 = floatTensor(weights.linear1Bias, "weights.linear1Bias", {
      shape: [dFF],
    });
    const w2 = floatTensor(weights.linear2Weight, "weights.linear2Weight", {
      shape: [
        dModel,
        dFF,
      ],
    });
    const b2 = floatTensor(weights.linear2Bias, "weights.linear2Bias", {
      shape: [dModel],
    });
    const rows = input.reshape([-1, dModel]); // [..., dModel] → [N, dModel]
    const hidden = tf.relu(tf.add(tf.matMul(rows, w1, false, true), b1)); // [N, dModel] · [dModel, dFF] → [N, dFF]
    const out = tf.add(tf.matMul(hidden, w2, false, true), b2); // [N, dFF] · [dFF, dModel] → [N, dModel]
    return out.reshape(input.shape); // → [..., dModel]
  });
}

/**
 * One Transformer block's weights, named as PyTorch's
 * `nn.TransformerEncoderLayer` state dict (camelCase): the attention
 * (`self_attn.in_proj_weight`, …), the feed-forward layer (`linear1`,
 * `linear2`) and two LayerNorms (`norm1` before or after attention, `norm2`
 * before or after the feed-forward layer).
 */
export interface BlockWeights extends MultiHeadWeights, FeedForwardWeights {
  /** `[dModel]` (`norm1.weight`). */
  norm1Weight: TensorOrArray;
  /** `[dModel]` (`norm1.bias`). */
  norm1Bias: TensorOrArray;
  /** `[dModel]` (`norm2.weight`). */
  norm2Weight: TensorOrArray;
  /** `[dModel]` (`norm2.bias`). */
  norm2Bias: TensorOrArray;
}

/** How one block weight starts: `linear` U(−1/√fanIn, 1/√fanIn) as `nn.Linear`, or a LayerNorm's ones and zeros. */
type BlockInit = "linear" | "ones" | "zeros";

/** One row of {@linkcode BLOCK_SCHEMA}. */
export interface BlockWeightSpec {
  /** The field of {@linkcode BlockWeights}. */
  readonly name: keyof BlockWeights;
  /** Its shape, from the widths. */
  readonly shape: (dModel: number, dFF: number) => number[];
  /** How it starts. */
  readonly init: BlockInit;
  /** The fan-in of its layer (for `linear`), from the widths. */
  readonly fanIn?: (dModel: number, dFF: number) => number;
}

const byModel = (d: number) => d;
const byFF = (_: number, f: number) => f;

/**
 * The one table of a block's weights, in PyTorch's state-dict order: name,
 * shape and initialiser. {@linkcode BLOCK_WEIGHT_NAMES},
 * {@linkcode blockWeightShapes}, {@linkcode initBlockWeights},
 * {@linkcode blockSchema} and the checks of {@linkcode transformerBlock}
 * all derive from it.
 */
export const BLOCK_SCHEMA: readonly BlockWeightSpec[] = Object.freeze([
  {
    name: "inProjWeight",
    shape: (d) => [3 * d, d],
    init: "linear",
    fanIn: byModel,
  },
  { name: "inProjBias", shape: (d) => [3 * d], init: "linear", fanIn: byModel },
  {
    name: "outProjWeight",
    shape: (d) => [d, d],
    init: "linear",
    fanIn: byModel,
  },
  { name: "outProjBias", shape: (d) => [d], init: "linear", fanIn: byModel },
  {
    name: "linear1Weight",
    shape: (d, f) => [f, d],
    init: "linear",
    fanIn: byModel,
  },
  { name: "linear1Bias", shape: (_, f) => [f], init: "linear", fanIn: byModel },
  {
    name: "linear2Weight",
    shape: (d, f) => [d, f],
    init: "linear",
    fanIn: byFF,
  },
  { name: "linear2Bias", shape: (d) => [d], init: "linear", fanIn: byFF },
  { name: "norm1Weight", shape: (d) => [d], init: "ones" },
  { name: "norm1Bias", shape: (d) => [d], init: "zeros" },
  { name: "norm2Weight", shape: (d) => [d], init: "ones" },
  { name: "norm2Bias", shape: (d) => [d], init: "zeros" },
] as BlockWeightSpec[]);

/** The names of {@linkcode BlockWeights}, in PyTorch's state-dict order. */
export const BLOCK_WEIGHT_NAMES: readonly (keyof BlockWeights)[] = BLOCK_SCHEMA
  .map((spec) => spec.name);

/**
 * The shape of every weight of a block, from {@linkcode BLOCK_SCHEMA}.
 *
 * @param dModel Model width.
 * @param dFF Feed-forward width (4·dModel in the paper and GPT-2).
 * @returns One shape per weight name.
 * @throws {RangeError} When a width is not a whole number ≥ 1.
 *
 * @example
 * ```ts
 * import { blockWeightShapes } from "./block.ts";
 * const shapes = Object.values(blockWeightShapes(4, 16));
 * const count = shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
 * if (count !== 244) throw new Error(String(count));
 * ```
 */
export function blockWeightShapes(
  dModel: number,
  dFF: number,
): Record<keyof BlockWeights, number[]> {
  wholeNumber(dModel, "dModel");
  wholeNumber(dFF, "dFF");
  // The largest weights are [dFF, dModel].
  checkTensorSize({ dModel, dFF });
  return Object.fromEntries(
    BLOCK_SCHEMA.map((spec) => [spec.name, spec.shape(dModel, dFF)]),
  ) as Record<keyof BlockWeights, number[]>;
}

/** Options for {@linkcode initBlockWeights}. */
export interface InitBlockWeightsOptions {
  /** Seed, ≥ 1 (tfjs treats 0 as "no seed"); weight `k` uses `seed + k`. Default 1. */
  seed?: number;
}

/**
 * Starting weights for a block, as plain nested arrays: every matrix and
 * bias ~ U(−1/√fanIn, 1/√fanIn) (as PyTorch's `nn.Linear`), LayerNorm gains
 * 1 and shifts 0 (as `nn.LayerNorm`), drawn with tfjs's seeded generator
 * (chapter 8's numbers). A block on the model contract
 * ({@linkcode blockDefinition}) draws its own through `Model`.
 *
 * @param dModel Model width.
 * @param dFF Feed-forward width.
 * @param options The seed.
 * @returns Fresh weights; the same arguments always give the same numbers.
 * @throws {RangeError} When a width or the seed is out of range.
 *
 * @example
 * ```ts
 * import { initBlockWeights } from "./block.ts";
 * const w = initBlockWeights(4, 16, { seed: 3 });
 * if ((w.linear1Weight as number[][]).length !== 16) throw new Error();
 * ```
 */
export function initBlockWeights(
  dModel: number,
  dFF: number,
  options: InitBlockWeightsOptions = {},
): BlockWeights {
  const shapes = blockWeightShapes(dModel, dFF);
  checkOptions(options);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 1 || seed > 2 ** 32 - 1 - 12) {
    throw new RangeError(
      `seed must be a whole number from 1 to 2³² − 13, got ${describe(seed)}`,
    );
  }
  const weights = {} as Record<keyof BlockWeights, number[] | number[][]>;
  BLOCK_SCHEMA.forEach((spec, k) => {
    const shape = shapes[spec.name];
    weights[spec.name] = tf.tidy(() => {
      if (spec.init !== "linear") {
        return tf.fill(shape, spec.init === "ones" ? 1 : 0).arraySync() as
          | number[]
          | number[][];
      }
      const bound = 1 / Math.sqrt(spec.fanIn!(dModel, dFF));
      return tf.randomUniform(shape, -bound, bound, "float32", seed + k)
        .arraySync() as number[] | number[][];
    });
  });
  return weights;
}

/**
 * A block's (or a stack's) parameter schema for the model contract, from
 * {@linkcode BLOCK_SCHEMA}: layer `i`'s weights are named
 * `layers.i.NAME`, as `nn.TransformerEncoder` names its layers.
 *
 * @param dModel Model width.
 * @param dFF Feed-forward width.
 * @param layers How many blocks. Default 1.
 * @returns The schema rows, layer by layer.
 * @throws {RangeError} When a width or `layers` is not a whole number ≥ 1.
 */
export function blockSchema(
  dModel: number,
  dFF: number,
  layers = 1,
): ParameterSpec[] {
  wholeNumber(dModel, "dModel");
  wholeNumber(dFF, "dFF");
  wholeNumber(layers, "layers");
  return Array.from(
    { length: layers },
    (_, i) =>
      BLOCK_SCHEMA.map((spec): ParameterSpec => ({
        name: `layers.${i}.${spec.name}`,
        shape: spec.shape(dModel, dFF),
        init: spec.init === "linear"
          ? { kind: "uniform", bound: 1 / Math.sqrt(spec.fanIn!(dModel, dFF)) }
          : { kind: spec.init },
      })),
  ).flat();
}

/** Options for {@linkcode blockDefinition}. */
export interface BlockDefinitionOptions extends TransformerBlockOptions {
  /** Model width. */
  dModel: number;
  /** Feed-forward width. Default 4·dModel, as the paper and GPT-2. */
  dFF?: number;
  /** How many blocks, one after the other. Default 1. */
  layers?: number;
}

/**
 * A block, or a stack of blocks, on the model contract: the schema of
 * {@linkcode blockSchema} and a forward from `[B, T, dModel]` through each
 * {@linkcode transformerBlock}, returning the last block's output and every
 * block's attention `[B, h, T, T]`.
 *
 * @param options Widths, layers, heads, causal mask, pre-LN or post-LN.
 * @returns The definition; `new Model(definition, { seed })` makes it concrete.
 * @throws {RangeError} For a bad width, layer count or `numHeads`.
 *
 * @example
 * ```ts
 * import { Model } from "./model.ts";
 * import { blockDefinition } from "./block.ts";
 * const model = new Model(blockDefinition({ dModel: 4, numHeads: 2, layers: 2 }), { seed: 1 });
 * const { output, attention } = model.forward([[[1, 0, 0, 0], [0, 1, 0, 0]]]);
 * if (output.shape.join() !== "1,2,4" || attention.length !== 2) throw new Error();
 * output.dispose();
 * attention.forEach((a) => a.dispose());
 * model.dispose();
 * ```
 */
export function blockDefinition(
  options: BlockDefinitionOptions,
): ModelDefinition<TensorOrArray> {
  checkObject(
    options,
    "options",
    "an object {dModel, numHeads?, dFF?, layers?, …}",
  );
  const { dModel, layers = 1, ...blockOptions } = options;
  const dFF = options?.dFF ?? 4 * dModel;
  const schema = blockSchema(dModel, dFF, layers);
  const numHeads = blockOptions.numHeads ?? 1;
  if (!Number.isInteger(numHeads) || numHeads < 1 || dModel % numHeads !== 0) {
    throw new RangeError(
      `numHeads must be a whole number ≥ 1 that divides dModel ${dModel}, got ${
        describe(numHeads)
      }`,
    );
  }
  return {
    name: layers === 1 ? "transformer block" : `${layers} transformer blocks`,
    schema,
    forward: (p, x) => {
      let h = floatTensor(x, "x"); // [B, T, dModel]
      const attention: tf.Tensor[] = [];
      for (let i = 0; i < layers; i++) {
        const weights = Object.fromEntries(
          BLOCK_WEIGHT_NAMES.map((name) => [name, p[`layers.${i}.${name}`]]),
        ) as unknown as BlockWeights;
        const result = transformerBlock(h, weights, blockOptions); // [B, T, dModel], [B, h, T, T]
        h = result.output;
        attention.push(result.weights);
      }
      return { output: h, attention };
    },
  };
}

/** Options for {@linkcode transformerBlock}. */
export interface TransformerBlockOptions {
  /** Number of heads `h`; must divide `dModel`. Default 1. */
  numHeads?: number;
  /** Hide later positions from earlier ones (a decoder block). Default false. */
  causal?: boolean;
  /**
   * `true`: pre-LN, as GPT-2 (`x + attention(norm1(x))`, then
   * `x + ff(norm2(x))`). `false`: post-LN, as the 2017 paper and PyTorch's
   * default (`norm1(x + attention(x))`, then `norm2(x + ff(x))`). Default false.
   */
  normFirst?: boolean;
  /** LayerNorm's ε. Default 1e-5, as PyTorch. */
  epsilon?: number;
}

/**
 * One Transformer block in inference mode (no dropout): multi-head
 * self-attention and the feed-forward layer, each wrapped in a residual
 * connection and a LayerNorm. Equal to PyTorch's
 * `nn.TransformerEncoderLayer(dModel, numHeads, dFF, dropout=0,
 * activation="relu", batch_first=True, norm_first)` from the same weights.
 *
 * @param x The input sequence, `[B, T, dModel]`.
 * @param weights The block's weights (tensors or nested arrays); not disposed.
 * @param options Heads, causal mask, pre-LN or post-LN, ε.
 * @returns `output` `[B, T, dModel]` and the attention `weights` `[B, h, T, T]`.
 * @throws {RangeError} For shapes that do not fit, a bad `numHeads` or
 *   non-finite numbers.
 *
 * @example
 * ```ts
 * import { initBlockWeights, transformerBlock } from "./block.ts";
 * const x = [[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]]]; // [B, T, dModel]
 * const { output, weights } = transformerBlock(x, initBlockWeights(4, 8), {
 *   numHeads: 2,
 *   normFirst: true,
 * });
 * if (output.shape.join() !== "1,3,4" || weights.shape.join() !== "1,2,3,3") throw new Error();
 * output.dispose();
 * weights.dispose();
 * ```
 */
export function transformerBlock(
  x: TensorOrArray,
  weights: BlockWeights,
  options: TransformerBlockOptions = {},
): AttentionResult {
  checkOptions(options);
  const attentionOptions = {
    numHeads: options.numHeads,
    causal: options.causal,
  };
  checkObject(weights, "weights", "a block's weights (see initBlockWeights)");
  for (const name of BLOCK_WEIGHT_NAMES) {
    if (weights[name] === undefined) {
      throw new TypeError(
        `weights.${name} is missing; a block needs ${
          BLOCK_WEIGHT_NAMES.join(", ")
        }`,
      );
    }
  }
  return tf.tidy(() => {
    const input = floatTensor(x, "x"); // [B, T, dModel]
    const dModel = [input.shape[input.rank - 1]];
    const norm = (t: tf.Tensor, which: 1 | 2) =>
      layerNorm(t, {
        weight: floatTensor(
          weights[`norm${which}Weight`],
          `weights.norm${which}Weight`,
          { shape: dModel },
        ),
        bias: floatTensor(
          weights[`norm${which}Bias`],
          `weights.norm${which}Bias`,
          { shape: dModel },
        ),
        epsilon: options.epsilon,
      }); // [B, T, dModel]
    if (options.normFirst) {
      const attention = multiHeadAttention(
        norm(input, 1),
        weights,
        attentionOptions,
      ); // [B, T, dModel], [B, h, T, T]
      const h = tf.add(input, attention.output); // residual: [B, T, dModel]
      const output = tf.add(h, feedForward(norm(h, 2), weights)); // [B, T, dModel]
      return { output, weights: attention.weights };
    }
    const attention = multiHeadAttention(input, weights, attentionOptions); // [B, T, dModel], [B, h, T, T]
    const h = norm(tf.add(input, attention.output), 1); // [B, T, dModel]
    const output = norm(tf.add(h, feedForward(h, weights)), 2); // [B, T, dModel]
    return { output, weights: attention.weights };
  });
}

function wholeNumber(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new (typeof value === "number" ? RangeError : TypeError)(
      `${name} must be a whole number ≥ 1, got ${describe(value)}`,
    );
  }
}
