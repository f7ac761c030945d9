/**
 * Reading chapter 11's heads: the attention of every head on a passage, a
 * score per head for three well-known patterns (previous character,
 * induction, attention sink), and ablation (a head's output set to zero) to
 * test whether a head matters for the loss.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { checkObject, describe } from "../../core/_describe.ts";
import {
  type GptConfig,
  gptSchema,
  resolveGptConfig,
  type TokenBatch,
} from "../../core/gpt.ts";
import {
  checkGpt,
  checkGptConfig,
  checkGptModel,
  checkIdList,
  checkSample,
} from "./_check.ts";
import { checkValues, type ParameterValues } from "../../core/model.ts";
import type { Batch } from "../../train/trainer.ts";
import type { Gpt } from "./generate.ts";
import { sampleLoss } from "./train.ts";

/** One head's attention on one passage: `[T][T]`, row = query, column = key; rows sum to 1. */
export type HeadAttention = number[][];

/**
 * The attention of every head of every layer on one passage.
 *
 * @param model The GPT.
 * @param ids The passage, at most `blockSize` ids.
 * @returns `[numLayers][numHeads][T][T]`.
 */
export function attentionOf(
  model: Gpt,
  ids: ArrayLike<number>,
): HeadAttention[][] {
  checkGptModel(model);
  checkIdList(ids, "ids");
  const { output, attention } = model.forward([Array.from(ids)]);
  output.dispose();
  const out = attention.map((a) => (a.arraySync() as number[][][][])[0]); // [1, h, T, T] → [h, T, T]
  tf.dispose(attention);
  return out;
}

/** The three scores of one head. */
export interface HeadScore {
  /** Layer, from 0. */
  layer: number;
  /** Head in its layer, from 0. */
  head: number;
  /** Mean weight on the character just before (rows 1…T−1 of the passage). */
  previous: number;
  /** On a passage repeated twice, mean weight on the character after the earlier copy of the current one. */
  induction: number;
  /** Mean weight on the first character, over rows {@linkcode SINK_FROM}…T−1 (where uniform attention would give it 1/(t+1)). */
  firstCharacter: number;
}

/** The first row counted by the attention-sink score: early rows have few keys, so they put weight on the first one anyway. */
export const SINK_FROM = 16;

/**
 * Scores every head: previous-character and first-character attention on
 * `passage`, induction on `half` followed by itself.
 *
 * @param model The GPT.
 * @param passage Ids, `T ≤ blockSize`, with `T > SINK_FROM`.
 * @param half Ids, `2 · half.length ≤ blockSize`.
 * @returns One score per head, layer by layer.
 * @throws {RangeError} For a passage too short or a half too long.
 */
export function headScores(
  model: Gpt,
  passage: ArrayLike<number>,
  half: ArrayLike<number>,
): HeadScore[] {
  checkGptModel(model);
  checkIdList(passage, "passage");
  checkIdList(half, "half");
  const T = passage.length;
  const L = half.length;
  if (T <= SINK_FROM) {
    throw new RangeError(
      `the passage needs more than ${SINK_FROM} characters, got ${describe(T)}`,
    );
  }
  if (L < 2) {
    throw new RangeError(
      `the repeated half needs at least 2 characters, got ${describe(L)}`,
    );
  }
  const plain = attentionOf(model, passage);
  const twice = attentionOf(model, [...Array.from(half), ...Array.from(half)]);
  const mean = (values: number[]) =>
    values.reduce((a, b) => a + b, 0) / values.length;
  const range = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => from + i);
  return plain.flatMap((layer, l) =>
    layer.map((a, h) => ({
      layer: l,
      head: h,
      previous: mean(range(1, T).map((t) => a[t][t - 1])),
      induction: mean(range(L, 2 * L).map((t) => twice[l][h][t][t - L + 1])),
      firstCharacter: mean(range(SINK_FROM, T).map((t) => a[t][0])),
    }))
  );
}

