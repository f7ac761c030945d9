/**
 * After training: rank the tokens by the focus word's attention, sum the
 * weight on the size words, and format the original demo's report lines.
 * @module
 */

import { checkOptions, describe } from "../core/_describe.ts";
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
  if (
    typeof experiment !== "object" || experiment === null ||
    !Array.isArray(experiment.tokens) ||
    !Array.isArray(experiment.sizePositions)
  ) {
    throw new TypeError(
      `experiment must come from prepareExperiment, got ${
        describe(experiment)
      }`,
    );
  }
  const { tokens, sizePositions } = experiment;
  if (
    !sizePositions.every((p) =>
      Number.isInteger(p) && p >= 0 && p < tokens.length
    )
  ) {
    throw new RangeError(
      `experiment.sizePositions must be positions in the sentence (0…${
        tokens.length - 1
      }), got ${describe(sizePositions)}`,
    );
  }
  if (
    typeof weights !== "object" || weights === null ||
    typeof weights.length !== "number"
  ) {
    throw new TypeError(
      `weights must be a list of numbers, one per token, got ${
        describe(weights)
      }`,
    );
  }
  if (weights.length !== tokens.length) {
    throw new RangeError(
      `expected ${tokens.length} weights (one per token), got ${weights.length}`,
    );
  }
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (typeof w !== "number" || !(w >= 0 && w <= 1)) {
      throw new RangeError(
        `weights must be numbers from 0 to 1; weight ${i} is ${describe(w)}`,
      );
    }
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

/** Options for {@linkcode progressLines}. */
export interface ProgressLinesOptions {
  /** A line every this many epochs: 20, as the original demo prints. */
  every?: number;
  /** At most this many lines (evenly spaced, plus a note saying so): 20, a screenful. */
  most?: number;
}

/**
 * The original demo's progress report of a finished run, one
 * {@linkcode formatEpoch} line every 20 epochs, thinned for long runs: at
 * most `most` lines, evenly spaced from the first to the last, then a line
 * saying how many were left out (100,000 epochs would print 5,000 lines).
 *
 * @param history The loss of every epoch, as `trainExperiment` returns it.
 * @param options How often and how many lines.
 * @returns The lines to print.
 * @throws {TypeError} When `history` is not a list of {epoch, loss}.
 * @throws {RangeError} When `every` or `most` is not a whole number ≥ 1.
 *
 * @example
 * ```ts
 * import { progressLines } from "./analysis.ts";
 * const history = Array.from({ length: 100000 }, (_, epoch) => ({ epoch, loss: 1 }));
 * const lines = progressLines(history);
 * if (lines.length !== 21 || !lines[20].includes("20 of 5000")) throw new Error(lines[20]);
 * ```
 */
export function progressLines(
  history: readonly { epoch: number; loss: number }[],
  options: ProgressLinesOptions = {},
): string[] {
  if (!Array.isArray(history)) {
    throw new TypeError(
      `history must be a list of {epoch, loss}, got ${describe(history)}`,
    );
  }
  const { every = 20, most = 20 } = checkOptions(options);
  for (const [name, value] of [["every", every], ["most", most]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `${name} must be a whole number ≥ 1, got ${describe(value)}`,
      );
    }
  }
  const due = history.filter((record) => record?.epoch % every === 0);
  const shown = due.length <= most ? due : Array.from(
    { length: most },
    (_, i) => due[Math.round(i * (due.length - 1) / (most - 1 || 1))],
  );
  const lines = shown.map(({ epoch, loss }) => formatEpoch(epoch, loss));
  if (shown.length < due.length) {
    lines.push(
      `(${shown.length} of ${due.length} progress lines shown, evenly spaced; the history holds every epoch)`,
    );
  }
  return lines;
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
  if (
    typeof analysis !== "object" || analysis === null ||
    !Array.isArray(analysis.ranking) ||
    !analysis.ranking.every((r) =>
      typeof r?.token === "string" && typeof r.weight === "number"
    ) ||
    typeof analysis.combinedSizeWeight !== "number"
  ) {
    throw new TypeError(
      `analysis must come from analyzeAttention ({ranking, combinedSizeWeight, …}), got ${
        describe(analysis)
      }`,
    );
  }
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
