/**
 * The original demo's attention model in TensorFlow.js: one head, built from
 * the general ops of `attention.ts` (embedding lookup, scaled dot-product
 * attention) plus the Q/K/V projections. {@linkcode attentionDefinition} is
 * the model on the contract of `core/model.ts` (a schema and a forward that
 * returns the focus row's attention), which the one trainer trains;
 * {@linkcode AttentionModel} holds one and returns every intermediate tensor
 * so notebooks can show it. The model knows no loss: losses are values.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { checkObject, describe } from "../core/_describe.ts";
import {
  embeddingLookup,
  scaledDotProductAttention,
} from "../core/attention.ts";
import {
  type ForwardResult,
  Model,
  type ModelDefinition,
  type ParameterSpec as CoreParameterSpec,
} from "../core/model.ts";
import type { Loss } from "../train/trainer.ts";
import { checkAttentionCells } from "./config.ts";
import { checkSentenceIds } from "./experiment.ts";
import {
  type RowLoss,
  type SizeLossParts,
  sizeLossParts,
  sizeMask,
} from "./loss.ts";
import {
  checkEmbeddingSize,
  checkParameters,
  PARAMETER_SCHEMA,
  type ParameterName,
  type Parameters,
  parameterShape,
} from "./parameters.ts";

// tfjs prints a "use the Node.js backend" banner on first use unless
// production mode is on; readers should never see it.
tf.enableProdMode();

/**
 * The original demo's size loss for one row of attention weights, in tfjs
 * ops: `mean(1 − w[size]) + mean(w[other])`. (As a value for `trainExperiment`,
 * see `createSizeLoss`.)
 *
 * Because the weights sum to 1, the loss depends only on the total weight on
 * the size words; it lies between `sizeLossFloor` (all weight on size words)
 * and `1 + 1/|other positions|` (none on them).
 *
 * @param weights The focus word's attention weights, `[seqLen]`.
 * @param sizePositions Positions of the size words (at least one, not all).
 * @returns The loss and its parts; the caller owns and disposes them.
 * @throws {RangeError} When no position, or every position, is a size word.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { sizeLoss } from "./model.ts";
 * const w = tf.tensor1d([0.5, 0.5, 0]);
 * const { loss } = sizeLoss(w, [0, 1]);
 * if (Math.abs(loss.dataSync()[0] - 0.5) > 1e-6) throw new Error();
 * ```
 */
export function sizeLoss(
  weights: tf.Tensor1D,
  sizePositions: number[],
): SizeLossParts {
  if (!(weights instanceof tf.Tensor) || weights.rank !== 1) {
    throw new TypeError(
      `weights must be a [seqLen] tensor, got ${describe(weights)}`,
    );
  }
  if (weights.isDisposed) throw new TypeError("weights is a disposed tensor");
  return sizeLossParts(tf, weights, sizeMask(weights.shape[0], sizePositions));
}

/** Every intermediate of one forward pass. The caller owns these tensors. */
export type AttentionSteps = {
  /** Token ids, `[seqLen]` int32. */
  tokenIds: tf.Tensor1D;
  /** Embedding rows looked up for each token, `[seqLen, dModel]`. */
  embeddings: tf.Tensor2D;
  /** `Q = X · Wq + bq`, `[seqLen, dModel]`. */
  queries: tf.Tensor2D;
  /** `K = X · Wk + bk`, `[seqLen, dModel]`. */
  keys: tf.Tensor2D;
  /** `V = X · Wv + bv`, `[seqLen, dModel]`. */
  values: tf.Tensor2D;
  /** The focus word's query row `q`, `[dModel]`. */
  query: tf.Tensor1D;
  /** `K · q`, `[seqLen]`. */
  rawScores: tf.Tensor1D;
  /** `K · q / √dModel`, `[seqLen]`. */
  scaledScores: tf.Tensor1D;
  /** `softmax(scaledScores)`, `[seqLen]`, sums to 1. */
  weights: tf.Tensor1D;
  /** `weights · V`, `[dModel]`. */
  context: tf.Tensor1D;
  /** `softmax(Q · Kᵀ / √dModel)` row by row, `[seqLen, seqLen]`. */
  attentionMatrix: tf.Tensor2D;
};

