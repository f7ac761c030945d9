import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import {
  analyzeAttention,
  formatAnalysis,
  formatEpoch,
  prepareExperiment,
} from "../lib/mod.ts";

const experiment = prepareExperiment({
  sentence: "the car was too big for the road",
  focusWord: "was",
  sizeWords: ["car", "big"],
});
const weights = [0.05, 0.3, 0.05, 0.1, 0.25, 0.05, 0.1, 0.1];

Deno.test("ranking sorts positions by weight, ties in sentence order", () => {
  const analysis = analyzeAttention(experiment, weights);
  assertEquals(analysis.ranking.map((r) => r.position), [
    1,
    4,
    3,
    6,
    7,
    0,
    2,
    5,
  ]);
  assertEquals(analysis.weights[6], { token: "the", position: 6, weight: 0.1 });
});

Deno.test("combined size weight sums the size positions", () => {
  assertAlmostEquals(
    analyzeAttention(experiment, weights).combinedSizeWeight,
    0.55,
    1e-12,
  );
});

Deno.test("analysis rejects a weight list of the wrong length", () => {
  assertThrows(
    () => analyzeAttention(experiment, [1]),
    RangeError,
    "expected 8 weights",
  );
});

Deno.test("report lines use the original demo's format", () => {
  assertEquals(formatEpoch(20, 0.98765), "Epoch: 20, Loss: 0.9877");
  const lines = formatAnalysis(analyzeAttention(experiment, weights)).split(
    "\n",
  );
  assertEquals(lines[0], "Attention Pattern Analysis:");
  assertEquals(lines[1], "Token Importance Ranking:");
  assertEquals(lines[2], "Token: car             Attention Weight: 0.3000");
  assertEquals(lines.at(-1), "Combined weight for size-related words: 0.5500");
});

// Issue 13, item 7.
Deno.test("formatEpoch rejects a loss that is not a number and a bad epoch", () => {
  assertThrows(
    () => formatEpoch(1, "x" as unknown as number),
    TypeError,
    `loss must be a number, got "x"`,
  );
  assertThrows(
    () => formatEpoch(-1, 0.5),
    RangeError,
    "epoch must be a whole number ≥ 0, got -1",
  );
});
