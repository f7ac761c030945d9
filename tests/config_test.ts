import {
  assert,
  assertEquals,
  assertNotStrictEquals,
  assertThrows,
} from "@std/assert";
import { DEFAULT_CONFIG, resolveConfig } from "../lib/mod.ts";

Deno.test("defaults are the original demo's", () => {
  assertEquals(
    DEFAULT_CONFIG.sentence,
    "The pink elephant tried to get into the car but it was too",
  );
  assertEquals(DEFAULT_CONFIG.focusWord, "it");
  assertEquals(DEFAULT_CONFIG.sizeWords, ["elephant", "car", "too"]);
  assertEquals(DEFAULT_CONFIG.dModel, 4);
  assertEquals(DEFAULT_CONFIG.learningRate, 0.001);
  assertEquals(DEFAULT_CONFIG.epochs, 200);
});

Deno.test("resolveConfig fills defaults, ignores undefined and never shares arrays", () => {
  const config = resolveConfig({ epochs: 5, dModel: undefined });
  assertEquals(config.epochs, 5);
  assertEquals(config.dModel, 4);
  assertNotStrictEquals(config.sizeWords, DEFAULT_CONFIG.sizeWords);
  config.sizeWords.push("pink");
  assertEquals(DEFAULT_CONFIG.sizeWords.length, 3);
});

Deno.test("only the configuration's own settings are accepted, and arrays are copied", () => {
  assertThrows(
    () => resolveConfig({ toString: 5 } as Record<string, unknown>),
    TypeError,
    `unknown setting "toString"`,
  );
  assertThrows(
    () => resolveConfig(JSON.parse(`{"__proto__": {"epochs": 1}}`)),
    TypeError,
    `unknown setting "__proto__"`,
  );
  const sizeWords = ["car"];
  const config = resolveConfig({ sizeWords });
  assertNotStrictEquals(config.sizeWords, sizeWords);
  assertThrows(
    () => resolveConfig({ seed: 2 ** 32 }),
    RangeError,
    "seed must be a whole number from 0 to 4294967295",
  );
});

// Issue 13, item 8: a learning rate that cannot learn is allowed, with a warning.
import {
  LEARNING_RATE_WARNING,
  learningRateWarning,
} from "../lib/demo/config.ts";
import {
  prepareExperiment,
  sizeLossFloor,
  trainExperiment,
} from "../lib/mod.ts";
import { assertAlmostEquals } from "@std/assert";
Deno.test("learning rates above LEARNING_RATE_WARNING get a warning, and the measurement behind it holds", async () => {
  assertEquals(learningRateWarning(0.001), undefined);
  assertEquals(learningRateWarning(LEARNING_RATE_WARNING), undefined);
  const text = learningRateWarning(10)!;
  assertEquals(text.split("\n").length, 1);
  assertEquals(text.startsWith("learning rate 10 is above 0.1"), true);
  // the claim: at 10 some seeds end at the worst loss, at 0.01 none do
  const worstOf = async (learningRate: number) => {
    let stuck = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const experiment = prepareExperiment({ learningRate, seed });
      const { finalLoss } = await trainExperiment(experiment);
      const numOther = experiment.tokens.length -
        experiment.sizePositions.length;
      if (finalLoss > 1 + 1 / numOther - 1e-3) stuck++;
      if (learningRate <= 0.03) {
        assertAlmostEquals(
          finalLoss,
          sizeLossFloor(experiment.sizePositions.length),
          1e-2,
        );
      }
    }
    return stuck;
  };
  assertEquals(await worstOf(0.01), 0);
  assertEquals((await worstOf(10)) >= 2, true);
});

// Issue 25: a long unknown key is quoted shortened.
Deno.test("an unknown setting with a long name is named in a short message", () => {
  const error = assertThrows(
    () => resolveConfig({ ["x".repeat(100_000)]: 1 } as never),
    TypeError,
    'unknown setting "xxx',
  );
  assert(error.message.length < 200, `${error.message.length} characters`);
});
