import { assertEquals, assertNotStrictEquals, assertThrows } from "@std/assert";
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
