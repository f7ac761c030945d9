/**
 * Text from chapter 11's GPT, one character at a time: nanoGPT's `generate`
 * (the whole context through the model for every new character) and the
 * same with a KV cache (each layer keeps the keys and values of the
 * characters it has seen, so a new character costs one row per layer), with
 * temperature and top-k sampling.
 *
 * The context: a learned position table has `blockSize` rows, so a context
 * cannot grow beyond them. nanoGPT crops it to the last `blockSize`
 * characters at every step, which shifts every position by one; the keys a
 * cache holds were computed at their old positions, so a cache cannot
 * follow. Both decoders here therefore share one rule: when the context is
 * full, keep its last half and go on. Without a cache that is one shorter
 * forward pass; with one, the cache is refilled from the kept half in one pass (a
 * "prefill").
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { checkIndices, checkOptions, describe } from "../../core/_describe.ts";
import { checkGpt, checkIdList } from "./_check.ts";
import type {
  GptConfig,
  GptForwardOptions,
  TokenBatch,
} from "../../core/gpt.ts";
import { fastLayerNorm, gelu, linear } from "../../core/fast_ops.ts";
import { MAX_SEED } from "../../core/limits.ts";
import type { Model } from "../../core/model.ts";
import { mulberry32 } from "../../core/random.ts";

/** A GPT as chapter 11 uses it: lib/core/gpt.ts's definition in a {@linkcode Model}. */
export type Gpt = Model<TokenBatch, GptForwardOptions>;

/** Options for {@linkcode generate}. */
export interface GenerateOptions {
  /** Characters to add. Default 200. */
  maxNewTokens?: number;
  /** Divides the logits before the softmax; 0 picks the most likely character (greedy). Default 0.8, as nanoGPT's sample.py. */
  temperature?: number;
  /** Draw only among the `topK` most likely characters. Default: all. */
  topK?: number;
  /** Seed of the draws. Default 1. */
  seed?: number;
  /** Keep each layer's keys and values (`true`, default) or recompute the whole context for every character. */
  cache?: boolean;
}

/**
 * Continues a prompt.
 *
 * @param model The GPT.
 * @param config Its sizes (the checkpoint's).
 * @param prompt Token ids to start from (at least one).
 * @param options Length, temperature, top-k, seed, cache.
 * @returns The new ids only, `maxNewTokens` of them.
 * @throws {RangeError} For an empty prompt, an id outside the vocabulary, or bad options.
 */
export function generate(
  model: Gpt,
  config: GptConfig,
  prompt: ArrayLike<number>,
  options: GenerateOptions = {},
): number[] {
  config = checkGpt(model, config);
  checkIdList(prompt, "prompt");
  const o = resolveGenerate(options, config);
  const ids = Array.from(prompt);
  if (ids.length === 0) {
    throw new RangeError("the prompt must have at least one character");
  }
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= config.vocabSize) {
      throw new RangeError(
        `prompt id ${describe(id)} is outside the vocabulary (0…${
          config.vocabSize - 1
        })`,
      );
    }
  }
  const next = mulberry32(o.seed);
  const keep = Math.max(1, Math.floor(config.blockSize / 2));
  // The prompt itself may be longer than the block: start from its end.
  let context = ids.slice(-config.blockSize);
  const cache = o.cache ? new KvCache(model, config) : undefined;
  const out: number[] = [];
  try {
    let logits = cache ? cache.prefill(context) : lastLogits(model, context);
    while (out.length < o.maxNewTokens) {
      const id = pick(logits, o.temperature, o.topK, next);
      out.push(id);
      if (out.length === o.maxNewTokens) break;
      if (context.length === config.blockSize) {
        context = [...context.slice(-keep + 1), id]; // the last half, with the new one
        logits = cache ? cache.prefill(context) : lastLogits(model, context);
      } else {
        context.push(id);
        logits = cache ? cache.append(id) : lastLogits(model, context);
      }
    }
  } finally {
    cache?.dispose();
  }
  return out;
}

/** The next-character logits after a context: one forward of the whole context. */
function lastLogits(model: Gpt, context: number[]): Float32Array {
  return tf.tidy(() => {
    const { output, attention } = model.forward([context]); // [1, T, vocabSize]
    tf.dispose(attention);
    const T = context.length;
    return output.slice([0, T - 1, 0], [1, 1, -1]).dataSync() as Float32Array; // [vocabSize]
  });
}

/**
 * A KV cache: for each layer, the keys and values of every character of the
 * context so far, `[numHeads, t, dK]` each. {@linkcode KvCache.append} runs
 * one new character through the model: its query meets the cached keys, and
 * its own key and value join the cache.
 */
export class KvCache {
  readonly #model: Gpt;
  readonly #config: GptConfig;
  #keys: tf.Tensor3D[] = []; // per layer [h, t, dK]
  #values: tf.Tensor3D[] = []; // per layer [h, t, dK]

  /**
   * @param model The GPT.
   * @param config Its sizes.
   */
  constructor(model: Gpt, config: GptConfig) {
    this.#config = checkGpt(model, config);
    this.#model = model;
  }

