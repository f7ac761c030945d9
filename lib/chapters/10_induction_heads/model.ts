/**
 * Chapter 10's model: a decoder of attention layers only (no MLP, no layer
 * norm), causal, with learned positions and a linear read-out, as in Elhage
 * et al.'s two-layer attention-only transformers. Its forward can ablate a
 * head (zero its output before W_O) and cut a composition (let layer 1's
 * queries, keys or values read the embeddings instead of the residual
 * stream), the interventions the chapter uses to test what each head does.
 *
 * Shape names: `B` sequences, `T` positions (`seqLen`), `dModel` width,
 * `heads` heads per layer, `dK = dModel / heads`, `vocabSize` token ids.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type {
  ForwardResult,
  Init,
  ModelDefinition,
  ParameterSpec,
} from "../../core/model.ts";
import { causalMask, embeddingLookup } from "../../core/attention.ts";
import { checkIndices, checkObject, describe } from "../../core/_describe.ts";
import { MAX_PARAMETERS } from "../../core/limits.ts";

/** The model's shape. */
export interface InductionModelConfig {
  /** Attention layers. */
  layers: number;
  /** Heads per layer; must divide `dModel`. */
  heads: number;
  /** Width of the residual stream. */
  dModel: number;
  /** Token ids, `[BOS]` included. */
  vocabSize: number;
  /** Longest sequence the position table covers. */
  seqLen: number;
}

/** The chapter's model, as in the PyTorch sketch. */
export const DEFAULT_MODEL_CONFIG: Readonly<InductionModelConfig> = Object
  .freeze({
    layers: 2, // the fewest in which an induction head can form
    heads: 2, // per layer: room for a previous-token head and another
    dModel: 32, // two heads of width 16
    vocabSize: 64, // as the data (data.ts)
    seqLen: 25, // as the data
  });

/** One head of the model. */
export interface HeadRef {
  /** Layer, from 0. */
  layer: number;
  /** Head within the layer, from 0. */
  head: number;
}

/** Where layer 1's queries, keys or values read from. */
export type Source = "residual" | "embeddings";

/** The interventions of {@linkcode inductionForward}. Default: none. */
export interface InductionForwardOptions {
  /** Heads whose output is zeroed before W_O. */
  ablate?: HeadRef[];
  /**
   * What the last layer's keys read: `"residual"` (the normal model, what
   * the earlier layers wrote included) or `"embeddings"` (token and
   * position only, as if the earlier layers had written nothing). Cutting
   * the keys' input tests K-composition. Default "residual".
   */
  keys?: Source;
  /** The same for the last layer's queries (Q-composition). Default "residual". */
  queries?: Source;
  /** The same for the last layer's values (V-composition). Default "residual". */
  values?: Source;
}

/** What one forward pass returns; the caller owns the tensors. */
export interface InductionForward extends ForwardResult {
  /** Next-token logits at every position, `[B, T, vocabSize]`. */
  output: tf.Tensor3D;
  /** Each layer's attention weights, `layers × [B, heads, T, T]`. */
  attention: tf.Tensor4D[];
}

/**
 * The parameter schema: names, shapes and initialisations, in order. All
 * projections are applied as `x · W` (shape `[in, out]`); none has a bias.
 *
 * @param config The model's shape.
 * @returns The parameters.
 *
 * @example
 * ```ts
 * import { DEFAULT_MODEL_CONFIG, inductionSchema } from "./model.ts";
 * const names = inductionSchema(DEFAULT_MODEL_CONFIG).map((p) => p.name);
 * if (names.length !== 11 || names[2] !== "layer0.query") throw new Error();
 * ```
 */
export function inductionSchema(
  config: InductionModelConfig,
): ParameterSpec[] {
  config = resolveModelConfig(config);
  const { dModel: d, vocabSize: V } = config;
  const linear: Init = { kind: "uniform", bound: 1 / Math.sqrt(d) }; // nn.Linear
  return [
    { name: "embedding", shape: [V, d], init: { kind: "normal", std: 1 } }, // nn.Embedding
    {
      name: "positions",
      shape: [config.seqLen, d],
      init: { kind: "normal", std: 1 },
    },
    ...Array.from(
      { length: config.layers },
      (_, l) =>
        ["query", "key", "value", "output"].map((part) => ({
          name: `layer${l}.${part}`,
          shape: [d, d],
          init: linear,
        })),
    ).flat(),
    { name: "readout", shape: [d, V], init: linear },
  ];
}