/** The demo model's input: one sentence and the word whose row is asked for. */
export interface DemoInput {
  /** The sentence as token ids, `[seqLen]`. */
  tokenIds: number[];
  /** Which position's query attends to the others. */
  focusPosition: number;
}

/** Per-call options of the demo model's forward. */
export interface DemoForwardOptions {
  /**
   * `"focus"` (default): only the focus word's row, what a loss needs;
   * `"all"`: every row, the full `[seqLen, seqLen]` matrix.
   */
  rows?: "focus" | "all";
}

/**
 * The demo's parameter schema for one vocabulary size and width: the rows
 * of `PARAMETER_SCHEMA` with concrete shapes and PyTorch's initialisers
 * (`nn.Embedding` N(0, 1), `nn.Linear` U(−1/√dModel, 1/√dModel)). Its seeded
 * values are bit for bit those of `initParameters` (the same streams).
 *
 * @param vocabSize Rows of the embedding table.
 * @param dModel Width of embeddings and projections.
 * @returns The schema, in `PARAMETER_SCHEMA`'s order.
 */
export function demoSchema(
  vocabSize: number,
  dModel: number,
): CoreParameterSpec[] {
  for (const [name, value] of [["vocabSize", vocabSize], ["dModel", dModel]]) {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new RangeError(
        `${name} must be a whole number ≥ 1, got ${describe(value)}`,
      );
    }
  }
  checkEmbeddingSize(vocabSize, dModel);
  const bound = 1 / Math.sqrt(dModel);
  return PARAMETER_SCHEMA.map((spec) => ({
    name: spec.name,
    shape: parameterShape(spec, { vocabSize, dModel }),
    init: spec.init === "normal"
      ? { kind: "normal", std: 1 }
      : { kind: "uniform", bound },
  }));
}

/**
 * The original demo's model on the model contract: an embedding table and
 * Query, Key and Value projections; its forward returns the context and
 * the attention it computed, `[[1, 1, 1, seqLen]]` for the focus row
 * (`rows: "focus"`) or `[[1, 1, seqLen, seqLen]]` (`rows: "all"`).
 *
 * The focus row is computed without the keys: with `k_j = x_j · Wk + bk`,
 * the score `q · k_j = (q · Wkᵀ) · x_j + q · bk`, and the last term is the
 * same for every `j`, which softmax ignores. So the row is
 * {@linkcode scaledDotProductAttention} of the query `q · Wkᵀ` over the
 * embeddings themselves: `O(seqLen·dModel + dModel²)`, and the key bias
 * (whose gradient is exactly 0) drops out.
 *
 * @param vocabSize Rows of the embedding table.
 * @param dModel Width of embeddings and projections.
 * @returns The definition; `new Model(definition, { seed })` makes it concrete.
 *
 * @example
 * ```ts
 * import { Model } from "../core/model.ts";
 * import { attentionDefinition } from "./model.ts";
 * const model = new Model(attentionDefinition(3, 4), { seed: 1 });
 * const { output, attention } = model.forward({ tokenIds: [0, 1, 2, 1], focusPosition: 1 });
 * if (attention[0].shape.join() !== "1,1,1,4" || output.shape.join() !== "1,1,4") throw new Error();
 * output.dispose();
 * attention[0].dispose();
 * model.dispose();
 * ```
 */
