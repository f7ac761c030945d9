import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "@std/assert";
import {
  analyzeAttention,
  formatAnalysis,
  formatEpoch,
  prepareExperiment,
  progressLines,
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

Deno.test("progressLines prints every 20th epoch, as the original demo", () => {
  const history = Array.from({ length: 200 }, (_, epoch) => ({
    epoch,
    loss: 1 / (epoch + 1),
  }));
  const lines = progressLines(history);
  assertEquals(lines.length, 10);
  assertEquals(lines[0], formatEpoch(0, 1));
  assertEquals(lines[9], formatEpoch(180, 1 / 181));
});

Deno.test("progressLines thins 100,000 epochs to 20 evenly spaced lines and says so", () => {
  const history = Array.from({ length: 100000 }, (_, epoch) => ({
    epoch,
    loss: 0.5,
  }));
  const lines = progressLines(history);
  assertEquals(lines.length, 21);
  const epochs = lines.slice(0, 20).map((line) =>
    Number(/Epoch: (\d+)/.exec(line)![1])
  );
  assertEquals(epochs[0], 0);
  assertEquals(epochs[19], 99980); // the last of the 5,000 due lines
  // evenly spaced: every gap within one report (20 epochs) of the mean gap
  const gaps = epochs.slice(1).map((e, i) => e - epochs[i]);
  for (const gap of gaps) assert(Math.abs(gap - 99980 / 19) <= 20, `${gaps}`);
  assertEquals(
    lines[20],
    "(20 of 5000 progress lines shown, evenly spaced; the history holds every epoch)",
  );
});

Deno.test("progressLines refuses a bad history or options in one sentence", () => {
  assertThrows(
    () => progressLines(null as never),
    TypeError,
    "history must be a list",
  );
  assertThrows(
    () => progressLines([], null as never),
    TypeError,
    "options must be an object",
  );
  assertThrows(
    () => progressLines([], { most: 0 }),
    RangeError,
    "most must be a whole number",
  );
});
