/**
 * A small GPT on the model contract (model.ts), as nanoGPT's `model.py`:
 * token and position embeddings, pre-LN blocks of causal multi-head
 * self-attention and a GELU MLP, a final LayerNorm, and an output head tied
 * to the token embeddings. Parameter names and layouts are nanoGPT's
 * (`transformer.h.0.attn.c_attn.weight`, `[out, in]`), so its weights load
 * into nanoGPT's `GPT` and back.
 *
 * Each forward runs on one of two sets of ops: `"fast"` (fast_ops.ts: one
 * op with a hand-written gradient each) or `"plain"` (stock tfjs ops and
 * attention.ts/block.ts, differentiated by autodiff). Both give the same
 * numbers; a training step on the fast ones dispatches about half as many
 * kernels, none of them the ones wasm runs slowly.
 *
 * Shape names: `B` batch, `T` sequence length (≤ `blockSize`), `dModel`
 * width, `h` heads, `vocabSize` tokens; `N = B·T` rows.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { describe } from "./_describe.ts";
import {
  causalMask,
  embeddingLookup,
  scaledDotProductAttention,
} from "./attention.ts";
import { layerNorm } from "./block.ts";
import {
  causalSelfAttention,
  crossEntropy,
  fastLayerNorm,
  gelu,
  linear,
  plainGelu,
} from "./fast_ops.ts";
import type { ForwardResult, ModelDefinition, ParameterSpec } from "./model.ts";

tf.enableProdMode();

/** A GPT's sizes, as nanoGPT's `GPTConfig`. */
export interface GptConfig {
  /** Number of distinct tokens. Default 90 (a character vocabulary of English prose). */
  vocabSize: number;
  /** The longest context `T`: rows of the position table. Default 64, as nanoGPT's CPU config. */
  blockSize: number;
  /** Number of blocks. Default 4, as nanoGPT's CPU config. */
  numLayers: number;
  /** Heads per attention layer; must divide `dModel`. Default 4, as nanoGPT's CPU config. */
  numHeads: number;
  /** Width of every token's vector. Default 128, as nanoGPT's CPU config. */
  dModel: number;
}

/** nanoGPT's CPU configuration (`config/train_shakespeare_char.py` made small for a laptop). */
export const DEFAULT_GPT_CONFIG: Readonly<GptConfig> = Object.freeze({
  vocabSize: 90,
  blockSize: 64,
  numLayers: 4,
  numHeads: 4,
  dModel: 128,
});

/** Which ops a forward pass runs on: both give the same numbers. */
export type GptOps = "fast" | "plain";

/** Per-call options of the GPT's forward. */
export interface GptForwardOptions {
  /** `"fast"` (default): fast_ops.ts. `"plain"`: stock tfjs ops and autodiff. */
  ops?: GptOps;
}

/**
 * A batch of token ids, `[B, T]`: `B` sequences of the same length
 * `T ≤ blockSize`, each id a whole number in `0…vocabSize − 1`.
 */
export type TokenBatch = number[][];

/**
 * Checks a config and fills in the defaults.
 *
 * @param config Overrides of {@linkcode DEFAULT_GPT_CONFIG}.
 * @returns The full config.
 * @throws {RangeError} Naming the first bad size.
 */
export function resolveGptConfig(config: Partial<GptConfig> = {}): GptConfig {
  if (typeof config !== "object" || config === null) {
    throw new TypeError(`config must be an object, got ${describe(config)}`);
  }
  for (const key of Object.keys(config)) {
    if (!(key in DEFAULT_GPT_CONFIG)) {
      throw new RangeError(
        `unknown GPT setting ${describe(key)}; known: ${
          Object.keys(DEFAULT_GPT_CONFIG).join(", ")
        }`,
      );
    }
  }
  const c = { ...DEFAULT_GPT_CONFIG, ...config };
  for (const [name, value] of Object.entries(c)) {
    if (!Number.isInteger(value) || value < 1 || value > 65536) {
      throw new RangeError(
        `${name} must be a whole number from 1 to 65536, got ${
          describe(value)
        }`,
      );
    }
  }
  if (c.dModel % c.numHeads !== 0) {
    throw new RangeError(
      `numHeads ${c.numHeads} must divide dModel ${c.dModel}`,
    );
  }
  return c;
}