/**
 * Checks a model configuration.
 *
 * @param config Fields to change from {@linkcode DEFAULT_MODEL_CONFIG}.
 * @returns The full configuration.
 * @throws {RangeError} For a field that is not a whole number ≥ 1, or heads
 *   that do not divide `dModel`.
 */
export function resolveModelConfig(
  config: Partial<InductionModelConfig> = {},
): InductionModelConfig {
  const c = { ...DEFAULT_MODEL_CONFIG, ...config };
  for (
    const key of Object.keys(
      DEFAULT_MODEL_CONFIG,
    ) as (keyof InductionModelConfig)[]
  ) {
    if (!Number.isInteger(c[key]) || c[key] < 1) {
      throw new RangeError(
        `${key} must be a whole number ≥ 1, got ${describe(c[key])}`,
      );
    }
  }
  // embedding and readout, positions, four [d, d] matrices per layer
  const count = 2 * c.vocabSize * c.dModel + c.seqLen * c.dModel +
    4 * c.layers * c.dModel ** 2;
  if (!(count <= MAX_PARAMETERS)) {
    throw new RangeError(
      `layers ${c.layers}, dModel ${c.dModel}, vocabSize ${c.vocabSize} and seqLen ${c.seqLen} make ${count} parameters, more than the limit of ${MAX_PARAMETERS}; use a smaller model`,
    );
  }
  if (c.dModel % c.heads !== 0) {
    throw new RangeError(
      `heads (${c.heads}) must divide dModel (${c.dModel})`,
    );
  }
  return c;
}

/** The model as a definition: its name, parameter schema and forward pass. */
export interface InductionDefinition
  extends ModelDefinition<number[][], InductionForwardOptions> {
  /** The shape it was built with. */
  readonly config: InductionModelConfig;
  /**
   * The forward pass: token and position embeddings, then per layer
   * `x ← x + concat_h(softmax(Q_h K_hᵀ/√dK + causal) V_h) · W_O`, then
   * logits `x · W_U`.
   *
   * @param params The parameters by name; not disposed.
   * @param tokens Token ids, `[B][T]` with `T ≤ seqLen`.
   * @param options Ablations and cut compositions.
   * @returns Logits `[B, T, vocabSize]` and attention `layers × [B, heads, T, T]`.
   * @throws {RangeError} For ragged or out-of-range tokens, or a head that
   *   does not exist.
   */
  forward(
    params: Readonly<Record<string, tf.Tensor>>,
    tokens: number[][],
    options?: InductionForwardOptions,
  ): InductionForward;
}

/**
 * The attention-only decoder of this chapter, for a configuration.
 *
 * @param config Fields to change from {@linkcode DEFAULT_MODEL_CONFIG}
 *   (`{ layers: 1 }` is the chapter's one-layer control).
 * @returns The definition.
 * @throws {RangeError} For a bad configuration.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Model } from "../../core/model.ts";
 * import { inductionModel } from "./model.ts";
 * const model = new Model(inductionModel({ seqLen: 4 }), { seed: 1 });
 * const { output, attention } = model.forward([[0, 5, 6, 5]]);
 * if (output.shape.join() !== "1,4,64" || attention[1].shape.join() !== "1,2,4,4") throw new Error();
 * tf.dispose([output, ...attention]);
 * model.dispose();
 * ```
 */
export function inductionModel(
  config: Partial<InductionModelConfig> = {},
): InductionDefinition {
  const c = resolveModelConfig(config);
  return {
    name: `attention-only, ${c.layers} layer(s) × ${c.heads} heads`,
    config: c,
    schema: inductionSchema(c),
    forward: (params, tokens, options = {}) =>
      forward(c, params, tokens, options),
  };
}

