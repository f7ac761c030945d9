/**
 * Chapter 11's shared argument check: a GPT model and, where a function also
 * takes its sizes, a config that fits it (so a wrong config is one sentence,
 * not a loop over 60,000 heads or a read past the weights).
 * @module
 */

import {
  checkNumberLists,
  checkObject,
  describe,
} from "../../core/_describe.ts";

import type { Batch } from "../../train/trainer.ts";
import {
  type GptConfig,
  type GptForwardOptions,
  gptSchema,
  resolveGptConfig,
  type TokenBatch,
} from "../../core/gpt.ts";
import { checkModelFits, Model } from "../../core/model.ts";

// The GPT as generate.ts names it (not imported from there: no cycle).
type Gpt = Model<TokenBatch, GptForwardOptions>;

/**
 * Checks that `model` is a model and that `config` (when given) is the one
 * it was built with.
 *
 * @param model The argument.
 * @param config Its sizes, or undefined where the function takes none.
 * @returns The config, defaults filled in (or undefined).
 * @throws {TypeError} When `model` is not a model.
 * @throws {RangeError} For a config that is invalid or does not fit the model.
 */
export function checkGpt(model: Gpt, config: Partial<GptConfig>): GptConfig {
  checkGptModel(model);
  const c = resolveGptConfig(checkGptConfig(config, "config"));
  checkModelFits(
    model,
    gptSchema(c),
    `config (vocabSize ${c.vocabSize}, blockSize ${c.blockSize}, numLayers ${c.numLayers}, numHeads ${c.numHeads}, dModel ${c.dModel})`,
  );
  return c;
}

/**
 * Checks that `model` is a model (alive is checked by its forward).
 *
 * @param model The argument.
 * @throws {TypeError} When it is not a model.
 */
export function checkGptModel(model: Gpt): void {
  if (!(model instanceof Model)) {
    throw new TypeError(
      `model must be a GPT Model (see loadCheckpoint), got ${describe(model)}`,
    );
  }
}

/**
 * Checks that a config is an object (its fields are checked by resolveGptConfig).
 *
 * @param config The argument.
 * @param name Its name in messages.
 * @returns The config.
 * @throws {TypeError} When it is not an object.
 */
export function checkGptConfig(
  config: Partial<GptConfig>,
  name: string,
): Partial<GptConfig> {
  return checkObject(config, name, "a GPT config {vocabSize, blockSize, …}");
}

/**
 * Checks a batch of windows: `input` and `target`, each `[windows, T]` ids.
 *
 * @param sample The argument.
 * @param name Its name in messages.
 * @throws {TypeError|RangeError} When it is not such a batch.
 */
export function checkSample(
  sample: Batch<TokenBatch, TokenBatch>,
  name: string,
): void {
  checkObject(sample, name, "a batch {input, target} (see fixedSample)");
  const shape = checkNumberLists(sample.input, `${name}.input`, 2);
  if (
    checkNumberLists(sample.target, `${name}.target`, 2).join() !== shape.join()
  ) {
    throw new RangeError(
      `${name}.target must have the shape of ${name}.input [${shape}]`,
    );
  }
}

/**
 * Checks a list of token ids (an array or a typed array of whole numbers).
 *
 * @param ids The argument.
 * @param name Its name in messages.
 * @throws {TypeError} When it is not a list of whole numbers.
 */
export function checkIdList(ids: ArrayLike<number>, name: string): void {
  // integer typed arrays (a corpus of 10 million ids) need no scan
  if (
    ids instanceof Uint8Array || ids instanceof Uint16Array ||
    ids instanceof Uint32Array || ids instanceof Int32Array
  ) return;
  const list = ArrayBuffer.isView(ids) ? Array.from(ids as Float32Array) : ids;
  if (!Array.isArray(list) || !list.every(Number.isInteger)) {
    throw new TypeError(
      `${name} must be a list of token ids (whole numbers), got ${
        describe(ids)
      }`,
    );
  }
}