export function attentionDefinition(
  vocabSize: number,
  dModel: number,
): ModelDefinition<DemoInput, DemoForwardOptions> {
  const schema = demoSchema(vocabSize, dModel);
  return {
    name: "demo attention",
    schema,
    forward: (p, input, options = {}) => {
      const { tokenIds, focusPosition } = input;
      checkSentenceIds(tokenIds, focusPosition, vocabSize);
      const seqLen = tokenIds.length;
      // x · W + b: [n, dModel] · [dModel, dModel] + [dModel] → [n, dModel]
      const project = (x: tf.Tensor2D, which: "query" | "key" | "value") =>
        tf.add(
          tf.matMul(x, p[`${which}Weight`] as tf.Tensor2D),
          p[`${which}Bias`],
        ) as tf.Tensor2D;
      const x = embeddingLookup(p.embedding as tf.Tensor2D, tokenIds); // [vocabSize, dModel] → [seqLen, dModel]
      if (options.rows === "all") {
        checkAttentionCells(
          seqLen ** 2,
          `the attention matrix [${seqLen}, ${seqLen}]`,
        );
        const all = scaledDotProductAttention(
          project(x, "query"),
          project(x, "key"),
          project(x, "value"),
        ); // output [seqLen, dModel], weights [seqLen, seqLen]
        return {
          output: all.output.reshape([1, seqLen, dModel]),
          attention: [all.weights.reshape([1, 1, seqLen, seqLen])],
        };
      }
      const xFocus = x.slice([focusPosition, 0], [1, dModel]); // [1, dModel]
      const query = project(xFocus, "query"); // [1, dModel]
      const keyQuery = tf.matMul(
        query,
        p.keyWeight as tf.Tensor2D,
        false,
        true,
      ); // [1, dModel] · [dModel, dModel]ᵀ → [1, dModel]
      // The embeddings stand in for the keys and values: only the weights are used here.
      const { weights } = scaledDotProductAttention(keyQuery, x, x); // [1, seqLen]
      const context = tf.matMul(weights, project(x, "value")); // [1, seqLen] · [seqLen, dModel] → [1, dModel]
      return {
        output: context.reshape([1, 1, dModel]),
        attention: [weights.reshape([1, 1, 1, seqLen])],
      };
    },
  };
}

/**
 * A loss of the focus row as a value for the one trainer: it reads the
 * row from the forward's attention, `[1, 1, 1, seqLen]` → `[seqLen]`, and
 * scores it with the row loss's tensor form.
 *
 * @param loss A row loss (the size loss, or your own).
 * @returns The trainer's loss, named as the row loss; `row` keeps the row loss.
 *
 * @example
 * ```ts
 * import { Model } from "../core/model.ts";
 * import { train } from "../train/trainer.ts";
 * import { createSizeLoss } from "./loss.ts";
 * import { attentionDefinition, focusRowLoss } from "./model.ts";
 * const model = new Model(attentionDefinition(3, 4), { seed: 1 });
 * const input = { tokenIds: [0, 1, 2, 1], focusPosition: 2 };
 * const history = await train(model, focusRowLoss(createSizeLoss(4, [1, 3])), () => ({ input, target: undefined }), {
 *   steps: 20, adam: { learningRate: 0.05 },
 * });
 * if (!(history.steps[19].loss < history.steps[0].loss)) throw new Error();
 * model.dispose();
 * ```
 */
export function focusRowLoss(
  loss: RowLoss,
): Loss<unknown> & { readonly row: RowLoss } {
  if (
    typeof loss !== "object" || loss === null ||
    typeof loss.name !== "string" || typeof loss.tensor !== "function" ||
    (loss.evaluate !== undefined && typeof loss.evaluate !== "function")
  ) {
    throw new TypeError(
      `loss must be a row loss {name, tensor(tf, weights)} such as createSizeLoss(...), got ${
        describe(loss)
      }`,
    );
  }
  return {
    name: loss.name,
    row: loss,
    compute: (result: ForwardResult) => {
      const attention = result.attention[0];
      const seqLen = attention.shape[attention.rank - 1];
      return loss.tensor(tf, attention.reshape([seqLen]) as tf.Tensor1D);
    },
  };
}

