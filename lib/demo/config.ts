/**
 * The one configuration object of the tutorial, its defaults (those of the
 * original PyTorch demo) and the checks that turn bad values into clear errors.
 * @module
 */

import { checkObject, describe } from "../core/_describe.ts";
import { MAX_D_MODEL, MAX_SEED } from "./parameters.ts";

/** Everything that defines one attention experiment. */
export interface AttentionConfig {
  /** The sentence whose words attend to each other. */
  sentence: string;
  /** The word whose query row we study (its first occurrence). */
  focusWord: string;
  /** Words the size loss pulls the focus word's attention towards. */
  sizeWords: string[];
  /** Width of embeddings and of the Q/K/V projections. */
  dModel: number;
  /** Adam's step size. */
  learningRate: number;
  /** Number of training epochs (one Adam step each). */
  epochs: number;
  /** Seed for the initial parameters; the same seed gives the same numbers. */
  seed: number;
}

/** The original demo's settings. */
export const DEFAULT_CONFIG: Readonly<AttentionConfig> = Object.freeze({
  // as in the original demo
  sentence: "The pink elephant tried to get into the car but it was too",
  // as in the original demo: "it" must work out what was too big
  focusWord: "it",
  // as in the original demo: the words that carry the notion of size
  sizeWords: Object.freeze(["elephant", "car", "too"]) as unknown as string[],
  // as in the original demo: small enough to print every number
  dModel: 4,
  // as in the original demo (Adam's usual default)
  learningRate: 0.001,
  // as in the original demo
  epochs: 200,
  // the seed of the tutorial's outputs; with it all three size words end on top
  seed: 0,
});

