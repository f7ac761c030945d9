import { assertEquals, assertThrows } from "@std/assert";
import {
  decodeSafetensors,
  encodeSafetensors,
} from "../../lib/core/safetensors.ts";

const TENSORS = {
  "transformer.wte.weight": {
    shape: [3, 2],
    data: new Float32Array([0.5, -1, 2, 1e-8, -3.25, 7]),
  },
  "transformer.ln_f.bias": { shape: [2], data: new Float32Array([0, 1]) },
};

Deno.test("safetensors round-trips tensors and metadata, 8-aligned", () => {
  const bytes = encodeSafetensors(TENSORS, { vocab: "abc", step: "5" });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assertEquals((8 + n) % 8, 0);
  const back = decodeSafetensors(bytes);
  assertEquals(back.metadata, { vocab: "abc", step: "5" });
  assertEquals(back.tensors, TENSORS);
});

const python = (await Deno.permissions.query({
  name: "run",
  command: "/usr/bin/python3",
})).state === "granted";

Deno.test({
  name: "safetensors files are read by an independent numpy reader",
  ignore: !python, // the unit tier runs without --allow-run
  fn: async () => {
    const file = await Deno.makeTempFile({ suffix: ".safetensors" });
    await Deno.writeFile(file, encodeSafetensors(TENSORS, { vocab: "abc" }));
    const out = await new Deno.Command("/usr/bin/python3", {
      args: ["bench/read_safetensors.py", file],
      stdout: "piped",
      stderr: "piped",
    }).output().finally(() => Deno.remove(file));
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    const read = JSON.parse(new TextDecoder().decode(out.stdout));
    assertEquals(read.metadata, { vocab: "abc" });
    const wte = read.tensors["transformer.wte.weight"];
    assertEquals(wte.shape, [3, 2]);
    assertEquals(wte.first, [0.5, -1, 2, Math.fround(1e-8)]);
    assertEquals(read.tensors["transformer.ln_f.bias"].sum, 1);
  },
});

Deno.test("bad safetensors bytes get one sentence", () => {
  assertThrows(
    () => decodeSafetensors(new Uint8Array(3)),
    RangeError,
    "fewer than the 8-byte",
  );
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 1000n, true);
  assertThrows(
    () => decodeSafetensors(huge),
    RangeError,
    "header would be 1000 bytes",
  );
  const notJson = new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 123, 123]);
  assertThrows(() => decodeSafetensors(notJson), RangeError, "not JSON");
  const good = encodeSafetensors(TENSORS);
  assertThrows(
    () => decodeSafetensors(good.subarray(0, good.length - 4)),
    RangeError,
    "do not fit",
  );
  const f16 = new TextEncoder().encode(
    JSON.stringify({ x: { dtype: "F16", shape: [1], data_offsets: [0, 2] } }),
  );
  const bytes = new Uint8Array(8 + f16.length + 2);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(f16.length), true);
  bytes.set(f16, 8);
  assertThrows(() => decodeSafetensors(bytes), RangeError, "only F32");
  assertThrows(
    () => encodeSafetensors({ w: { shape: [3], data: new Float32Array(2) } }),
    RangeError,
    "tensor w",
  );
  assertThrows(
    () => encodeSafetensors(TENSORS, { n: 5 as never }),
    RangeError,
    "metadata n must be a string",
  );
});
