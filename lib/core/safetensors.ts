/**
 * Weights in the field's format: safetensors (Hugging Face), so a PyTorch
 * user can open a checkpoint of this tutorial with `safetensors` or a few
 * lines of numpy. The layout: 8 bytes of little-endian header length, a JSON
 * header `{name: {dtype, shape, data_offsets}, __metadata__?: {…strings}}`,
 * then the raw little-endian data. Only float32 (`F32`) tensors are written
 * and read here.
 * @module
 */

import { describe } from "./_describe.ts";

/** One tensor: its shape and its numbers, row-major. */
export interface NamedTensor {
  /** The shape, e.g. `[vocabSize, dModel]`. */
  shape: number[];
  /** The numbers, `shape`'s product of them. */
  data: Float32Array;
}

/** A decoded file: its tensors by name and its metadata. */
export interface Safetensors {
  /** The tensors, by name. */
  tensors: Record<string, NamedTensor>;
  /** The `__metadata__` strings (empty when the file has none). */
  metadata: Record<string, string>;
}

/** The largest header this reader accepts (100 MB, as Hugging Face's reader). */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * Writes tensors and metadata as safetensors bytes.
 *
 * @param tensors The tensors by name (names sorted in the file).
 * @param metadata Strings to keep in the header's `__metadata__`.
 * @returns The file's bytes.
 * @throws {RangeError} When a tensor's data does not match its shape, or a
 *   metadata value is not a string.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "./safetensors.ts";
 * const bytes = encodeSafetensors({ w: { shape: [2], data: new Float32Array([1, 2]) } });
 * if (decodeSafetensors(bytes).tensors.w.data[1] !== 2) throw new Error();
 * ```
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, NamedTensor>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  if (typeof tensors !== "object" || tensors === null) {
    throw new TypeError(
      `tensors must be an object of {shape, data} by name, got ${
        describe(tensors)
      }`,
    );
  }
  const header: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string") {
      throw new RangeError(
        `metadata ${key} must be a string (safetensors keeps only strings), got ${
          describe(value)
        }`,
      );
    }
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  const names = Object.keys(tensors).sort();
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name];
    const size = Array.isArray(shape) &&
        shape.every((d) => Number.isInteger(d) && d >= 0)
      ? shape.reduce((a, b) => a * b, 1)
      : -1;
    if (!(data instanceof Float32Array) || size !== data.length) {
      throw new RangeError(
        `tensor ${name}: data must be a Float32Array of shape [${
          describe(shape)
        }]'s size`,
      );
    }
    header[name] = {
      dtype: "F32",
      shape,
      data_offsets: [offset, offset + 4 * size],
    };
    offset += 4 * size;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8); // the data starts 8-aligned
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const data = tensors[name].data;
    for (let i = 0; i < data.length; i++, at += 4) {
      view.setFloat32(at, data[i], true);
    }
  }
  return out;
}

/**
 * Reads safetensors bytes (float32 tensors only).
 *
 * @param bytes The file's bytes.
 * @returns The tensors and the metadata.
 * @throws {RangeError} In one sentence, when the bytes are not a valid
 *   safetensors file or hold a dtype other than `F32`.
 */
export function decodeSafetensors(bytes: Uint8Array): Safetensors {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`bytes must be a Uint8Array, got ${describe(bytes)}`);
  }
  if (bytes.length < 8) {
    throw new RangeError(
      `not a safetensors file: ${bytes.length} bytes, fewer than the 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.length) {
    throw new RangeError(
      `not a safetensors file: its header would be ${headerLength} bytes, in a file of ${bytes.length}`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(
        bytes.subarray(8, 8 + headerLength),
      ),
    );
  } catch {
    throw new RangeError("not a safetensors file: its header is not JSON");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new RangeError("not a safetensors file: its header is not an object");
  }
  const start = 8 + headerLength;
  const dataLength = bytes.length - start;
  const metadata: Record<string, string> = {};
  const tensors: Record<string, NamedTensor> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      for (const [k, v] of Object.entries(entry as object ?? {})) {
        if (typeof v === "string") metadata[k] = v;
      }
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as {
      dtype?: unknown;
      shape?: unknown;
      data_offsets?: unknown;
    };
    if (dtype !== "F32") {
      throw new RangeError(
        `tensor ${name} is ${describe(dtype)}; only F32 tensors are read here`,
      );
    }
    const size = Array.isArray(shape) &&
        shape.every((d) => Number.isInteger(d) && d >= 0)
      ? shape.reduce((a: number, b: number) => a * b, 1)
      : -1;
    const [from, to] = Array.isArray(offsets) ? offsets : [];
    if (
      size < 0 || !Number.isInteger(from) || !Number.isInteger(to) ||
      from < 0 || to > dataLength || to - from !== 4 * size
    ) {
      throw new RangeError(
        `tensor ${name}: its shape and data_offsets do not fit the file`,
      );
    }
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      data[i] = view.getFloat32(start + from + 4 * i, true);
    }
    tensors[name] = { shape: shape as number[], data };
  }
  return { tensors, metadata };
}