/** Gradients of a loss, as tensors the caller owns. */
export type AttentionGradients = {
  /** The loss value. */
  loss: number;
  /** ∂loss/∂scaledScores, `[seqLen]`. */
  scaledScores: tf.Tensor1D;
  /** ∂loss/∂parameter for every parameter, same shapes as the parameters. */
  parameters: Record<ParameterName, tf.Tensor>;
};

/** Options for {@linkcode AttentionModel.gradients}. */
export interface GradientOptions {
  /** Position of the focus word. */
  focusPosition: number;
  /** The loss of the focus row (for the demo's: `createSizeLoss(seqLen, sizePositions)`). */
  loss: RowLoss;
}

/**
 * The attention model of the notebooks: a {@linkcode Model} of
 * {@linkcode attentionDefinition}, plus every intermediate tensor of its
 * forward pass for the notebooks to show.
 *
 * @example
 * ```ts
 * import { AttentionModel, initParameters } from "../mod.ts";
 * const model = new AttentionModel(initParameters(3, 4));
 * const steps = model.forward([0, 1, 2, 1], 1);
 * if (steps.weights.shape[0] !== 4) throw new Error();
 * model.dispose();
 * ```
 */
export class AttentionModel {
  /** The model on the contract: schema, forward and variables. */
  readonly model: Model<DemoInput, DemoForwardOptions>;
  /** One tfjs variable per row of `PARAMETER_SCHEMA`, e.g. `embedding` `[vocabSize, dModel]`. */
  readonly variable: Readonly<Record<ParameterName, tf.Variable>>;
  /** Width of embeddings and projections. */
  readonly dModel: number;
  /** Number of embedding rows. */
  readonly vocabSize: number;

  /**
   * Creates the variables from plain parameters (see `initParameters`).
   *
   * @param parameters Initial values; copied into new variables.
   * @throws {RangeError} When a parameter is missing, has the wrong shape
   *   or holds a non-finite number.
   * @throws {TypeError} When `parameters` is not an object.
   */
  constructor(parameters: Parameters) {
    checkObject(
      parameters,
      "parameters",
      "an object of arrays (see initParameters)",
    );
    const { embedding } = parameters;
    if (
      !Array.isArray(embedding) || embedding.length === 0 ||
      !Array.isArray(embedding[0]) || embedding[0].length === 0
    ) {
      throw new RangeError(
        `parameters.embedding must be a non-empty [vocabSize, dModel] array, got ${
          describe(embedding)
        }`,
      );
    }
    this.vocabSize = embedding.length;
    this.dModel = embedding[0].length;
    checkParameters(parameters, {
      vocabSize: this.vocabSize,
      dModel: this.dModel,
    });
    this.model = new Model(attentionDefinition(this.vocabSize, this.dModel), {
      values: Object.fromEntries(
        PARAMETER_SCHEMA.map((spec) => [
          spec.name,
          (parameters[spec.name] as number[] | number[][]).flat(),
        ]),
      ),
    });
    this.variable = this.model.params as Record<ParameterName, tf.Variable>;
  }

  /** The embedding table, `[vocabSize, dModel]`. */
  get embedding(): tf.Variable {
    return this.variable.embedding;
  }

  /** The query projection, `[dModel, dModel]`. */
  get queryWeight(): tf.Variable {
    return this.variable.queryWeight;
  }

  /** The query bias, `[dModel]`. */
  get queryBias(): tf.Variable {
    return this.variable.queryBias;
  }

