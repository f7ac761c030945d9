/**
 * Chapter 12's GPT: lib/core/gpt.ts's model (nanoGPT's names and layouts) with three of the changes real LLMs make to attention,
 * each a setting: grouped-query attention (`numKvHeads < numHeads`), rotary
 * positions instead of a learned table (`positions: "rope"`), and a sliding
 * window with sinks (per forward call). With `numKvHeads = numHeads`,
 * learned positions and no window, it computes what gpt.ts computes from the
 * same weights, so chapter 11's checkpoint loads into it unchanged. It runs
 * on fast_ops.ts's linear, LayerNorm and GELU (hand-written gradients, no
 * transpose flags, which are slow on wasm) around the core's attention ops.
 *
 * Shape names as gpt.ts: `B` batch, `T` length, `dModel`, `h` query heads,
 * `g` key/value heads, `dK = dModel / h`, `N = B·T` rows.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { checkObject, checkOptions, describe } from "../../core/_describe.ts";
import { causalMask, embeddingLookup } from "../../core/attention.ts";
import { fastLayerNorm, gelu, linear } from "../../core/fast_ops.ts";
import {
  checkTokenBatch,
  type GptConfig,
  gptSchema,
  resolveGptConfig,
  type TokenBatch,
} from "../../core/gpt.ts";
import { groupedQueryAttention, meanPoolHeads } from "../../core/gqa.ts";
import {
  checkValues,
  type ForwardResult,
  type ModelDefinition,
  type ParameterSpec,
  type ParameterValues,
} from "../../core/model.ts";
import { applyRope } from "../../core/rope.ts";
import { slidingWindowMask } from "../../core/window.ts";

tf.enableProdMode();

/** How a model knows where a token is. */
export type Positions = "learned" | "rope";

/** A GPT's sizes plus the chapter's attention settings. */
export interface ScaledGptConfig extends GptConfig {
  /** Key/value heads `g`; must divide `numHeads`. `numHeads`: multi-head; 1: multi-query. */
  numKvHeads: number;
  /** `"learned"` (gpt.ts's `wpe` table, `blockSize` rows) or `"rope"` (no table; any length). */
  positions: Positions;
}

/** Per-call options of the forward. */
export interface ScaledGptForwardOptions {
  /** Each query sees only this many recent keys (itself included). Default: all earlier keys. */
  window?: number;
  /** With a window: the first this many keys stay visible (attention sinks). Default 0. */
  sinks?: number;
  /**
   * Receives each layer's keys (after RoPE) and values, `[B, g, T, dK]`,
   * kept past the forward's `tf.tidy` for the caller, who disposes them: a
   * KV cache filled in one pass (decode.ts's prefill).
   */
  keysValues?: { keys: tf.Tensor[]; values: tf.Tensor[] };
}

/**
 * Checks a config and fills in gpt.ts's defaults, `numKvHeads = numHeads`
 * and learned positions.
 *
 * @param config The settings.
 * @returns The full config.
 * @throws {RangeError} Naming the first bad setting.
 */
export function resolveScaledGptConfig(
  config: Partial<ScaledGptConfig> = {},
): ScaledGptConfig {
  const { numKvHeads, positions, ...sizes } = checkOptions(config, "config");
  const c = resolveGptConfig(sizes);
  const g = numKvHeads === undefined ? c.numHeads : numKvHeads;
  if (!Number.isInteger(g) || g < 1 || c.numHeads % g !== 0) {
    throw new RangeError(
      `numKvHeads must be a whole number ≥ 1 that divides numHeads ${c.numHeads}, got ${
        describe(numKvHeads)
      }`,
    );
  }
  const p = positions === undefined ? "learned" : positions;
  if (p !== "learned" && p !== "rope") {
    throw new RangeError(
      `positions must be "learned" or "rope", got ${describe(positions)}`,
    );
  }
  return { ...c, numKvHeads: g, positions: p };
}

/**
 * The parameters: gpt.ts's schema, with `c_attn` holding `h` query heads
 * but only `g` key and value heads (`[dModel + 2·g·dK, dModel]`), and no
 * position table under RoPE.
 *
 * @param config The settings.
 * @returns The schema.
 */
