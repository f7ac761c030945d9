// lib/core/window.ts: the sliding-window mask by hand, equal to the causal
// mask for a window as long as the text, with sinks kept visible.

import * as tf from "@tensorflow/tfjs";
import { assertEquals, assertThrows } from "@std/assert";
import { slidingWindowMask } from "../../lib/core/window.ts";
import { causalMask } from "../../lib/core/attention.ts";

const visible = (m: tf.Tensor2D) =>
  (m.arraySync() as number[][]).map((row) =>
    row.map((x) => (x === 0 ? 1 : 0)).join("")
  );

Deno.test("a window of 2 over 5 tokens, without and with one sink", () => {
  assertEquals(visible(slidingWindowMask(5, 2)), [
    "10000",
    "11000",
    "01100",
    "00110",
    "00011",
  ]);
  assertEquals(visible(slidingWindowMask(5, 2, { sinks: 1 })), [
    "10000",
    "11000",
    "11100",
    "10110",
    "10011",
  ]);
});

Deno.test("a window as long as the text is the causal mask", () => {
  const a = slidingWindowMask(7, 7), b = causalMask(7);
  assertEquals(Array.from(a.dataSync()), Array.from(b.dataSync()));
  tf.dispose([a, b]);
});

Deno.test("bad input gets one sentence", () => {
  assertThrows(() => slidingWindowMask(0, 2), RangeError, "seqLen");
  assertThrows(() => slidingWindowMask(4, 0), RangeError, "window");
  assertThrows(
    () => slidingWindowMask(4, 2, { sinks: -1 }),
    RangeError,
    "sinks",
  );
});