  /**
   * Runs attention step by step for the word at `focusPosition`, with the
   * general ops of `attention.ts`: {@linkcode embeddingLookup}, the three
   * projections, then {@linkcode scaledDotProductAttention} for the focus
   * row (`weights`, `context`) and for every row (`attentionMatrix`).
   *
   * @param tokenIds The sentence as token ids, `[seqLen]`.
   * @param focusPosition Which position's query attends to the others.
   * @returns Every intermediate tensor; dispose them with `tf.dispose(steps)`.
   * @throws {RangeError} For a bad token id or focus position, or a sentence
   *   whose `[seqLen, seqLen]` matrix exceeds `MAX_ATTENTION_CELLS`.
   */
  forward(tokenIds: number[], focusPosition: number): AttentionSteps {
    checkSentenceIds(tokenIds, focusPosition, this.vocabSize);
    checkAttentionCells(
      tokenIds.length ** 2,
      `the attention matrix [${tokenIds.length}, ${tokenIds.length}]`,
    );
    return tf.tidy(() => {
      const ids = tf.tensor1d(tokenIds, "int32"); // [seqLen]
      const x = embeddingLookup(this.embedding as tf.Tensor2D, tokenIds); // [vocabSize, dModel] → [seqLen, dModel]
      const queries = this.#project(x, "query"); // [seqLen, dModel]
      const keys = this.#project(x, "key"); // [seqLen, dModel]
      const values = this.#project(x, "value"); // [seqLen, dModel]
      const queryRow = queries.slice([focusPosition, 0], [1, this.dModel]); // [1, dModel]
      const query = queryRow.as1D(); // [dModel]
      // The scores, spelled out for the notebooks; the op below computes them too.
      const rawScores = tf.matMul(keys, queryRow, false, true).as1D(); // [seqLen, dModel] · [dModel, 1] → [seqLen]
      const scaledScores = tf.div(
        rawScores,
        Math.sqrt(this.dModel),
      ) as tf.Tensor1D; // [seqLen]
      const focus = scaledDotProductAttention(queryRow, keys, values); // output [1, dModel], weights [1, seqLen]
      const attention = scaledDotProductAttention(queries, keys, values); // weights [seqLen, seqLen]
      return {
        tokenIds: ids,
        embeddings: x,
        queries,
        keys,
        values,
        query,
        rawScores,
        scaledScores,
        weights: focus.weights.as1D(), // [1, seqLen] → [seqLen]
        context: focus.output.as1D(), // [1, dModel] → [dModel]
        attentionMatrix: attention.weights as tf.Tensor2D, // [seqLen, seqLen]
      };
    });
  }

  /**
   * Only the focus word's attention weights: the attention that
   * {@linkcode attentionDefinition}'s forward returns, what a loss needs and
   * what training differentiates. Same numbers as `forward(…).weights`,
   * computed without the keys (see {@linkcode attentionDefinition}).
   *
   * @param tokenIds The sentence as token ids, `[seqLen]`.
   * @param focusPosition The focus word's position.
   * @returns The weights, `[seqLen]`; the caller disposes them.
   */
  focusWeights(tokenIds: number[], focusPosition: number): tf.Tensor1D {
    return tf.tidy(() => {
      const { output, attention } = this.model.forward({
        tokenIds,
        focusPosition,
      });
      output.dispose();
      return attention[0].as1D(); // [1, 1, 1, seqLen] → [seqLen]
    });
  }

  /**
   * The model's weights in PyTorch's `nn.MultiheadAttention` layout, for
   * {@linkcode multiHeadAttention} with one head: `inProjWeight` stacks
   * `Wqᵀ`, `Wkᵀ`, `Wvᵀ` (PyTorch applies `x · Wᵀ`, the demo `x · W`), and the
   * output projection is the identity (the demo has none).
   *
   * @returns New tensors the caller disposes.
   *
   * @example
   * ```ts
   * import * as tf from "@tensorflow/tfjs";
   * import { AttentionModel, initParameters, multiHeadAttention } from "../mod.ts";
   * const model = new AttentionModel(initParameters(3, 4));
   * const weights = model.multiHeadWeights();
   * if (weights.inProjWeight.shape.join() !== "12,4") throw new Error();
   * const x = tf.gather(model.embedding, [0, 1, 2]).expandDims(0); // [1, 3, 4]
   * const result = multiHeadAttention(x, weights); // weights [1, 1, 3, 3]
   * tf.dispose([weights, x, result.output, result.weights]);
   * model.dispose();
   * ```
   */
  multiHeadWeights(): {
    inProjWeight: tf.Tensor2D;
    inProjBias: tf.Tensor1D;
    outProjWeight: tf.Tensor2D;
    outProjBias: tf.Tensor1D;
  } {
    const v = this.variable;
    return tf.tidy(() => ({
      inProjWeight: tf.concat([
        v.queryWeight.transpose(),
        v.keyWeight.transpose(),
        v.valueWeight.transpose(),
      ]) as tf.Tensor2D, // 3 × [dModel, dModel] → [3·dModel, dModel]
      inProjBias: tf.concat([
        v.queryBias,
        v.keyBias,
        v.valueBias,
      ]) as tf.Tensor1D, // [3·dModel]
      outProjWeight: tf.eye(this.dModel), // [dModel, dModel]
      outProjBias: tf.zeros([this.dModel]), // [dModel]
    }));
  }