/**
 * The GPT's parameters, nanoGPT's names, layouts and initialisation:
 * N(0, 0.02²) for embeddings and matrices, N(0, (0.02/√(2·numLayers))²) for
 * the projections back into the residual stream (`c_proj`), zero biases,
 * LayerNorm gains 1. The output head is `transformer.wte.weight` itself
 * (nanoGPT ties `lm_head.weight` to it), so it has no row of its own.
 *
 * @param config The sizes (defaults filled in).
 * @returns The schema, embeddings first, then block by block, then `ln_f`.
 *
 * @example
 * ```ts
 * import { gptSchema } from "./gpt.ts";
 * const schema = gptSchema({ numLayers: 1, dModel: 8, numHeads: 2, vocabSize: 5, blockSize: 4 });
 * if (schema[4].name !== "transformer.h.0.attn.c_attn.weight") throw new Error(schema[4].name);
 * ```
 */
export function gptSchema(config: Partial<GptConfig> = {}): ParameterSpec[] {
  const { vocabSize, blockSize, numLayers, dModel } = resolveGptConfig(config);
  const normal = (std: number) => ({ kind: "normal", std }) as const;
  const zeros = { kind: "zeros" } as const;
  const ones = { kind: "ones" } as const;
  const residual = normal(0.02 / Math.sqrt(2 * numLayers));
  const schema: ParameterSpec[] = [
    {
      name: "transformer.wte.weight",
      shape: [vocabSize, dModel],
      init: normal(0.02),
    },
    {
      name: "transformer.wpe.weight",
      shape: [blockSize, dModel],
      init: normal(0.02),
    },
  ];
  for (let i = 0; i < numLayers; i++) {
    const h = `transformer.h.${i}`;
    schema.push(
      { name: `${h}.ln_1.weight`, shape: [dModel], init: ones },
      { name: `${h}.ln_1.bias`, shape: [dModel], init: zeros },
      {
        name: `${h}.attn.c_attn.weight`,
        shape: [3 * dModel, dModel],
        init: normal(0.02),
      },
      { name: `${h}.attn.c_attn.bias`, shape: [3 * dModel], init: zeros },
      {
        name: `${h}.attn.c_proj.weight`,
        shape: [dModel, dModel],
        init: residual,
      },
      { name: `${h}.attn.c_proj.bias`, shape: [dModel], init: zeros },
      { name: `${h}.ln_2.weight`, shape: [dModel], init: ones },
      { name: `${h}.ln_2.bias`, shape: [dModel], init: zeros },
      {
        name: `${h}.mlp.c_fc.weight`,
        shape: [4 * dModel, dModel],
        init: normal(0.02),
      },
      { name: `${h}.mlp.c_fc.bias`, shape: [4 * dModel], init: zeros },
      {
        name: `${h}.mlp.c_proj.weight`,
        shape: [dModel, 4 * dModel],
        init: residual,
      },
      { name: `${h}.mlp.c_proj.bias`, shape: [dModel], init: zeros },
    );
  }
  schema.push(
    { name: "transformer.ln_f.weight", shape: [dModel], init: ones },
    { name: "transformer.ln_f.bias", shape: [dModel], init: zeros },
  );
  return schema;
}

