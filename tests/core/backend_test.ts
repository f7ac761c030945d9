// lib/core/backend.ts: backends by name and "auto", the wasm backend's traps
// (no UnsortedSegmentSum; scatterND sums repeated rows), bad names.

import * as tf from "@tensorflow/tfjs";
import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { currentBackend, useBackend } from "../../lib/core/backend.ts";
import { embeddingLookup } from "../../lib/core/attention.ts";

Deno.test("useBackend switches by name, and auto takes wasm here", async () => {
  assertEquals(await useBackend("cpu"), "cpu");
  assertEquals(currentBackend(), "cpu");
  assertEquals(await useBackend("wasm"), "wasm");
  assertEquals(tf.getBackend(), "wasm");
  await useBackend("cpu");
  assertEquals(await useBackend(), "wasm");
  await useBackend("cpu");
});

Deno.test("on wasm, embeddingLookup's gradient adds the rows of repeated ids (gather's own gradient does not exist there)", async () => {
  await useBackend("wasm");
  const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
  const grad = tf.grad((t: tf.Tensor) =>
    tf.sum(
      tf.mul(
        embeddingLookup(t as tf.Tensor2D, [2, 0, 2]),
        tf.tensor2d([[1, 10], [100, 1000], [2, 20]]),
      ),
    )
  )(table);
  assertEquals(grad.arraySync(), [[100, 1000], [0, 0], [3, 30]]);
  assertThrows(
    () => tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, [0])))(table),
    Error,
    "UnsortedSegmentSum",
  );
  tf.dispose([table, grad]);
  await useBackend("cpu");
});

Deno.test("a backend name that is not cpu, wasm or auto gets one sentence", async () => {
  await assertRejects(
    () => useBackend("webgl" as never),
    RangeError,
    'backend must be "auto", "wasm" or "cpu", got "webgl"',
  );
});
