/**
 * Input checks shared by the tensor ops (attention.ts, block.ts): a float32
 * tensor from a tensor or nested number arrays, with one clear error for each
 * way the input can be wrong.
 * @module
 */

import * as tf from "@tensorflow/tfjs";

/** Options for {@linkcode floatTensor}. */
export interface FloatTensorOptions {
  /** The exact shape required. Default: any shape. */
  shape?: number[];
  /** Whether nested arrays may hold ±Infinity (an additive mask does). Default false. */
  allowInfinite?: boolean;
}

/**
 * A float32 tensor from a tensor (returned as it is, or cast) or from nested
 * arrays of numbers (checked rectangular and, unless allowed, finite; tensors
 * are not read back, so this costs nothing inside a training step).
 *
 * @param value The input.
 * @param name Its name in error messages.
 * @param options A required shape; whether infinities are allowed.
 * @returns A tensor; a new one unless `value` was already a float32 tensor.
 * @throws {TypeError} For a disposed tensor or a value of another kind.
 * @throws {RangeError} For ragged arrays, a wrong shape, or NaN/±Infinity.
 */
export function floatTensor(
  value: unknown,
  name: string,
  options: FloatTensorOptions = {},
): tf.Tensor {
  let tensor: tf.Tensor;
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) throw new TypeError(`${name} is a disposed tensor`);
    tensor = value.dtype === "float32" ? value : tf.cast(value, "float32");
  } else if (typeof value === "number" || Array.isArray(value)) {
    const shape = rectangularShape(value, name);
    const flat = [value].flat(Infinity) as number[];
    // Math.fround: 1e39 is finite in float64 but Infinity in float32.
    const bad = flat.find((v) =>
      Number.isNaN(v) ||
      (!options.allowInfinite && !Number.isFinite(Math.fround(v)))
    );
    if (bad !== undefined) {
      throw new RangeError(
        `${name} holds a NaN or infinite number${
          Number.isFinite(bad)
            ? ` (${bad} is infinite in float32, whose largest is 3.4e38)`
            : ""
        }`,
      );
    }
    tensor = tf.tensor(flat, shape, "float32");
  } else {
    throw new TypeError(
      `${name} must be a tensor or nested number arrays, got ${kindOf(value)}`,
    );
  }
  if (options.shape && tensor.shape.join() !== options.shape.join()) {
    throw new RangeError(
      `${name} must have shape [${options.shape}], got [${tensor.shape}]`,
    );
  }
  return tensor;
}

/**
 * What kind of value it is, for an error message: `a tensor of shape [2,3]`,
 * `an array`, `null`, or its `typeof`.
 *
 * @param value Anything.
 * @returns A few words.
 */
export function kindOf(value: unknown): string {
  if (value instanceof tf.Tensor) return `a tensor of shape [${value.shape}]`;
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

// The shape of nested arrays of numbers; a RangeError when they are ragged.
function rectangularShape(value: unknown, name: string): number[] {
  if (!Array.isArray(value)) {
    if (typeof value !== "number") {
      throw new TypeError(`${name} must hold numbers, got ${kindOf(value)}`);
    }
    return [];
  }
  const shapes = value.map((item) => rectangularShape(item, name));
  if (shapes.some((shape) => shape.join() !== shapes[0].join())) {
    throw new RangeError(
      `${name} must be a rectangular array of numbers; rows differ in shape`,
    );
  }
  return [value.length, ...(shapes[0] ?? [])];
}