  /** Characters in the cache, `t`. */
  get length(): number {
    return this.#keys[0]?.shape[1] ?? 0;
  }

  /**
   * Empties the cache and runs a whole context through every layer at once
   * (the "prefill"): each layer's keys and values of every position are
   * kept, and the logits after the last character are returned.
   *
   * @param context Token ids, 1 to `blockSize` of them.
   * @returns The logits after the last one, `[vocabSize]`.
   * @throws {RangeError} For an empty context or one longer than the block.
   */
  prefill(context: number[]): Float32Array {
    checkIdList(context, "context");
    checkIndices(
      Array.from(context),
      "context",
      "token id",
      this.#config.vocabSize,
      "the vocabulary",
    );
    const T = context.length;
    if (T < 1 || T > this.#config.blockSize) {
      throw new RangeError(
        `a context must have 1 to ${this.#config.blockSize} characters, got ${T}`,
      );
    }
    this.#clear();
    return this.#run(context, 0);
  }

  /**
   * Runs one more character through every layer, at position `length`.
   *
   * @param id Its token id.
   * @returns The logits of the character after it, `[vocabSize]`.
   * @throws {RangeError} When the cache already holds `blockSize` characters.
   */
  append(id: number): Float32Array {
    if (!Number.isInteger(id) || id < 0 || id >= this.#config.vocabSize) {
      throw new RangeError(
        `id must be a token id from 0 to ${this.#config.vocabSize - 1}, got ${
          describe(id)
        }`,
      );
    }
    const position = this.length;
    if (position >= this.#config.blockSize) {
      throw new RangeError(
        `the cache is full (${this.#config.blockSize} positions); prefill it with a shorter context`,
      );
    }
    return this.#run([id], position);
  }

