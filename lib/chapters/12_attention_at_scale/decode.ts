/**
 * Greedy generation with chapter 12's GPT, with and without a KV cache. A
 * cache keeps, per layer, the keys and values (after RoPE, when used) of
 * every token of the context, `[g, t, dK]` each, so a new token costs one
 * row per layer instead of a forward pass over the whole context.
 *
 * The context rule (as chapter 11's decoders): a learned position table has
 * `blockSize` rows, so when the context is full both decoders keep its last
 * half and go on; with a cache, the cache is rebuilt from the kept half in
 * one forward pass (a "prefill", as for the prompt).
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { checkIndices, checkObject, describe } from "../../core/_describe.ts";
import { embeddingLookup } from "../../core/attention.ts";
import { fastLayerNorm, gelu, linear } from "../../core/fast_ops.ts";
import type { TokenBatch } from "../../core/gpt.ts";
import { groupedQueryAttention } from "../../core/gqa.ts";
import { checkModelFits, type Model } from "../../core/model.ts";
import { applyRope } from "../../core/rope.ts";
import {
  resolveScaledGptConfig,
  type ScaledGptConfig,
  type ScaledGptForwardOptions,
  scaledGptSchema,
} from "./scaled_gpt.ts";

/** Chapter 12's GPT as a model. */
export type ScaledGptModel = Model<TokenBatch, ScaledGptForwardOptions>;

/**
 * A KV cache for one sequence. {@linkcode KvCache.append} runs one token
 * through the model: its query meets the cached keys, and its own key and
 * value join the cache. Owns its tensors: call {@linkcode KvCache.dispose}.
 */
export class KvCache {
  /** The model's settings. */
  readonly config: ScaledGptConfig;
  readonly #model: ScaledGptModel;
  #keys: tf.Tensor[] = []; // per layer [1, g, t, dK]
  #values: tf.Tensor[] = []; // per layer [1, g, t, dK]
  #length = 0;

  /**
   * @param model Chapter 12's GPT.
   * @param config Its settings.
   */
  constructor(model: ScaledGptModel, config: Partial<ScaledGptConfig>) {
    this.config = checkScaledGpt(model, config);
    this.#model = model;
  }

  /** How many tokens the cache holds. */
  get length(): number {
    return this.#length;
  }