  /**
   * The gradient of a loss of the focus row with respect to the scaled
   * scores and to every parameter, computed by tfjs's automatic
   * differentiation. The model knows no loss: it is passed in.
   *
   * @param tokenIds The sentence as token ids, `[seqLen]`.
   * @param options The focus position and the loss.
   * @returns The loss and the gradients; dispose the tensors when done.
   * @throws {RangeError} For a bad token id or focus position, or a loss
   *   made for another length.
   * @throws {TypeError} When `options.loss` is not a row loss.
   */
  gradients(
    tokenIds: number[],
    options: GradientOptions,
  ): AttentionGradients {
    const { focusPosition, loss } = options;
    if (typeof loss?.tensor !== "function") {
      throw new TypeError(
        `gradients needs options.loss, a row loss such as createSizeLoss(seqLen, sizePositions), got ${
          describe(loss)
        }`,
      );
    }
    checkSentenceIds(tokenIds, focusPosition, this.vocabSize);
    // A loss that rejects the row throws here, where tidy frees everything
    // (a throw inside tfjs's gradient machinery can leave a tensor behind).
    tf.tidy(() => {
      loss.tensor(tf, this.focusWeights(tokenIds, focusPosition));
    });
    const scoreGradient = tf.tidy(() => {
      const steps = this.forward(tokenIds, focusPosition); // freed by tidy
      return tf.grad((z: tf.Tensor) =>
        loss.tensor(tf, tf.softmax(z) as tf.Tensor1D)
      )(steps.scaledScores);
    }) as tf.Tensor1D;
    const { value, grads } = tf.variableGrads(
      () => loss.tensor(tf, this.focusWeights(tokenIds, focusPosition)),
      this.variables(),
    );
    const lossValue = value.dataSync()[0];
    value.dispose();
    const parameters = {} as Record<ParameterName, tf.Tensor>;
    for (const spec of PARAMETER_SCHEMA) {
      const variable = this.variable[spec.name];
      parameters[spec.name] = grads[variable.name] ?? tf.zerosLike(variable);
    }
    return { loss: lossValue, scaledScores: scoreGradient, parameters };
  }

  /**
   * Reads the current variables back into plain arrays.
   *
   * @returns A snapshot of the parameters.
   */
  parameters(): Parameters {
    return Object.fromEntries(
      PARAMETER_SCHEMA.map((spec) => [
        spec.name,
        this.variable[spec.name].arraySync(),
      ]),
    ) as Parameters;
  }

  /** The trainable variables, in schema order. */
  variables(): tf.Variable[] {
    return Object.values(this.variable);
  }

  /** Frees every variable of the model. */
  dispose(): void {
    this.model.dispose();
  }

  // x · W + b: [n, dModel] · [dModel, dModel] + [dModel] → [n, dModel]
  #project(x: tf.Tensor2D, which: "query" | "key" | "value"): tf.Tensor2D {
    const weight = this.variable[`${which}Weight`] as tf.Tensor2D;
    return tf.add(tf.matMul(x, weight), this.variable[`${which}Bias`]);
  }
}