function forward(
  c: InductionModelConfig,
  params: Readonly<Record<string, tf.Tensor>>,
  tokens: number[][],
  options: InductionForwardOptions,
): InductionForward {
  const { layers, heads, dModel: d } = c;
  const dK = d / heads;
  const B = Array.isArray(tokens) ? tokens.length : 0;
  const T = Array.isArray(tokens?.[0]) ? tokens[0].length : 0;
  if (B === 0 || T === 0 || tokens.some((row) => row?.length !== T)) {
    throw new RangeError(
      "tokens must be [B][T] with B ≥ 1 and every row of the same length T ≥ 1",
    );
  }
  if (T > c.seqLen) {
    throw new RangeError(
      `sequences of ${T} tokens are longer than the position table (${c.seqLen})`,
    );
  }
  const ablate = options.ablate ?? [];
  if (!Array.isArray(ablate)) {
    throw new TypeError(
      `ablate must be a list of heads {layer, head}, got ${describe(ablate)}`,
    );
  }
  for (const [i, ref] of ablate.entries()) {
    checkObject(ref, `ablate[${i}]`, "a head {layer, head}");
    const { layer, head } = ref;
    if (
      !(Number.isInteger(layer) && layer >= 0 && layer < layers &&
        Number.isInteger(head) && head >= 0 && head < heads)
    ) {
      throw new RangeError(
        `ablate: no head ${describe(layer)}.${describe(head)}: layers 0…${
          layers - 1
        }, heads 0…${heads - 1}`,
      );
    }
  }
  checkIndices(
    tokens.flat(),
    "tokens",
    "tokens: token id",
    c.vocabSize,
    "the vocabulary",
  );
  const mask = causalMask(T); // [T, T]
  const result = tf.tidy(() => {
    const rows = embeddingLookup(
      params.embedding as tf.Tensor2D,
      tokens.flat(),
    ); // [B·T, dModel]
    const positions = tf.slice(params.positions, [0, 0], [T, d]); // [seqLen, dModel] → [T, dModel]
    const x0 = tf.add(rows.reshape([B, T, d]), positions); // [B, T, dModel]
    let x: tf.Tensor = x0;
    const attention: tf.Tensor4D[] = [];
    const split = (t: tf.Tensor) =>
      t.reshape([B, T, heads, dK]).transpose([0, 2, 1, 3]); // [B·T, dModel] → [B, heads, T, dK]
    for (let l = 0; l < layers; l++) {
      const last = l === layers - 1;
      const from = (source: Source | undefined) =>
        (last && source === "embeddings" ? x0 : x).reshape([B * T, d]); // [B·T, dModel]
      const project = (source: Source | undefined, part: string) =>
        split(tf.matMul(from(source), params[`layer${l}.${part}`])); // [B·T, dModel] · [dModel, dModel] → [B, heads, T, dK]
      // scaled dot-product attention, the steps of lib/core/attention.ts's
      // scaledDotProductAttention
      const q = project(options.queries, "query"); // [B, heads, T, dK]
      const k = project(options.keys, "key"); // [B, heads, T, dK]
      const v = project(options.values, "value"); // [B, heads, T, dK]
      const scores = tf.add(
        tf.matMul(tf.mul(q, 1 / Math.sqrt(dK)), k.transpose([0, 1, 3, 2])), // [B, heads, T, dK] · [B, heads, dK, T] → [B, heads, T, T]
        mask, // −∞ above the diagonal: no position sees a later one
      );
      const weights = tf.softmax(scores); // [B, heads, T, T], rows sum to 1
      const attended = { output: tf.matMul(weights, v), weights }; // [B, heads, T, T] · [B, heads, T, dK] → [B, heads, T, dK]
      let z = attended.output;
      const off = (options.ablate ?? []).filter((h) => h.layer === l);
      if (off.length > 0) {
        const kept = Array.from(
          { length: heads },
          (_, h) => off.some((o) => o.head === h) ? 0 : 1,
        );
        z = tf.mul(z, tf.tensor4d(kept, [1, heads, 1, 1])); // the ablated heads' slices → 0
      }
      const concat = z.transpose([0, 2, 1, 3]).reshape([B * T, d]); // [B, heads, T, dK] → [B·T, dModel]
      const written = tf.matMul(concat, params[`layer${l}.output`]); // [B·T, dModel] · [dModel, dModel] → [B·T, dModel]
      x = tf.add(x, written.reshape([B, T, d])); // residual, [B, T, dModel]
      attention.push(attended.weights as tf.Tensor4D);
    }
    const logits = tf.matMul(x.reshape([B * T, d]), params.readout) // [B·T, dModel] · [dModel, vocabSize] → [B·T, vocabSize]
      .reshape([B, T, c.vocabSize]) as tf.Tensor3D; // → [B, T, vocabSize]
    return { output: logits, attention };
  });
  mask.dispose();
  return result;
}
