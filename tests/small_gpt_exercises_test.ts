// Chapter 11's exercises (lib/notebook/exercises/11.ts): every solution
// recomputed from the library, as the notebook's solutions compute them.

import { assert, assertEquals } from "@std/assert";
import { gpt } from "../lib/core/gpt.ts";
import { Model } from "../lib/core/model.ts";
import {
  splitByYear,
  Vocabulary,
} from "../lib/chapters/11_a_small_gpt/corpus.ts";
import { DEFAULT_TRAINING } from "../lib/chapters/11_a_small_gpt/train.ts";
import { check } from "../lib/notebook/exercises.ts";

Deno.test("chapter 11's exercise solutions are what the library computes", () => {
  const split = splitByYear();
  const vocabulary = Vocabulary.fromText(split.train);
  const model = new Model(
    gpt({ ...DEFAULT_TRAINING.model, vocabSize: vocabulary.size }),
  );
  const ids = vocabulary.encode(split.validation);
  const answers: [string, unknown][] = [
    ["11.parameters", model.parameterCount],
    ["11.uniform-loss", Math.log(vocabulary.size)],
    ["11.unseen", ids.filter((id) => id === vocabulary.fallbackId).length],
    [
      "11.cache-rows",
      Array.from({ length: 64 }, (_, t) => t + 1).reduce((a, b) => a + b),
    ],
  ];
  model.dispose();
  for (const [id, answer] of answers) {
    assertEquals(check(id, answer).verdict, "correct", `${id}: ${answer}`);
  }
  assertEquals(check("11.unseen", 387).verdict, "wrong");
  assert(check("11.parameters", undefined).message.includes("813") === false);
});