  /**
   * Runs `ids` (at positions `from`, `from + 1`, …) through every layer:
   * their queries meet the cached keys and their own (causally), and their
   * keys and values join the cache. Returns the logits after the last.
   */
  #run(ids: number[], from: number): Float32Array {
    const { numLayers, numHeads, dModel } = this.#config;
    const n = ids.length; // new rows
    const t = from + n; // positions in the cache afterwards
    const dK = dModel / numHeads;
    const p = this.#model.params;
    const [logits, keys, values] = tf.tidy(() => {
      const tokens = tf.gather(p["transformer.wte.weight"], ids); // [n, dModel]
      const positions = tf.slice(p["transformer.wpe.weight"], [from, 0], [
        n,
        dModel,
      ]); // [n, dModel]
      let x = tf.add(tokens, positions) as tf.Tensor2D; // [n, dModel]
      // New row i (position from + i) may see cached positions 0…from + i.
      const mask = tf.tensor2d(
        Array.from(
          { length: n },
          (_, i) =>
            Array.from({ length: t }, (_, j) => j <= from + i ? 0 : -Infinity),
        ),
      ); // [n, t]
      const keys: tf.Tensor3D[] = [];
      const values: tf.Tensor3D[] = [];
      const heads = (part: tf.Tensor) =>
        part.reshape([n, numHeads, dK]).transpose([1, 0, 2]) as tf.Tensor3D; // [n, dModel] → [h, n, dK]
      for (let l = 0; l < numLayers; l++) {
        const w = (name: string) =>
          p[`transformer.h.${l}.${name}`] as tf.Tensor2D & tf.Tensor1D;
        const normed = fastLayerNorm(x, w("ln_1.weight"), w("ln_1.bias")); // [n, dModel]
        const qkv = linear(
          normed,
          w("attn.c_attn.weight"),
          w("attn.c_attn.bias"),
        ); // [n, 3·dModel]
        const [q, k, v] = tf.split(qkv, 3, 1).map(heads); // [h, n, dK] each
        const K = this.#keys[l] ? tf.concat([this.#keys[l], k], 1) : k; // [h, t, dK]
        const V = this.#values[l] ? tf.concat([this.#values[l], v], 1) : v; // [h, t, dK]
        keys.push(K as tf.Tensor3D);
        values.push(V as tf.Tensor3D);
        const scores = tf.add(
          tf.mul(tf.matMul(q, K, false, true), 1 / Math.sqrt(dK)),
          mask,
        ); // [h, n, dK] · [h, dK, t] → [h, n, t]
        const mixed = tf.matMul(tf.softmax(scores), V); // [h, n, t] · [h, t, dK] → [h, n, dK]
        const merged = mixed.transpose([1, 0, 2]).reshape([
          n,
          dModel,
        ]) as tf.Tensor2D; // heads side by side: [n, dModel]
        x = tf.add(
          x,
          linear(merged, w("attn.c_proj.weight"), w("attn.c_proj.bias")),
        ) as tf.Tensor2D;
        const normed2 = fastLayerNorm(x, w("ln_2.weight"), w("ln_2.bias"));
        const hidden = gelu(
          linear(normed2, w("mlp.c_fc.weight"), w("mlp.c_fc.bias")),
        ); // [n, 4·dModel]
        x = tf.add(
          x,
          linear(hidden, w("mlp.c_proj.weight"), w("mlp.c_proj.bias")),
        ) as tf.Tensor2D;
      }
      const last = tf.slice(x, [n - 1, 0], [1, dModel]) as tf.Tensor2D; // [1, dModel]
      const normed = fastLayerNorm(
        last,
        p["transformer.ln_f.weight"] as tf.Tensor1D,
        p["transformer.ln_f.bias"] as tf.Tensor1D,
      );
      const logits = linear(normed, p["transformer.wte.weight"] as tf.Tensor2D); // tied head: [1, vocabSize]
      return [logits, keys, values] as const;
    });
    tf.dispose([...this.#keys, ...this.#values]);
    this.#keys = keys;
    this.#values = values;
    const out = logits.dataSync() as Float32Array;
    logits.dispose();
    return out;
  }

  /** Frees the cached tensors. */
  dispose(): void {
    this.#clear();
  }

  #clear(): void {
    tf.dispose([...this.#keys, ...this.#values]);
    this.#keys = [];
    this.#values = [];
  }
}

/**
 * Picks the next id from logits: the largest when `temperature` is 0,
 * otherwise a draw from `softmax(logits / temperature)` restricted to the
 * `topK` largest.
 *
 * @param logits `[vocabSize]`.
 * @param temperature ≥ 0.
 * @param topK How many candidates (≥ 1), or `Infinity` for all.
 * @param next A uniform stream.
 * @returns The id.
 *
 * @example
 * ```ts
 * import { pick } from "./generate.ts";
 * if (pick(new Float32Array([0, 3, 1]), 0, Infinity, Math.random) !== 1) throw new Error();
 * if (pick(new Float32Array([0, 3, 1]), 1, 1, Math.random) !== 1) throw new Error();
 * ```
 */
export function pick(
  logits: ArrayLike<number>,
  temperature: number,
  topK: number,
  next: () => number,
): number {
  const list: unknown = ArrayBuffer.isView(logits)
    ? Array.from(logits as Float32Array)
    : logits;
  if (
    !Array.isArray(list) || list.length === 0 ||
    !list.every((v) => typeof v === "number" && !Number.isNaN(v))
  ) {
    throw new TypeError(
      `logits must be a non-empty list of numbers, got ${describe(logits)}`,
    );
  }
  if (typeof temperature !== "number" || !(temperature >= 0)) {
    throw new RangeError(
      `temperature must be a number ≥ 0, got ${describe(temperature)}`,
    );
  }
  if (typeof topK !== "number" || !(topK >= 1)) {
    throw new RangeError(`topK must be a number ≥ 1, got ${describe(topK)}`);
  }
  if (typeof next !== "function") {
    throw new TypeError(
      `next must be a function giving numbers in [0, 1), got ${describe(next)}`,
    );
  }
  const order = Array.from(logits, (_, i) => i).sort((a, b) =>
    logits[b] - logits[a] || a - b
  );
  if (temperature === 0) return order[0];
  const candidates = order.slice(0, Math.min(topK, order.length));
  const top = logits[candidates[0]];
  const weights = candidates.map((i) =>
    Math.exp((logits[i] - top) / temperature)
  );
  const total = weights.reduce((a, b) => a + b, 0);
  let u = next() * total;
  for (let j = 0; j < candidates.length; j++) {
    u -= weights[j];
    if (u < 0) return candidates[j];
  }
  return candidates[candidates.length - 1];
}

function resolveGenerate(
  options: GenerateOptions,
  config: GptConfig,
): Required<GenerateOptions> {
  checkOptions(options);
  const o = {
    maxNewTokens: options.maxNewTokens ?? 200,
    temperature: options.temperature ?? 0.8,
    topK: options.topK ?? Infinity,
    seed: options.seed ?? 1,
    cache: options.cache ?? true,
  };
  if (
    !Number.isInteger(o.maxNewTokens) || o.maxNewTokens < 0 ||
    o.maxNewTokens > 100_000
  ) {
    throw new RangeError(
      `maxNewTokens must be a whole number from 0 to 100000, got ${
        describe(o.maxNewTokens)
      }`,
    );
  }
  if (
    !(typeof o.temperature === "number" && o.temperature >= 0 &&
      o.temperature <= 100)
  ) {
    throw new RangeError(
      `temperature must be a number from 0 (greedy) to 100, got ${
        describe(o.temperature)
      }`,
    );
  }
  if (!(o.topK === Infinity || (Number.isInteger(o.topK) && o.topK >= 1))) {
    throw new RangeError(
      `topK must be a whole number ≥ 1 (at most vocabSize ${config.vocabSize} matter), got ${
        describe(o.topK)
      }`,
    );
  }
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > MAX_SEED) {
    throw new RangeError(
      `seed must be a whole number from 0 to ${MAX_SEED}, got ${
        describe(o.seed)
      }`,
    );
  }
  if (typeof o.cache !== "boolean") {
    throw new RangeError(
      `cache must be true or false, got ${describe(o.cache)}`,
    );
  }
  return o;
}