  /** The bytes of the cached keys and values (float32). */
  get bytes(): number {
    return [...this.#keys, ...this.#values].reduce((n, t) => n + 4 * t.size, 0);
  }

  /**
   * Runs one token at the next position.
   *
   * @param id The token.
   * @returns Its next-token logits, `[vocabSize]`.
   * @throws {RangeError} For an id outside the vocabulary, or a full cache with learned positions.
   */
  append(id: number): Float32Array {
    const c = this.config;
    if (!Number.isInteger(id) || id < 0 || id >= c.vocabSize) {
      throw new RangeError(
        `token id ${describe(id)} is outside the vocabulary (0…${
          c.vocabSize - 1
        })`,
      );
    }
    const position = this.#length;
    if (c.positions === "learned" && position >= c.blockSize) {
      throw new RangeError(
        `the cache is full: learned positions stop at blockSize ${c.blockSize}; reset it`,
      );
    }
    const p = this.#model.params;
    const w = (name: string) => p[name] as unknown as tf.Tensor2D;
    const b = (name: string) => p[name] as unknown as tf.Tensor1D;
    const { dModel, numHeads: h, numKvHeads: g } = c;
    const dK = dModel / h;
    const keys: tf.Tensor[] = [];
    const values: tf.Tensor[] = [];
    const logits = tf.tidy(() => {
      let x = embeddingLookup(w("transformer.wte.weight"), [id]); // [1, dModel]
      if (c.positions === "learned") {
        x = tf.add(
          x,
          tf.slice(w("transformer.wpe.weight"), [position, 0], [1, dModel]),
        ); // [1, dModel]
      }
      for (let i = 0; i < c.numLayers; i++) {
        const n = `transformer.h.${i}`;
        const normed1 = fastLayerNorm(
          x,
          b(`${n}.ln_1.weight`),
          b(`${n}.ln_1.bias`),
        );
        const qkv = linear(
          normed1,
          w(`${n}.attn.c_attn.weight`),
          b(`${n}.attn.c_attn.bias`),
        ); // [1, dModel + 2·g·dK]
        const [qRow, kRow, vRow] = tf.split(qkv, [dModel, g * dK, g * dK], 1);
        let q = qRow.reshape([1, h, 1, dK]); // [1, h, 1, dK]
        let k = kRow.reshape([1, g, 1, dK]); // [1, g, 1, dK]
        const v = vRow.reshape([1, g, 1, dK]);
        if (c.positions === "rope") {
          q = applyRope(q, position);
          k = applyRope(k, position);
        }
        const allK = position === 0 ? k : tf.concat([this.#keys[i], k], 2); // [1, g, t + 1, dK]
        const allV = position === 0 ? v : tf.concat([this.#values[i], v], 2);
        keys.push(tf.keep(allK));
        values.push(tf.keep(allV));
        const { output } = groupedQueryAttention(q, allK, allV); // every cached key is in the past: no mask
        const merged = output.reshape([1, dModel]) as tf.Tensor2D; // [1, h, 1, dK] → [1, dModel]
        x = tf.add(
          x,
          linear(
            merged,
            w(`${n}.attn.c_proj.weight`),
            b(`${n}.attn.c_proj.bias`),
          ),
        );
        const normed2 = fastLayerNorm(
          x,
          b(`${n}.ln_2.weight`),
          b(`${n}.ln_2.bias`),
        );
        const hidden = gelu(
          linear(normed2, w(`${n}.mlp.c_fc.weight`), b(`${n}.mlp.c_fc.bias`)),
        );
        x = tf.add(
          x,
          linear(
            hidden,
            w(`${n}.mlp.c_proj.weight`),
            b(`${n}.mlp.c_proj.bias`),
          ),
        );
      }
      const normed = fastLayerNorm(
        x,
        b("transformer.ln_f.weight"),
        b("transformer.ln_f.bias"),
      );
      return linear(normed, w("transformer.wte.weight")); // [1, vocabSize]
    });
    tf.dispose([...this.#keys, ...this.#values]);
    this.#keys = keys;
    this.#values = values;
    this.#length++;
    const out = logits.dataSync() as Float32Array;
    logits.dispose();
    return Float32Array.from(out);
  }

  /**
   * Empties the cache and fills it with a whole context in one forward pass
   * (the keys and values every layer computes for it).
   *
   * @param ids The context, 1 to `blockSize` token ids.
   * @returns The last token's next-token logits, `[vocabSize]`.
   * @throws {RangeError} For an empty or too long context, or a bad id.
   */
  prefill(ids: readonly number[]): Float32Array {
    if (
      !Array.isArray(ids) || ids.length < 1 ||
      ids.length > this.config.blockSize
    ) {
      throw new RangeError(
        `a prefill takes 1 to blockSize ${this.config.blockSize} token ids, got ${
          describe(ids)
        }`,
      );
    }
    checkIndices(
      ids,
      "ids",
      "token id",
      this.config.vocabSize,
      "the vocabulary",
    );
    this.reset();
    const keysValues = { keys: [] as tf.Tensor[], values: [] as tf.Tensor[] };
    const { output, attention } = this.#model.forward([[...ids]], {
      keysValues,
    });
    const last = tf.tidy(() =>
      output.slice([0, ids.length - 1, 0], [1, 1, this.config.vocabSize])
        .reshape([-1])
    );
    const logits = Float32Array.from(last.dataSync());
    tf.dispose([output, ...attention, last]);
    this.#keys = keysValues.keys;
    this.#values = keysValues.values;
    this.#length = ids.length;
    return logits;
  }

  /** Empties the cache. */
  reset(): void {
    tf.dispose([...this.#keys, ...this.#values]);
    this.#keys = [];
    this.#values = [];
    this.#length = 0;
  }

  /** Frees the cached tensors. */
  dispose(): void {
    this.reset();
  }
}

/** Options for {@linkcode greedyDecode}. */
export interface GreedyDecodeOptions {
  /** How many new tokens. */
  steps: number;
  /** Use a KV cache. Default true. */
  cache?: boolean;
  /** Called after each new token with its step and the context length it was computed from (e.g. to time it). */
  onToken?: (step: number, contextLength: number) => void;
}

/** What {@linkcode greedyDecode} returns. */
export interface GreedyDecodeResult {
  /** The new tokens, `steps` of them. */
  tokens: number[];
  /** How many times the context was full and cut to its last half. */
  refills: number;
}

/**
 * Greedy generation: at every step the most likely next token, from a
 * forward pass over the whole context (`cache: false`) or from one row per
 * layer with a {@linkcode KvCache}.
 *
 * @param model Chapter 12's GPT.
 * @param config Its settings.
 * @param prompt Token ids to start from (at least one, at most `blockSize`).
 * @param options Steps, cache, a callback per token.
 * @returns The new tokens.
 * @throws {RangeError} For an empty or too long prompt, or a bad step count.
 */
export function greedyDecode(
  model: ScaledGptModel,
  config: Partial<ScaledGptConfig>,
  prompt: readonly number[],
  options: GreedyDecodeOptions,
): GreedyDecodeResult {
  const c = checkScaledGpt(model, config);
  checkObject(options, "options", "an object {steps, cache?, onToken?}");
  const steps = options.steps;
  if (!Number.isInteger(steps) || steps < 1 || steps > 100_000) {
    throw new RangeError(
      `steps must be a whole number from 1 to 100000, got ${describe(steps)}`,
    );
  }
  if (
    !Array.isArray(prompt) || prompt.length < 1 || prompt.length > c.blockSize
  ) {
    throw new RangeError(
      `the prompt must hold 1 to blockSize ${c.blockSize} token ids, got ${
        describe(prompt)
      }`,
    );
  }
  checkIndices(prompt, "prompt", "token id", c.vocabSize, "the vocabulary");
  const useCache = options.cache ?? true;
  const cache = useCache ? new KvCache(model, c) : undefined;
  let context = [...prompt];
  const tokens: number[] = [];
  let refills = 0;
  try {
    let logits = cache ? cache.prefill(prompt) : undefined;
    for (let step = 0; step < steps; step++) {
      if (!cache) {
        const { output, attention } = model.forward([context]);
        const last = tf.tidy(() =>
          output.slice([0, context.length - 1, 0], [1, 1, c.vocabSize]).reshape(
            [-1],
          )
        );
        logits = last.dataSync() as Float32Array;
        tf.dispose([output, ...attention, last]);
      }
      const next = argmax(logits!);
      tokens.push(next);
      options.onToken?.(step, context.length);
      context.push(next);
      if (context.length > c.blockSize) {
        context = context.slice(context.length - Math.floor(c.blockSize / 2)); // keep the last half
        refills++;
        if (cache) {
          logits = cache.prefill(context); // one pass over the kept half
        }
      } else if (cache) logits = cache.append(next);
    }
  } finally {
    cache?.dispose();
  }
  return { tokens, refills };
}

// A scaled GPT and the config it was built with.
function checkScaledGpt(
  model: ScaledGptModel,
  config: Partial<ScaledGptConfig>,
): ScaledGptConfig {
  const c = resolveScaledGptConfig(checkObject(config, "config"));
  checkModelFits(
    model,
    scaledGptSchema(c),
    `config (numHeads ${c.numHeads}, numKvHeads ${c.numKvHeads}, dModel ${c.dModel}, ${c.positions} positions)`,
  );
  return c;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) {
    if (values[i] > values[best]) best = i;
  }
  return best;
}