export function scaledGptSchema(
  config: Partial<ScaledGptConfig> = {},
): ParameterSpec[] {
  const c = resolveScaledGptConfig(config);
  const dK = c.dModel / c.numHeads;
  const rows = c.dModel + 2 * c.numKvHeads * dK;
  const { numKvHeads: _g, positions: _p, ...sizes } = c;
  return gptSchema(sizes)
    .filter((s) =>
      !(c.positions === "rope" && s.name === "transformer.wpe.weight")
    )
    .map((s) =>
      s.name.endsWith("attn.c_attn.weight")
        ? { ...s, shape: [rows, c.dModel] }
        : s.name.endsWith("attn.c_attn.bias")
        ? { ...s, shape: [rows] }
        : s
    );
}

/**
 * The model as a definition for `new Model(…)`: token ids `[B, T]` in,
 * logits `[B, T, vocabSize]` and each layer's attention `[B, h, T, T]` out.
 * Learned positions need `T ≤ blockSize`; RoPE takes any `T` the attention
 * limit allows.
 *
 * @param config The settings.
 * @returns The definition.
 *
 * @example
 * ```ts
 * import { Model } from "../../core/model.ts";
 * import { scaledGpt } from "./scaled_gpt.ts";
 * const model = new Model(scaledGpt({ vocabSize: 5, blockSize: 4, numLayers: 1, numHeads: 2, numKvHeads: 1, dModel: 8, positions: "rope" }));
 * const { output, attention } = model.forward([[1, 2, 3, 4, 0, 1]]); // longer than blockSize: RoPE has no table
 * if (output.shape.join() !== "1,6,5") throw new Error();
 * output.dispose();
 * attention[0].dispose();
 * model.dispose();
 * ```
 */
export function scaledGpt(
  config: Partial<ScaledGptConfig> = {},
): ModelDefinition<TokenBatch, ScaledGptForwardOptions> {
  const c = resolveScaledGptConfig(config);
  return {
    name:
      `gpt (${c.numKvHeads} of ${c.numHeads} kv heads, ${c.positions} positions)`,
    schema: scaledGptSchema(c),
    forward: (p, ids, options) => forward(c, p, ids, options ?? {}),
  };
}

/**
 * Converts multi-head weights to grouped-query ones by mean-pooling each
 * group's key and value heads (Ainslie et al. 2023), layer by layer; every
 * other parameter is copied.
 *
 * @param values The weights of a model with `numKvHeads = numHeads` (e.g. chapter 11's checkpoint).
 * @param config That model's settings.
 * @param numKvHeads The new `g`.
 * @returns Weights for `scaledGpt({ ...config, numKvHeads })`.
 * @throws {RangeError} When `numKvHeads` does not divide the heads, or the values are not multi-head.
 */
export function poolKeyValueHeads(
  values: Readonly<ParameterValues>,
  config: Partial<ScaledGptConfig>,
  numKvHeads: number,
): ParameterValues {
  const c = resolveScaledGptConfig(checkObject(config, "config"));
  resolveScaledGptConfig({ ...config, numKvHeads });
  if (c.numKvHeads !== c.numHeads) {
    throw new RangeError(
      `pooling starts from multi-head weights (numKvHeads = numHeads ${c.numHeads}), got numKvHeads ${c.numKvHeads}`,
    );
  }
  try {
    checkValues(scaledGptSchema(c), values);
  } catch (error) {
    throw new RangeError(
      `values do not fit config (${c.positions} positions): ${
        (error as Error).message
      }`,
    );
  }
  const d = c.dModel;
  const out: ParameterValues = {};
  for (const [name, array] of Object.entries(values)) {
    const isWeight = name.endsWith("attn.c_attn.weight");
    if (!isWeight && !name.endsWith("attn.c_attn.bias")) {
      out[name] = Float32Array.from(array);
      continue;
    }
    const cols = isWeight ? d : 1;
    if (array.length !== 3 * d * cols) {
      throw new RangeError(
        `${name} must hold ${
          3 * d * cols
        } numbers (multi-head c_attn), got ${array.length}`,
      );
    }
    out[name] = tf.tidy(() => {
      const all = tf.tensor2d(array, [3 * d, cols]); // [3·dModel, dModel or 1]
      const [q, k, v] = tf.split(all, 3, 0); // [h·dK, ·] each
      const pooled = tf.concat([
        q,
        meanPoolHeads(k, c.numHeads, numKvHeads), // [g·dK, ·]
        meanPoolHeads(v, c.numHeads, numKvHeads),
      ], 0);
      return Float32Array.from(pooled.dataSync());
    });
  }
  return out;
}

