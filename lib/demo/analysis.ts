/**
 * After training: rank the tokens by the focus word's attention, sum the
 * weight on the size words, and format the original demo's report lines.
 * @module
 */

import { describe } from "../core/_describe.ts";
import type { Experiment } from "./experiment.ts";

/** One position's attention weight. */
export interface TokenWeight {
  /** The token at this position. */
  token: string;
  /** Its position in the sentence. */
  position: number;
  /** The focus word's attention weight on it. */
  weight: number;
}

/** The original demo's analysis. */
export interface AttentionAnalysis {
  /** Every position, in sentence order, `[seqLen]`. */
  weights: TokenWeight[];
  /** Every position, highest weight first (ties keep sentence order). */
  ranking: TokenWeight[];
  /** Sum of the weights on size-word positions. */
  combinedSizeWeight: number;
}

/**
 * Ranks the tokens by attention weight and sums the size words' weight.
 *
 * @param experiment The experiment the weights belong to.
 * @param weights The focus word's attention weights, `[seqLen]`.
 * @returns The weights per position, the ranking and the combined size weight.
 * @throws {RangeError} When `weights` does not have one entry per token.
 *
 * @example
 * ```ts
 * import { analyzeAttention, prepareExperiment } from "../mod.ts";
 * const experiment = prepareExperiment({ sentence: "it was too big", sizeWords: ["too"] });
 * const analysis = analyzeAttention(experiment, [0.1, 0.2, 0.6, 0.1]);
 * if (analysis.ranking[0].token !== "too" || analysis.combinedSizeWeight !== 0.6) throw new Error();
 * ```
 */
export function analyzeAttention(
  experiment: Experiment,
  weights: ArrayLike<number>,
): AttentionAnalysis {
  const { tokens, sizePositions } = experiment;
  if (weights.length !== tokens.length) {
    throw new RangeError(
      `expected ${tokens.length} weights (one per token), got ${weights.length}`,
    );
  }
  const records = tokens.map((token, position) => ({
    token,
    position,
    weight: weights[position],
  }));
  const ranking = [...records].sort((a, b) =>
    b.weight - a.weight || a.position - b.position
  );
  const combinedSizeWeight = sizePositions.reduce(
    (sum, p) => sum + weights[p],
    0,
  );
  return { weights: records, ranking, combinedSizeWeight };
}

/**
 * The original demo's progress line.
 *
 * @param epoch Epoch number, from 0.
 * @param loss The loss at that epoch.
 * @returns For example `Epoch: 20, Loss: 0.9871`.
 * @throws {RangeError} When `epoch` is not a whole number ≥ 0.
 * @throws {TypeError} When `loss` is not a number.
 */
export function formatEpoch(epoch: number, loss: number): string {
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new RangeError(
      `epoch must be a whole number ≥ 0, got ${describe(epoch)}`,
    );
  }
  if (typeof loss !== "number") {
    throw new TypeError(`loss must be a number, got ${describe(loss)}`);
  }
  return `Epoch: ${epoch}, Loss: ${loss.toFixed(4)}`;
}

/**
 * The original demo's analysis, line for line.
 *
 * @param analysis The result of {@linkcode analyzeAttention}.
 * @returns The report: a heading, one line per token, the combined weight.
 *
 * @example
 * ```ts
 * import { analyzeAttention, formatAnalysis, prepareExperiment } from "../mod.ts";
 * const experiment = prepareExperiment({ sentence: "it was too big", sizeWords: ["too"] });
 * const text = formatAnalysis(analyzeAttention(experiment, [0.1, 0.2, 0.6, 0.1]));
 * if (!text.includes("Token: too             Attention Weight: 0.6000")) throw new Error(text);
 * ```
 */
export function formatAnalysis(analysis: AttentionAnalysis): string {
  return [
    "Attention Pattern Analysis:",
    "Token Importance Ranking:",
    ...analysis.ranking.map((r) =>
      `Token: ${r.token.padEnd(15)} Attention Weight: ${r.weight.toFixed(4)}`
    ),
    "",
    `Combined weight for size-related words: ${
      analysis.combinedSizeWeight.toFixed(4)
    }`,
  ].join("\n");
}