/** Adam's constants, as in PyTorch's defaults and the original demo; every engine uses them. */
export const ADAM: Readonly<{ beta1: number; beta2: number; epsilon: number }> =
  Object.freeze({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

/**
 * Fills in defaults for missing fields and checks every numeric field.
 *
 * Word-level checks (is the focus word in the sentence?) happen in
 * {@linkcode prepareExperiment}, which knows the tokens.
 *
 * @param overrides Fields to change from {@linkcode DEFAULT_CONFIG}.
 * @returns A complete, validated configuration (a fresh object).
 * @throws {RangeError} When `dModel` (1…1024), `epochs` (1…100000),
 *   `learningRate` (> 0, ≤ 10) or `seed` (0…2³² − 1) is out of range, or the
 *   sentence is longer than {@linkcode MAX_SENTENCE_LENGTH}.
 * @throws {TypeError} When a field has the wrong type.
 *
 * @example
 * ```ts
 * import { resolveConfig } from "./config.ts";
 * const config = resolveConfig({ epochs: 10 });
 * if (config.dModel !== 4 || config.epochs !== 10) throw new Error("defaults");
 * ```
 */
export function resolveConfig(
  overrides: Partial<AttentionConfig> = {},
): AttentionConfig {
  checkObject(overrides, "the settings", "an object such as { epochs: 10 }");
  const config: AttentionConfig = {
    ...DEFAULT_CONFIG,
    sizeWords: [...DEFAULT_CONFIG.sizeWords],
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(DEFAULT_CONFIG, key)) {
      throw new TypeError(
        `unknown setting ${describe(key)}; the settings are: ${
          Object.keys(DEFAULT_CONFIG).join(", ")
        }`,
      );
    }
    if (value !== undefined) {
      (config as unknown as Record<string, unknown>)[key] = Array.isArray(value)
        ? [...value]
        : value;
    }
  }
  if (typeof config.sentence !== "string") {
    throw new TypeError(
      `sentence must be a string, got ${describe(config.sentence)}`,
    );
  }
  if (config.sentence.length > MAX_SENTENCE_LENGTH) {
    throw new RangeError(
      `the sentence is ${config.sentence.length} characters long, more than the limit of ${MAX_SENTENCE_LENGTH}; use a shorter text`,
    );
  }
  if (typeof config.focusWord !== "string") {
    throw new TypeError(
      `focusWord must be a string, got ${describe(config.focusWord)}`,
    );
  }
  if (
    !Array.isArray(config.sizeWords) ||
    config.sizeWords.some((w) => typeof w !== "string")
  ) {
    throw new TypeError(
      `sizeWords must be a list of words, got ${describe(config.sizeWords)}`,
    );
  }
  checkPositiveInteger("dModel", config.dModel, MAX_D_MODEL);
  checkPositiveInteger("epochs", config.epochs, MAX_EPOCHS);
  if (
    typeof config.learningRate !== "number" ||
    !Number.isFinite(config.learningRate) || config.learningRate <= 0
  ) {
    throw new RangeError(
      `learningRate must be a positive finite number such as 0.001, got ${
        describe(config.learningRate)
      }`,
    );
  }
  if (config.learningRate > MAX_LEARNING_RATE) {
    throw new RangeError(
      `learningRate must be at most ${MAX_LEARNING_RATE}, got ${config.learningRate}`,
    );
  }
  if (
    typeof config.seed !== "number" || !Number.isInteger(config.seed) ||
    config.seed < 0 || config.seed > MAX_SEED
  ) {
    throw new RangeError(
      `seed must be a whole number from 0 to ${MAX_SEED}, got ${
        describe(config.seed)
      }`,
    );
  }
  return config;
}

/**
 * The longest sentence, in UTF-16 code units, checked before it is split:
 * measured on a busy 2-core machine, a million characters of English
 * tokenize in 0.5 s, of unspaced Chinese (segmented) in about 2.5 s.
 */
export const MAX_SENTENCE_LENGTH = 1_000_000;

export { checkAttentionCells, MAX_ATTENTION_CELLS } from "../core/limits.ts";

/**
 * Above this learning rate training often cannot learn: Adam's first steps
 * move every parameter by about the learning rate and saturate the softmax,
 * and the focus word can get stuck with the worst loss. Measured over 200
 * epochs of the default sentence (seeds 1–10 here, 1–5 in the PyTorch twin,
 * dModel 4 and 64): runs at 0.01 and 0.03 always reached the floor; at 1, 3
 * and 10, 2 to 4 runs in 10 here and 2 to 3 in 5 in PyTorch ended at the
 * worst loss, and some already did at 0.1 and 0.3.
 */
export const LEARNING_RATE_WARNING = 0.1;

/**
 * A warning for a learning rate that is allowed but unlikely to learn.
 *
 * @param learningRate Adam's step size.
 * @returns One line to show the reader, or `undefined` when the rate is at most {@linkcode LEARNING_RATE_WARNING}.
 *
 * @example
 * ```ts
 * import { learningRateWarning } from "./config.ts";
 * if (learningRateWarning(0.001) !== undefined) throw new Error();
 * if (!learningRateWarning(10)?.includes("above 0.1")) throw new Error();
 * ```
 */
export function learningRateWarning(learningRate: number): string | undefined {
  if (typeof learningRate !== "number") {
    throw new TypeError(
      `learningRate must be a number, got ${describe(learningRate)}`,
    );
  }
  if (!(learningRate > LEARNING_RATE_WARNING)) return undefined;
  return `learning rate ${learningRate} is above ${LEARNING_RATE_WARNING}: steps this large often saturate the softmax and leave the focus word stuck at the worst loss (measured here and in PyTorch); 0.001 to 0.03 learn reliably`;
}

// Limits that keep every number finite and every run within a laptop's
// memory: Adam moves a parameter by at most about 3.2 × learningRate per
// epoch, so with these limits no score can overflow, even in float32.
const MAX_EPOCHS = 100_000;
const MAX_LEARNING_RATE = 10;

function checkPositiveInteger(name: string, value: unknown, max: number): void {
  if (
    typeof value !== "number" || !Number.isFinite(value) || value <= 0 ||
    !Number.isInteger(value)
  ) {
    throw new RangeError(
      `${name} must be a positive whole number, got ${describe(value)}`,
    );
  }
  if (value > max) {
    throw new RangeError(`${name} must be at most ${max}, got ${value}`);
  }
}