// The four ops a block is made of, in their fast and their plain form.
interface BlockOps {
  linear(x: tf.Tensor2D, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor2D;
  layerNorm(x: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor2D;
  gelu(x: tf.Tensor2D): tf.Tensor2D;
  attention(
    qkv: tf.Tensor2D,
    shape: { batch: number; seqLen: number; numHeads: number },
  ): { output: tf.Tensor2D; weights: tf.Tensor };
  crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar;
}

const FAST: BlockOps = {
  linear: (x, w, b) =>
    linear(x, w as tf.Tensor2D, b as tf.Tensor1D | undefined),
  layerNorm: (x, w, b) => fastLayerNorm(x, w as tf.Tensor1D, b as tf.Tensor1D),
  gelu,
  attention: causalSelfAttention,
  crossEntropy,
};

const PLAIN: BlockOps = {
  linear: (x, w, b) => {
    const y = tf.matMul(x, w, false, true); // [N, in] · [in, out] → [N, out]
    return (b ? tf.add(y, b) : y) as tf.Tensor2D;
  },
  layerNorm: (x, w, b) => layerNorm(x, { weight: w, bias: b }) as tf.Tensor2D,
  gelu: plainGelu,
  attention: (qkv, { batch, seqLen, numHeads }) => {
    const dModel = qkv.shape[1] / 3;
    const dK = dModel / numHeads;
    const [q, k, v] = tf.split(qkv, 3, 1).map((part) =>
      part.reshape([batch, seqLen, numHeads, dK]).transpose([0, 2, 1, 3])
    ); // [B, h, T, dK] each
    const heads = scaledDotProductAttention(q, k, v, {
      mask: causalMask(seqLen),
    }); // [B, h, T, dK], weights [B, h, T, T]
    const output = heads.output.transpose([0, 2, 1, 3]) // [B, T, h, dK]
      .reshape([batch * seqLen, dModel]) as tf.Tensor2D; // [N, dModel]
    return { output, weights: heads.weights };
  },
  crossEntropy: (logits, targets) =>
    tf.losses.softmaxCrossEntropy(
      tf.oneHot(targets, logits.shape[1]),
      logits,
    ) as tf.Scalar,
};

/** The ops of each {@linkcode GptOps} name. */
function opsNamed(name: GptOps | undefined): BlockOps {
  if (name === undefined || name === "fast") return FAST;
  if (name === "plain") return PLAIN;
  throw new RangeError(`ops must be "fast" or "plain", got ${describe(name)}`);
}

/**
 * A GPT as a model definition: give it to `new Model(…)` for variables.
 * The forward takes token ids `[B, T]` and returns the next-token logits
 * `[B, T, vocabSize]` and each layer's attention `[B, h, T, T]`.
 *
 * @param config The sizes; defaults {@linkcode DEFAULT_GPT_CONFIG}.
 * @returns The definition.
 * @throws {RangeError} For a bad config.
 *
 * @example
 * ```ts
 * import { Model } from "./model.ts";
 * import { gpt } from "./gpt.ts";
 * const model = new Model(gpt({ numLayers: 1, dModel: 8, numHeads: 2, vocabSize: 5, blockSize: 4 }));
 * const { output, attention } = model.forward([[1, 2, 3]]);
 * if (output.shape.join() !== "1,3,5" || attention[0].shape.join() !== "1,2,3,3") throw new Error();
 * output.dispose();
 * attention[0].dispose();
 * model.dispose();
 * ```
 */
export function gpt(
  config: Partial<GptConfig> = {},
): ModelDefinition<TokenBatch, GptForwardOptions> {
  const c = resolveGptConfig(config);
  return {
    name: "gpt",
    schema: gptSchema(c),
    forward: (p, ids, options) => gptForward(c, p, ids, opsNamed(options?.ops)),
  };
}

function gptForward(
  c: GptConfig,
  p: Readonly<Record<string, tf.Tensor>>,
  ids: TokenBatch,
  ops: BlockOps,
): ForwardResult {
  const [batch, seqLen] = checkTokens(ids, c);
  const { dModel, numHeads } = c;
  const shape = { batch, seqLen, numHeads };
  const tokens = embeddingLookup(
    p["transformer.wte.weight"] as tf.Tensor2D,
    ids.flat(),
  ); // [N, dModel]
  const positions = tf.slice(p["transformer.wpe.weight"], [0, 0], [
    seqLen,
    dModel,
  ]); // rows 0…T−1: [T, dModel]
  let x = tf.add(tokens.reshape([batch, seqLen, dModel]), positions)
    .reshape([batch * seqLen, dModel]) as tf.Tensor2D; // [N, dModel]
  const attention: tf.Tensor[] = [];
  for (let i = 0; i < c.numLayers; i++) {
    const w = (name: string) => p[`transformer.h.${i}.${name}`];
    // x + c_proj(attention(c_attn(ln_1(x))))
    const normed1 = ops.layerNorm(x, w("ln_1.weight"), w("ln_1.bias")); // [N, dModel]
    const qkv = ops.linear(
      normed1,
      w("attn.c_attn.weight"),
      w("attn.c_attn.bias"),
    ); // [N, 3·dModel]
    const heads = ops.attention(qkv, shape); // [N, dModel], weights [B, h, T, T]
    attention.push(heads.weights);
    x = tf.add(
      x,
      ops.linear(heads.output, w("attn.c_proj.weight"), w("attn.c_proj.bias")),
    ); // [N, dModel]
    // x + c_proj(gelu(c_fc(ln_2(x))))
    const normed2 = ops.layerNorm(x, w("ln_2.weight"), w("ln_2.bias")); // [N, dModel]
    const hidden = ops.gelu(
      ops.linear(normed2, w("mlp.c_fc.weight"), w("mlp.c_fc.bias")),
    ); // [N, 4·dModel]
    x = tf.add(
      x,
      ops.linear(hidden, w("mlp.c_proj.weight"), w("mlp.c_proj.bias")),
    ); // [N, dModel]
  }
  const normed = ops.layerNorm(
    x,
    p["transformer.ln_f.weight"],
    p["transformer.ln_f.bias"],
  ); // [N, dModel]
  const logits = ops.linear(normed, p["transformer.wte.weight"]); // tied head: [N, dModel] · [dModel, vocabSize] → [N, vocabSize]
  return {
    output: logits.reshape([batch, seqLen, c.vocabSize]), // [B, T, vocabSize]
    attention,
  };
}

/**
 * The next-token loss of a GPT: the mean cross-entropy of the logits
 * against the targets (the input shifted by one), as nanoGPT's
 * `F.cross_entropy(logits.view(-1, V), targets.view(-1))`. It fits
 * train()'s `Loss<TokenBatch>` (lib/train/trainer.ts).
 *
 * @param ops `"fast"` (one op with its gradient) or `"plain"`
 *   (`tf.losses.softmaxCrossEntropy`). Default `"fast"`.
 * @returns The loss, named `"cross-entropy"`.
 */
export function nextTokenLoss(ops: GptOps = "fast"): {
  name: string;
  compute(result: ForwardResult, targets: TokenBatch): tf.Scalar;
} {
  const { crossEntropy } = opsNamed(ops);
  return {
    name: "cross-entropy",
    compute(result, targets) {
      const vocabSize = result.output.shape[result.output.rank - 1];
      const flat = targets.flat();
      for (const id of flat) {
        if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
          throw new RangeError(
            `target ${describe(id)} is outside the vocabulary (0…${
              vocabSize - 1
            })`,
          );
        }
      }
      return crossEntropy(
        result.output.reshape([-1, vocabSize]) as tf.Tensor2D, // [N, vocabSize]
        tf.tensor1d(flat, "int32"), // [N]
      );
    },
  };
}

function checkTokens(ids: unknown, c: GptConfig): [number, number] {
  return checkTokenBatch(
    ids,
    c.vocabSize,
    c.blockSize,
    `blockSize ${c.blockSize}`,
  );
}

/**
 * Checks a batch of token ids for a GPT's forward: a `[B, T]` array of
 * arrays, rows of one length from 1 to `maxLength`, every id inside the
 * vocabulary.
 *
 * @param ids The batch.
 * @param vocabSize The number of token ids.
 * @param maxLength The longest sequence the model takes.
 * @param limit `maxLength` as the message names it (`"blockSize 64"`).
 * @returns `[B, T]`.
 * @throws {TypeError} When `ids` is not an array of arrays.
 * @throws {RangeError} For a bad length or an id outside the vocabulary.
 */
export function checkTokenBatch(
  ids: unknown,
  vocabSize: number,
  maxLength: number,
  limit: string,
): [number, number] {
  if (!Array.isArray(ids) || ids.length === 0 || !Array.isArray(ids[0])) {
    throw new TypeError(
      `token ids must be a [B, T] array of arrays, got ${describe(ids)}`,
    );
  }
  const seqLen = ids[0].length;
  if (seqLen < 1 || seqLen > maxLength) {
    throw new RangeError(
      `sequence length must be from 1 to ${limit}, got ${seqLen}`,
    );
  }
  for (const row of ids) {
    if (!Array.isArray(row) || row.length !== seqLen) {
      throw new RangeError(
        `every sequence must have the same length ${seqLen}; got ${
          describe(row)
        }`,
      );
    }
    for (const id of row) {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new RangeError(
          `token id ${describe(id)} is outside the vocabulary (0…${
            vocabSize - 1
          })`,
        );
      }
    }
  }
  return [ids.length, seqLen];
}