/**
 * The weights with one head silenced: its output set to zero before the
 * projection back into the residual stream. With nanoGPT's layout
 * (`attn.c_proj.weight` is `[out, in]` and head `h` fills inputs
 * `h·dK … (h+1)·dK − 1`), that is zeroing those columns: the weights change,
 * the model's code does not.
 *
 * @param values The weights.
 * @param config The GPT's sizes.
 * @param layer Layer, from 0.
 * @param head Head, from 0.
 * @returns A copy of `values` with that head silenced.
 * @throws {RangeError} For a layer or head that does not exist.
 *
 * @example
 * ```ts
 * import { gptSchema } from "../../core/gpt.ts";
 * import { initValues } from "../../core/model.ts";
 * import { silenceHead } from "./heads.ts";
 * const config = { vocabSize: 5, blockSize: 4, numLayers: 1, numHeads: 2, dModel: 4 };
 * const v = silenceHead(initValues(gptSchema(config), 1), config, 0, 1);
 * const w = v["transformer.h.0.attn.c_proj.weight"]; // [4, 4], head 1 = inputs 2, 3
 * if (w[2] !== 0 || w[3] !== 0 || w[0] === 0) throw new Error();
 * ```
 */
export function silenceHead(
  values: ParameterValues,
  config: GptConfig,
  layer: number,
  head: number,
): ParameterValues {
  const c = resolveGptConfig(checkGptConfig(config, "config"));
  const { numLayers, numHeads, dModel } = c;
  checkObject(values, "values", "parameter values by name (model.values())");
  checkValues(gptSchema(c), values);
  if (!Number.isInteger(layer) || layer < 0 || layer >= numLayers) {
    throw new RangeError(
      `layer must be 0…${numLayers - 1}, got ${describe(layer)}`,
    );
  }
  if (!Number.isInteger(head) || head < 0 || head >= numHeads) {
    throw new RangeError(
      `head must be 0…${numHeads - 1}, got ${describe(head)}`,
    );
  }
  const name = `transformer.h.${layer}.attn.c_proj.weight`;
  const dK = dModel / numHeads;
  const given = values[name];
  if (!ArrayBuffer.isView(given) && !Array.isArray(given)) {
    throw new RangeError(
      `values has no parameter ${name}; the config does not fit them`,
    );
  }
  if (given.length !== dModel * dModel) {
    throw new RangeError(
      `values["${name}"] holds ${given.length} numbers, but config.dModel ${dModel} needs ${
        dModel * dModel
      }; give the config the values were made with`,
    );
  }
  const weight = Float32Array.from(given); // [dModel out, dModel in]
  for (let out = 0; out < dModel; out++) {
    weight.fill(0, out * dModel + head * dK, out * dModel + (head + 1) * dK);
  }
  return { ...values, [name]: weight };
}

/** One head's ablation. */
export interface Ablation {
  /** Layer, from 0. */
  layer: number;
  /** Head, from 0. */
  head: number;
  /** The loss with the head silenced. */
  loss: number;
  /** Its change from the intact model's loss (positive: the head helped). */
  change: number;
}

/**
 * Silences each head in turn and measures the loss on a sample; the model's
 * weights are restored afterwards.
 *
 * @param model The GPT (its weights are changed during the call, then restored).
 * @param config Its sizes.
 * @param sample Inputs and targets `[windows, T]`.
 * @returns The intact loss and one ablation per head.
 */
export function ablateHeads(
  model: Gpt,
  config: GptConfig,
  sample: Batch<TokenBatch, TokenBatch>,
): { intact: number; ablations: Ablation[] } {
  config = checkGpt(model, config);
  checkSample(sample, "sample");
  const values = model.values();
  const intact = sampleLoss(model, sample);
  const ablations: Ablation[] = [];
  try {
    for (let layer = 0; layer < config.numLayers; layer++) {
      for (let head = 0; head < config.numHeads; head++) {
        model.load(silenceHead(values, config, layer, head));
        const loss = sampleLoss(model, sample);
        ablations.push({ layer, head, loss, change: loss - intact });
      }
    }
  } finally {
    model.load(values);
  }
  return { intact, ablations };
}
