/**
 * Chapter 11's checkpoints: a GPT's weights as safetensors with nanoGPT's
 * names (lib/core/safetensors.ts), and in the header's `__metadata__` what
 * it takes to use them: the configuration, the character vocabulary, the
 * step and the training settings.
 * @module
 */

import { checkObject, describe } from "../../core/_describe.ts";
import { checkGptConfig } from "./_check.ts";

import { type GptConfig, gptSchema, resolveGptConfig } from "../../core/gpt.ts";
import type { ParameterValues } from "../../core/model.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  type NamedTensor,
} from "../../core/safetensors.ts";
import { Vocabulary } from "./corpus.ts";

// A file path: a string or a file: URL.
function checkPath(path: unknown): void {
  if (typeof path !== "string" && !(path instanceof URL)) {
    throw new TypeError(
      `path must be a file path (a string or URL), got ${describe(path)}`,
    );
  }
}

/** What `__metadata__.format` says: this file's layout. */
export const CHECKPOINT_FORMAT = "attention-cell-by-cell/char-gpt/1";

/**
 * nanoGPT keeps the tied output head under its own name too; the file
 * carries it as a copy of `transformer.wte.weight`, so nanoGPT's
 * `GPT.load_state_dict` finds every weight it trains.
 */
export const TIED_HEAD = "lm_head.weight";

/** A checkpoint, decoded. */
export interface Checkpoint {
  /** The GPT's sizes. */
  config: GptConfig;
  /** The character vocabulary (its `size` is `config.vocabSize`). */
  vocabulary: Vocabulary;
  /** Every parameter by schema name (without the tied head's copy). */
  values: ParameterValues;
  /** Updates the weights have had. */
  step: number;
  /** Anything else kept (training settings, losses), parsed from JSON. */
  info: Record<string, unknown>;
}

/**
 * A checkpoint as safetensors bytes.
 *
 * @param checkpoint Configuration, vocabulary, values, step, info.
 * @returns The file's bytes.
 * @throws {RangeError} When the values do not fit the configuration's schema.
 */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  checkObject(
    checkpoint,
    "checkpoint",
    "{config, vocabulary, values, step, info}",
  );
  const config = resolveGptConfig(
    checkGptConfig(checkpoint.config, "checkpoint.config"),
  );
  if (!(checkpoint.vocabulary instanceof Vocabulary)) {
    throw new TypeError(
      `checkpoint.vocabulary must be a Vocabulary, got ${
        describe(checkpoint.vocabulary)
      }`,
    );
  }
  checkObject(
    checkpoint.values,
    "checkpoint.values",
    "parameter values by name",
  );
  if (!Number.isInteger(checkpoint.step) || checkpoint.step < 0) {
    throw new RangeError(
      `checkpoint.step must be a whole number ≥ 0, got ${
        describe(checkpoint.step)
      }`,
    );
  }
  checkObject(checkpoint.info, "checkpoint.info", "an object (kept as JSON)");
  if (checkpoint.vocabulary.size !== config.vocabSize) {
    throw new RangeError(
      `the vocabulary has ${checkpoint.vocabulary.size} ids, the configuration's vocabSize is ${config.vocabSize}`,
    );
  }
  const tensors: Record<string, NamedTensor> = {};
  for (const spec of gptSchema(config)) {
    const data = checkpoint.values[spec.name];
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (!(data instanceof Float32Array) || data.length !== size) {
      throw new RangeError(
        `parameter ${spec.name} must be a Float32Array of ${size} numbers ([${spec.shape}]), got ${
          describe(data)
        }`,
      );
    }
    tensors[spec.name] = { shape: [...spec.shape], data };
  }
  tensors[TIED_HEAD] = { ...tensors["transformer.wte.weight"] };
  return encodeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(config),
    vocabulary: JSON.stringify(checkpoint.vocabulary.characters),
    fallback:
      `id ${checkpoint.vocabulary.fallbackId}: every character not in the vocabulary`,
    step: String(checkpoint.step),
    info: JSON.stringify(checkpoint.info),
  });
}

/**
 * Reads a checkpoint written by {@linkcode encodeCheckpoint}.
 *
 * @param bytes The file's bytes.
 * @returns The decoded checkpoint.
 * @throws {RangeError} In one sentence, when the file is not such a checkpoint.
 */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new RangeError(
      `not a chapter 11 checkpoint: its __metadata__.format is ${
        describe(metadata.format)
      }, expected "${CHECKPOINT_FORMAT}"`,
    );
  }
  let config: GptConfig, characters: string[], info: Record<string, unknown>;
  try {
    config = resolveGptConfig(JSON.parse(metadata.config));
    characters = JSON.parse(metadata.vocabulary);
    info = JSON.parse(metadata.info ?? "{}");
  } catch (error) {
    throw new RangeError(
      `the checkpoint's metadata is damaged: ${(error as Error).message}`,
    );
  }
  const vocabulary = new Vocabulary(characters);
  const values: ParameterValues = {};
  for (const spec of gptSchema(config)) {
    const tensor = tensors[spec.name];
    if (!tensor || tensor.shape.join() !== spec.shape.join()) {
      throw new RangeError(
        `the checkpoint lacks ${spec.name} of shape [${spec.shape}]`,
      );
    }
    values[spec.name] = tensor.data;
  }
  const step = Number(metadata.step);
  return {
    config,
    vocabulary,
    values,
    step: Number.isInteger(step) ? step : 0,
    info,
  };
}

/**
 * Writes a checkpoint to a file, atomically (a temporary file, then a
 * rename), so an interrupted write never leaves half a checkpoint.
 *
 * @param path Where.
 * @param checkpoint What.
 */
export function saveCheckpoint(path: string, checkpoint: Checkpoint): void {
  checkPath(path);
  const temporary = `${path}.partial`;
  Deno.writeFileSync(temporary, encodeCheckpoint(checkpoint));
  Deno.renameSync(temporary, path);
}

/**
 * Reads a checkpoint from a file.
 *
 * @param path A `.safetensors` file written by {@linkcode saveCheckpoint}.
 * @returns The checkpoint.
 */
export function loadCheckpoint(path: string | URL): Checkpoint {
  checkPath(path);
  return decodeCheckpoint(Deno.readFileSync(path));
}
