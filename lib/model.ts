/**
 * The attention model in TensorFlow.js, one readable op per step: embedding
 * lookup, Q/K/V projections, scaled scores, softmax, context. This is the
 * teaching path; every intermediate tensor is returned so notebooks can show it.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { describe } from "./_describe.ts";
import { checkAttentionCells } from "./config.ts";
import { sizeLoss, sizeMask } from "./loss.ts";
import { checkParameters, type Parameters } from "./parameters.ts";

// tfjs prints a "use the Node.js backend" banner on first use unless
// production mode is on; readers should never see it.
tf.enableProdMode();

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

/** Gradients of the size loss, as tensors the caller owns. */
export type AttentionGradients = {
  /** The loss value. */
  loss: number;
  /** ∂loss/∂scaledScores, `[seqLen]`. */
  scaledScores: tf.Tensor1D;
  /** ∂loss/∂parameter for every parameter, same shapes as the parameters. */
  parameters: Record<keyof Parameters, tf.Tensor>;
};

/** Options for {@linkcode AttentionModel.gradients}. */
export interface GradientOptions {
  /** Position of the focus word. */
  focusPosition: number;
  /** Positions of the size words. */
  sizePositions: number[];
}

/**
 * The attention model: an embedding table and Query, Key and Value
 * projections, held as tfjs variables.
 *
 * @example
 * ```ts
 * import { AttentionModel, initParameters } from "./mod.ts";
 * const model = new AttentionModel(initParameters(3, 4));
 * const steps = model.forward([0, 1, 2, 1], 1);
 * if (steps.weights.shape[0] !== 4) throw new Error();
 * model.dispose();
 * ```
 */