function forward(
  c: ScaledGptConfig,
  p: Readonly<Record<string, tf.Tensor>>,
  ids: TokenBatch,
  options: ScaledGptForwardOptions,
): ForwardResult {
  const [batch, seqLen] = checkTokens(ids, c);
  const { dModel, numHeads: h, numKvHeads: g } = c;
  const dK = dModel / h;
  const w = (name: string) => p[name] as tf.Tensor2D;
  const b = (name: string) => p[name] as tf.Tensor1D;
  let x: tf.Tensor2D = embeddingLookup(
    p["transformer.wte.weight"] as tf.Tensor2D,
    ids.flat(),
  ); // [N, dModel]
  if (c.positions === "learned") {
    const table = tf.slice(p["transformer.wpe.weight"], [0, 0], [
      seqLen,
      dModel,
    ]); // [T, dModel]
    x = tf.add(x.reshape([batch, seqLen, dModel]), table)
      .reshape([batch * seqLen, dModel]) as tf.Tensor2D; // [N, dModel]
  }
  const mask = options.window === undefined
    ? causalMask(seqLen)
    : slidingWindowMask(seqLen, options.window, { sinks: options.sinks ?? 0 }); // [T, T]
  const attention: tf.Tensor[] = [];
  for (let i = 0; i < c.numLayers; i++) {
    const h_ = `transformer.h.${i}`;
    // x + c_proj(attention(c_attn(ln_1(x)))), fast_ops.ts's ops (no transpose flags on wasm)
    const normed1 = fastLayerNorm(
      x,
      b(`${h_}.ln_1.weight`),
      b(`${h_}.ln_1.bias`),
    ); // [N, dModel]
    const qkv = linear(
      normed1,
      w(`${h_}.attn.c_attn.weight`),
      b(`${h_}.attn.c_attn.bias`),
    ); // [N, dModel + 2·g·dK]
    const [qRows, kRows, vRows] = tf.split(qkv, [dModel, g * dK, g * dK], 1);
    const heads = (rows: tf.Tensor, n: number) =>
      rows.reshape([batch, seqLen, n, dK]).transpose([0, 2, 1, 3]); // [B, n, T, dK]
    let q = heads(qRows, h);
    let k = heads(kRows, g);
    if (c.positions === "rope") {
      q = applyRope(q);
      k = applyRope(k);
    }
    const v = heads(vRows, g);
    if (options.keysValues) {
      options.keysValues.keys.push(tf.keep(k.clone()));
      options.keysValues.values.push(tf.keep(v.clone()));
    }
    const result = groupedQueryAttention(q, k, v, { mask }); // [B, h, T, dK], [B, h, T, T]
    attention.push(result.weights);
    const merged = result.output.transpose([0, 2, 1, 3])
      .reshape([batch * seqLen, dModel]) as tf.Tensor2D; // [N, dModel]
    x = tf.add(
      x,
      linear(
        merged,
        w(`${h_}.attn.c_proj.weight`),
        b(`${h_}.attn.c_proj.bias`),
      ),
    );
    // x + c_proj(gelu(c_fc(ln_2(x))))
    const normed2 = fastLayerNorm(
      x,
      b(`${h_}.ln_2.weight`),
      b(`${h_}.ln_2.bias`),
    );
    const hidden = gelu(
      linear(normed2, w(`${h_}.mlp.c_fc.weight`), b(`${h_}.mlp.c_fc.bias`)),
    ); // [N, 4·dModel]
    x = tf.add(
      x,
      linear(hidden, w(`${h_}.mlp.c_proj.weight`), b(`${h_}.mlp.c_proj.bias`)),
    ); // [N, dModel]
  }
  const normed = fastLayerNorm(
    x,
    b("transformer.ln_f.weight"),
    b("transformer.ln_f.bias"),
  );
  const logits = linear(normed, w("transformer.wte.weight")); // tied head: [N, dModel] · [dModel, vocabSize] → [N, vocabSize]
  return { output: logits.reshape([batch, seqLen, c.vocabSize]), attention };
}

function checkTokens(ids: unknown, c: ScaledGptConfig): [number, number] {
  return c.positions === "learned"
    ? checkTokenBatch(
      ids,
      c.vocabSize,
      c.blockSize,
      `${c.blockSize} (blockSize: the position table's rows)`,
    )
    : checkTokenBatch(ids, c.vocabSize, 4096, "4096 (the attention limit)");
}