export class AttentionModel {
  /** `[vocabSize, dModel]` */
  readonly embedding: tf.Variable;
  /** `[dModel, dModel]` */
  readonly queryWeight: tf.Variable;
  /** `[dModel]` */
  readonly queryBias: tf.Variable;
  /** `[dModel, dModel]` */
  readonly keyWeight: tf.Variable;
  /** `[dModel]` */
  readonly keyBias: tf.Variable;
  /** `[dModel, dModel]` */
  readonly valueWeight: tf.Variable;
  /** `[dModel]` */
  readonly valueBias: tf.Variable;
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
    if (typeof parameters !== "object" || parameters === null) {
      throw new TypeError(
        `AttentionModel needs parameters (see initParameters), got ${
          describe(parameters)
        }`,
      );
    }
    for (const name of ["embedding", "queryWeight"] as const) {
      if (!Array.isArray(parameters[name]) || parameters[name].length === 0) {
        throw new RangeError(
          `parameter ${name} must be a non-empty array of rows, got ${
            describe(parameters[name])
          }`,
        );
      }
    }
    this.vocabSize = parameters.embedding.length;
    this.dModel = parameters.queryWeight.length;
    checkParameters(parameters, {
      vocabSize: this.vocabSize,
      dModel: this.dModel,
    });
    const variable = (values: number[][] | number[]) => {
      const initial = tf.tensor(values, undefined, "float32");
      const v = tf.variable(initial); // copies; the initial tensor is ours to free
      initial.dispose();
      return v;
    };
    this.embedding = variable(parameters.embedding);
    this.queryWeight = variable(parameters.queryWeight);
    this.queryBias = variable(parameters.queryBias);
    this.keyWeight = variable(parameters.keyWeight);
    this.keyBias = variable(parameters.keyBias);
    this.valueWeight = variable(parameters.valueWeight);
    this.valueBias = variable(parameters.valueBias);
  }

  /**
   * Runs attention step by step for the word at `focusPosition`.
   *
   * @param tokenIds The sentence as token ids, `[seqLen]`.
   * @param focusPosition Which position's query attends to the others.
   * @returns Every intermediate tensor; dispose them with `tf.dispose(steps)`.
   * @throws {RangeError} For a bad token id or focus position, or a sentence
   *   whose `[seqLen, seqLen]` matrix exceeds `MAX_ATTENTION_CELLS`.
   */
  forward(tokenIds: number[], focusPosition: number): AttentionSteps {
    this.#checkInput(tokenIds, focusPosition);
    checkAttentionCells(
      tokenIds.length ** 2,
      `the attention matrix [${tokenIds.length}, ${tokenIds.length}]`,
    );
    return tf.tidy(() => {
      const ids = tf.tensor1d(tokenIds, "int32"); // [seqLen]
      const x = tf.gather(this.embedding, ids) as tf.Tensor2D; // [vocabSize, dModel] → [seqLen, dModel]
      const queries = this.#project(x, this.queryWeight, this.queryBias); // [seqLen, dModel]
      const keys = this.#project(x, this.keyWeight, this.keyBias); // [seqLen, dModel]
      const values = this.#project(x, this.valueWeight, this.valueBias); // [seqLen, dModel]
      const query = tf.gather(queries, focusPosition).as1D(); // [seqLen, dModel] → [dModel]
      const rawScores = tf.matMul(keys, query.expandDims(1)).squeeze([
        1,
      ]) as tf.Tensor1D; // [seqLen, dModel] · [dModel, 1] → [seqLen]
      const scaledScores = tf.div(
        rawScores,
        Math.sqrt(this.dModel),
      ) as tf.Tensor1D; // [seqLen]
      const weights = tf.softmax(scaledScores) as tf.Tensor1D; // [seqLen]
      const context = tf.matMul(weights.expandDims(0), values).squeeze([
        0,
      ]) as tf.Tensor1D; // [1, seqLen] · [seqLen, dModel] → [dModel]
      const attentionMatrix = tf.softmax(
        tf.div(tf.matMul(queries, keys, false, true), Math.sqrt(this.dModel)),
      ) as tf.Tensor2D; // [seqLen, dModel] · [dModel, seqLen] → [seqLen, seqLen]
      return {
        tokenIds: ids,
        embeddings: x,
        queries,
        keys,
        values,
        query,
        rawScores,
        scaledScores,
        weights,
        context,
        attentionMatrix,
      };
    });
  }

  /**
   * Only the focus word's attention weights: the part of {@linkcode forward}
   * that the loss needs.
   *
   * @param tokenIds The sentence as token ids, `[seqLen]`.
   * @param focusPosition The focus word's position.
   * @returns The weights, `[seqLen]`; the caller disposes them.
   */
  focusWeights(tokenIds: number[], focusPosition: number): tf.Tensor1D {
    this.#checkInput(tokenIds, focusPosition);
    return tf.tidy(() => {
      const x = tf.gather(
        this.embedding,
        tf.tensor1d(tokenIds, "int32"),
      ) as tf.Tensor2D; // [seqLen, dModel]
      const xFocus = tf.gather(x, [focusPosition]); // [1, dModel]
      const query = this.#project(
        xFocus as tf.Tensor2D,
        this.queryWeight,
        this.queryBias,
      ); // [1, dModel]
      const keys = this.#project(x, this.keyWeight, this.keyBias); // [seqLen, dModel]
      const scores = tf.matMul(query, keys, false, true).squeeze([0]); // [1, dModel] · [dModel, seqLen] → [seqLen]
      return tf.softmax(tf.div(scores, Math.sqrt(this.dModel))) as tf.Tensor1D;
    });
  }

  /**
   * The gradient of the size loss with respect to the scaled scores and to
   * every parameter, computed by tfjs's automatic differentiation.
   *
   * @param tokenIds The sentence as token ids, `[seqLen]`.
   * @param options The focus position and the size positions.
   * @returns The loss and the gradients; dispose the tensors when done.
   * @throws {RangeError} For a bad token id, focus position or size positions.
   */
  gradients(
    tokenIds: number[],
    options: GradientOptions,
  ): AttentionGradients {
    const { focusPosition, sizePositions } = options;
    this.#checkInput(tokenIds, focusPosition);
    sizeMask(tokenIds.length, sizePositions); // checks them before any tensor exists
    const scoreGradient = tf.tidy(() => {
      const { scaledScores } = this.forward(tokenIds, focusPosition); // freed by tidy
      return tf.grad((z: tf.Tensor) =>
        sizeLoss(tf.softmax(z) as tf.Tensor1D, sizePositions).loss
      )(scaledScores);
    }) as tf.Tensor1D;
    const { value, grads } = tf.variableGrads(
      () =>
        sizeLoss(this.focusWeights(tokenIds, focusPosition), sizePositions)
          .loss,
      this.#variables(),
    );
    const loss = value.dataSync()[0];
    value.dispose();
    const parameters = {} as Record<keyof Parameters, tf.Tensor>;
    for (const [name, variable] of Object.entries(this.#named())) {
      parameters[name as keyof Parameters] = grads[variable.name] ??
        tf.zerosLike(variable);
    }
    return { loss, scaledScores: scoreGradient, parameters };
  }

  /**
   * Reads the current variables back into plain arrays.
   *
   * @returns A snapshot of the parameters.
   */
  parameters(): Parameters {
    const named = this.#named();
    return {
      embedding: named.embedding.arraySync() as number[][],
      queryWeight: named.queryWeight.arraySync() as number[][],
      queryBias: named.queryBias.arraySync() as number[],
      keyWeight: named.keyWeight.arraySync() as number[][],
      keyBias: named.keyBias.arraySync() as number[],
      valueWeight: named.valueWeight.arraySync() as number[][],
      valueBias: named.valueBias.arraySync() as number[],
    };
  }

  /** The trainable variables, in a fixed order. */
  variables(): tf.Variable[] {
    return this.#variables();
  }

  /** Frees every variable of the model. */
  dispose(): void {
    tf.dispose(this.#variables());
  }

  #named(): Record<keyof Parameters, tf.Variable> {
    return {
      embedding: this.embedding,
      queryWeight: this.queryWeight,
      queryBias: this.queryBias,
      keyWeight: this.keyWeight,
      keyBias: this.keyBias,
      valueWeight: this.valueWeight,
      valueBias: this.valueBias,
    };
  }

  #variables(): tf.Variable[] {
    return Object.values(this.#named());
  }

  // x · W + b: [n, dModel] · [dModel, dModel] + [dModel] → [n, dModel]
  #project(
    x: tf.Tensor2D,
    weight: tf.Variable,
    bias: tf.Variable,
  ): tf.Tensor2D {
    return tf.add(tf.matMul(x, weight as tf.Tensor2D), bias);
  }

  #checkInput(tokenIds: number[], focusPosition: number): void {
    if (tokenIds.length === 0) {
      throw new RangeError("the sentence has no tokens");
    }
    for (const id of tokenIds) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new RangeError(
          `token id ${id} is outside the vocabulary (0…${this.vocabSize - 1})`,
        );
      }
    }
    if (
      !Number.isInteger(focusPosition) || focusPosition < 0 ||
      focusPosition >= tokenIds.length
    ) {
      throw new RangeError(
        `focus position ${focusPosition} is outside the sentence (0…${
          tokenIds.length - 1
        })`,
      );
    }
  }
}
